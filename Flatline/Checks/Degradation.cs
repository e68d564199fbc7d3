using System.Globalization;

namespace Flatline;

/// <summary>Why a successful check counts toward degraded (SPEC §12): <see cref="Slow"/> when it took
/// longer than <c>max_response_ms</c>, <see cref="Certificate"/> when the certificate expires within
/// <c>tls_expiry_warn_days</c>. Each is the text a person reads.</summary>
public sealed record Degradation(string? Slow, string? Certificate);

/// <summary>A monitor's degraded thresholds, compiled into its <see cref="CheckSpec"/>: a response time
/// limit, a certificate warning, or both.</summary>
public sealed record DegradedWhen(long? MaxResponseMs, int? TlsExpiryWarnDays)
{
    public const int DefaultTlsExpiryWarnDays = 14;

    /// <summary>The outcome with its <see cref="ProbeOutcome.Degradation"/>, judged at <paramref name="nowMs"/>
    /// (the app's clock, as the check's time); a failed check is left as it is: down is down.</summary>
    public ProbeOutcome Assess(ProbeOutcome outcome, long nowMs)
    {
        if (!outcome.Ok) return outcome;
        string? slow = null, certificate = null;
        if (MaxResponseMs is { } max && outcome.LatencyUs is { } us && us > max * 1000)
            slow = $"slow: {ResponseTimes.WholeMs(us).ToString(CultureInfo.InvariantCulture)} ms (max {max.ToString(CultureInfo.InvariantCulture)} ms)";
        if (TlsExpiryWarnDays is { } days && outcome.TlsExpiresAt is { } expires)
        {
            var left = expires - DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
            if (left < TimeSpan.FromDays(days)) certificate = CertificateText(expires, left);
        }
        return slow is null && certificate is null ? outcome : outcome with { Degradation = new Degradation(slow, certificate) };
    }

    static string CertificateText(DateTimeOffset expires, TimeSpan left)
    {
        var date = expires.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        // Whole days left, rounded up: a certificate that ends in 2 days and 23 hours "expires in 3 days".
        var days = (long)Math.Ceiling(left.TotalDays);
        return days switch
        {
            <= 0 => $"TLS certificate expired on {date}",
            1 => $"TLS certificate expires in 1 day ({date})",
            _ => $"TLS certificate expires in {days.ToString(CultureInfo.InvariantCulture)} days ({date})",
        };
    }

    /// <summary>The thresholds of a config, or null when it has none.</summary>
    public static DegradedWhen? Of(int? maxResponseMs, int? tlsExpiryWarnDays) =>
        maxResponseMs is null && tlsExpiryWarnDays is null or 0 ? null : new DegradedWhen(maxResponseMs, tlsExpiryWarnDays is 0 ? null : tlsExpiryWarnDays);
}
