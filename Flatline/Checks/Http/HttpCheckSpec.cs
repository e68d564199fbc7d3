using System.Globalization;

namespace Flatline;

/// <summary>What one HTTP check does, compiled once from a monitor's validated config so that the
/// probe does no parsing on the hot path.</summary>
public sealed record HttpCheckSpec(
    Uri Url,
    HttpMethod Method,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    HttpCheckBody? Body,
    StatusRanges ExpectedStatus,
    string? Keyword,
    bool FollowRedirects,
    bool VerifyTls,
    TimeSpan Timeout,
    IReadOnlyList<HttpAssertionCheck>? Assertions = null) : CheckSpec(Timeout)
{
    /// <summary>Whether the body must be read whole (up to the window): an assertion looks at it.</summary>
    public bool ReadsBody { get; } = Assertions?.Any(a => a.Assertion.Source is "body" or "json") ?? false;
}

/// <summary>A request body ready to send: bytes and their content type.</summary>
public sealed record HttpCheckBody(byte[] Content, string ContentType);

/// <summary>Accepted status codes as inclusive ranges, from items such as <c>200</c>, <c>"2xx"</c>
/// or <c>"200-299"</c>. The default is any 2xx.</summary>
public sealed class StatusRanges
{
    readonly (int Lo, int Hi)[] ranges;
    readonly string description;

    StatusRanges((int Lo, int Hi)[] ranges, string description)
    {
        this.ranges = ranges;
        this.description = description;
    }

    public static StatusRanges Default { get; } = new([(200, 299)], "2xx");

    public bool Matches(int status)
    {
        foreach (var (lo, hi) in ranges)
            if (status >= lo && status <= hi) return true;
        return false;
    }

    /// <summary>As people write it, e.g. <c>2xx</c> or <c>200, 301-302</c>.</summary>
    public override string ToString() => description;

    public static StatusRanges Create(IReadOnlyList<string> items)
    {
        var parsed = new (int, int)[items.Count];
        for (var i = 0; i < items.Count; i++)
            parsed[i] = TryParseItem(items[i], out var range) ? range : throw new FormatException($"not a status: {items[i]}");
        return new StatusRanges(parsed, string.Join(", ", items));
    }

    /// <summary>One item: a code 100-599, a class like <c>2xx</c>, or a range like <c>200-299</c>.</summary>
    public static bool TryParseItem(string text, out (int Lo, int Hi) range)
    {
        range = default;
        text = text.Trim();
        if (text.Length == 3 && text[0] is >= '1' and <= '5' && text[1..].Equals("xx", StringComparison.OrdinalIgnoreCase))
        {
            var lo = (text[0] - '0') * 100;
            range = (lo, lo + 99);
            return true;
        }
        var dash = text.IndexOf('-');
        if (dash > 0)
        {
            if (!TryCode(text[..dash], out var lo) || !TryCode(text[(dash + 1)..], out var hi) || lo > hi) return false;
            range = (lo, hi);
            return true;
        }
        if (!TryCode(text, out var code)) return false;
        range = (code, code);
        return true;
    }

    static bool TryCode(string text, out int code) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out code) && code is >= 100 and <= 599;
}
