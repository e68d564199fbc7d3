namespace Flatline;

/// <summary>Storage keeps Unix milliseconds; JSON shows UTC <see cref="DateTime"/>s, which
/// System.Text.Json writes as RFC 3339 with a <c>Z</c>.</summary>
public static class Timestamps
{
    public static DateTime FromMs(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);

    public static DateTime? FromMs(long? ms) => ms is { } value ? FromMs(value) : null;
}
