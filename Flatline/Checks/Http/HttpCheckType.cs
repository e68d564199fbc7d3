using System.Globalization;
using System.Text.Json;

namespace Flatline;

/// <summary><c>http</c>: a request to a URL, up when the status is expected and the keyword found.</summary>
public sealed class HttpCheckType(TimeProvider time) : CheckType<HttpMonitorConfig>
{
    static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    // Headers the HTTP client owns; setting them by hand breaks the request.
    static readonly string[] ForbiddenHeaders = ["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer"];
    const int MaxBodyBytes = 64 * 1024;

    public override string Type => "http";

    public override IProbe Probe { get; } = new HttpProbe(time);

    protected override CheckSpec Compile(HttpMonitorConfig config, TimeSpan timeout)
    {
        var expected = config.ExpectedStatus is { Count: > 0 } items
            ? StatusRanges.Create(items.Select(e => e.ValueKind == JsonValueKind.Number ? e.GetInt32().ToString(CultureInfo.InvariantCulture) : e.GetString()!).ToList())
            : StatusRanges.Default;
        var url = new Uri(config.Url);
        return new HttpCheckSpec(
            url, HttpMethod.Parse(config.Method), // the shared instance of a known method, not one per monitor
            config.Headers?.ToList() ?? [],
            config.Body?.ToCheckBody(),
            expected, config.Keyword, config.FollowRedirects, config.VerifyTls, timeout,
            config.Assertions?.Select(a => a.ToCheck()).ToList())
        {
            // An http URL may still redirect to https, whose certificate is then the one that answered.
            DegradedWhen = DegradedWhen.Of(config.MaxResponseMs, config.TlsExpiryWarnDays ?? DegradedWhen.DefaultTlsExpiryWarnDays),
        };
    }

    public override MonitorConfig? Validate(ConfigReader config)
    {
        var url = "";
        if (!config.TryGet("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String)
            config.Fail("url", "is required");
        else
        {
            url = urlElement.GetString()!.Trim();
            if (url.Length > 2048) config.Fail("url", "must be at most 2048 characters");
            else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
                config.Fail("url", "must be an absolute http or https URL with a host");
            else if (uri.UserInfo.Length > 0)
                config.Fail("url", "must not contain credentials; send them in an Authorization header");
        }

        var method = "GET";
        if (config.TryGet("method", out var methodElement))
        {
            method = methodElement.ValueKind == JsonValueKind.String ? methodElement.GetString()!.ToUpperInvariant() : "";
            if (!Methods.Contains(method)) config.Fail("method", $"must be one of {string.Join(", ", Methods)}");
        }

        var expected = ExpectedStatus(config);
        var headers = Headers(config);
        MonitorRequestBody? body = config.TryGet("body", out var bodyElement) ? Body(new ConfigReader(bodyElement, config.Key("body"), config.Errors)) : null;

        string? keyword = null;
        if (config.TryGet("keyword", out var keywordElement))
        {
            keyword = keywordElement.ValueKind == JsonValueKind.String ? keywordElement.GetString() : null;
            if (string.IsNullOrEmpty(keyword) || keyword.Length > 1024) config.Fail("keyword", "must be 1-1024 characters, or null for no keyword check");
        }

        var followRedirects = config.Boolean("follow_redirects", true);
        var verifyTls = config.Boolean("verify_tls", true);
        var assertions = HttpAssertion.Validate(config);
        int? maxResponseMs = config.TryGet("max_response_ms", out _) ? config.Integer("max_response_ms", null, 1, 300_000) : null;
        var warnDays = TlsExpiryWarnDays(config);
        return new HttpMonitorConfig(url, method, expected, headers, body, keyword, followRedirects, verifyTls, assertions, maxResponseMs, warnDays);
    }

    /// <summary><c>tls_expiry_warn_days</c>: 0 (no warning) to 365; null, for the default of 14, when absent.</summary>
    internal static int? TlsExpiryWarnDays(ConfigReader config) =>
        config.TryGet("tls_expiry_warn_days", out _) ? config.Integer("tls_expiry_warn_days", null, 0, 365) : null;

    /// <summary>The items as sent (numbers stay numbers, as the original's clients read them); null,
    /// for the default any 2xx, when absent or null.</summary>
    static List<JsonElement>? ExpectedStatus(ConfigReader config)
    {
        if (!config.TryGet("expected_status", out var statusElement)) return null;
        if (statusElement.ValueKind != JsonValueKind.Array || statusElement.GetArrayLength() is 0 or > 50)
        {
            config.Fail("expected_status", "must be a list of 1-50 status codes or ranges");
            return null;
        }
        var expected = new List<JsonElement>();
        var i = 0;
        foreach (var item in statusElement.EnumerateArray())
        {
            var ok = item.ValueKind switch
            {
                JsonValueKind.Number => item.TryGetInt32(out var code) && code is >= 100 and <= 599,
                JsonValueKind.String => StatusRanges.TryParseItem(item.GetString()!, out _),
                _ => false,
            };
            if (!ok) config.Fail($"expected_status[{i}]", "must be a status code 100-599, a class like \"2xx\" or a range like \"200-299\"");
            expected.Add(item.Clone());
            i++;
        }
        return expected;
    }

    static Dictionary<string, string>? Headers(ConfigReader config)
    {
        if (!config.TryGet("headers", out var headersElement)) return null;
        if (headersElement.ValueKind != JsonValueKind.Object)
        {
            config.Fail("headers", "must be an object of header names to values");
            return null;
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headersElement.EnumerateObject())
        {
            var key = $"headers.{header.Name}";
            if (!IsToken(header.Name)) config.Fail("headers", $"\"{Shorten(header.Name)}\" is not a valid header name");
            else if (ForbiddenHeaders.Contains(header.Name.ToLowerInvariant())) config.Fail(key, "is set by the HTTP client and cannot be overridden");
            else if (header.Value.ValueKind != JsonValueKind.String) config.Fail(key, "must be a string");
            else if (header.Value.GetString()!.Length > 8192 || header.Value.GetString()!.Any(c => c is '\r' or '\n' or '\0'))
                config.Fail(key, "must be at most 8192 characters without line breaks");
            else if (!headers.TryAdd(header.Name, header.Value.GetString()!)) config.Fail(key, "is given twice");
        }
        if (headers.Count > 50) config.Fail("headers", "must have at most 50 headers");
        return headers;
    }

    static MonitorRequestBody? Body(ConfigReader body)
    {
        var type = body.Element.ValueKind == JsonValueKind.Object && body.TryGet("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type == "json")
        {
            if (!body.Element.TryGetProperty("content", out var content))
            {
                body.Fail("content", "is required for a json body");
                return null;
            }
            if (content.GetRawText().Length > MaxBodyBytes) body.Fail("content", "must be at most 64 KiB");
            return new MonitorRequestBody("json", content.Clone(), null);
        }
        if (type == "form")
        {
            if (!body.TryGet("fields", out var fields) || fields.ValueKind != JsonValueKind.Object)
            {
                body.Fail("fields", "must be an object of field names to string values");
                return null;
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var size = 0;
            foreach (var field in fields.EnumerateObject())
            {
                if (field.Value.ValueKind != JsonValueKind.String) body.Fail($"fields.{field.Name}", "must be a string");
                else
                {
                    values[field.Name] = field.Value.GetString()!;
                    size += field.Name.Length + values[field.Name].Length;
                }
            }
            if (size > MaxBodyBytes) body.Fail("fields", "must be at most 64 KiB in all");
            return new MonitorRequestBody("form", null, values);
        }
        body.Fail("type", "must be \"json\" or \"form\"");
        return null;
    }

    // RFC 9110 token characters.
    internal static bool IsToken(string name) => name.Length is > 0 and <= 256 && name.All(c =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~');

    static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
