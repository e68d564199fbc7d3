using System.Text.Json;

namespace Flatline;

/// <summary>A validated monitor, ready to store.</summary>
public sealed record MonitorDraft(string Name, HttpMonitorConfig Config, int Interval, int Timeout, int Retries, bool Enabled);

/// <summary>Checks a create, replace or patch body by hand and names each bad field, so that a
/// rejected request stores nothing and says exactly what to fix.</summary>
public static class MonitorValidator
{
    public const int DefaultInterval = 60;
    public const int DefaultTimeout = 10;
    public const int DefaultRetries = 0;
    static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    // Headers the HTTP client owns; setting them by hand breaks the request.
    static readonly string[] ForbiddenHeaders = ["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer"];

    /// <summary>Validates <paramref name="body"/>. With <paramref name="existing"/> (a PATCH), absent
    /// fields keep their values; a present <c>config</c> replaces the old one whole.</summary>
    public static MonitorDraft? Validate(JsonElement body, MonitorDraft? existing, out Dictionary<string, string[]> errors)
    {
        var problems = new Dictionary<string, string[]>();
        errors = problems;
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems["body"] = ["must be a JSON object"];
            return null;
        }

        string? name = existing?.Name;
        if (body.TryGetProperty("name", out var nameElement) || existing is null)
        {
            name = nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString()!.Trim() : null;
            if (string.IsNullOrEmpty(name) || name.Length > 200) Add(problems, "name", "is required and must be 1-200 characters");
        }

        var interval = Integer(body, "interval", existing?.Interval ?? DefaultInterval, 10, 86400, "seconds", problems);
        var timeoutFallback = existing?.Timeout ?? Math.Min(DefaultTimeout, interval - 1);
        var timeout = Integer(body, "timeout", timeoutFallback, 1, 300, "seconds", problems);
        if (!problems.ContainsKey("timeout") && !problems.ContainsKey("interval") && timeout >= interval)
            Add(problems, "timeout", $"must be less than the interval ({interval} s)");
        var retries = Integer(body, "retries", existing?.Retries ?? DefaultRetries, 0, 10, null, problems);

        var enabled = existing?.Enabled ?? true;
        if (body.TryGetProperty("enabled", out var enabledElement))
        {
            if (enabledElement.ValueKind is JsonValueKind.True or JsonValueKind.False) enabled = enabledElement.GetBoolean();
            else Add(problems, "enabled", "must be true or false");
        }

        var config = existing?.Config;
        if (body.TryGetProperty("config", out var configElement)) config = ValidateConfig(configElement, problems);
        else if (existing is null) Add(problems, "config", "is required");

        return problems.Count == 0 ? new MonitorDraft(name!, config!, interval, timeout, retries, enabled) : null;
    }

    static HttpMonitorConfig? ValidateConfig(JsonElement config, Dictionary<string, string[]> problems)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            Add(problems, "config", "must be an object with a \"type\"");
            return null;
        }
        if (!config.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "http")
        {
            Add(problems, "config.type", "must be \"http\"");
            return null;
        }

        string url = "";
        if (!config.TryGetProperty("url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String)
            Add(problems, "config.url", "is required");
        else
        {
            url = urlElement.GetString()!.Trim();
            if (url.Length > 2048) Add(problems, "config.url", "must be at most 2048 characters");
            else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
                Add(problems, "config.url", "must be an absolute http or https URL with a host");
            else if (uri.UserInfo.Length > 0)
                Add(problems, "config.url", "must not contain credentials; send them in an Authorization header");
        }

        var method = "GET";
        if (config.TryGetProperty("method", out var methodElement) && methodElement.ValueKind != JsonValueKind.Null)
        {
            method = methodElement.ValueKind == JsonValueKind.String ? methodElement.GetString()!.ToUpperInvariant() : "";
            if (!Methods.Contains(method)) Add(problems, "config.method", $"must be one of {string.Join(", ", Methods)}");
        }

        var expected = new List<JsonElement>();
        if (config.TryGetProperty("expected_status", out var statusElement) && statusElement.ValueKind != JsonValueKind.Null)
        {
            if (statusElement.ValueKind != JsonValueKind.Array || statusElement.GetArrayLength() == 0 || statusElement.GetArrayLength() > 50)
                Add(problems, "config.expected_status", "must be a list of 1-50 status codes or ranges");
            else
            {
                var i = 0;
                foreach (var item in statusElement.EnumerateArray())
                {
                    var ok = item.ValueKind switch
                    {
                        JsonValueKind.Number => item.TryGetInt32(out var code) && code is >= 100 and <= 599,
                        JsonValueKind.String => StatusRanges.TryParseItem(item.GetString()!, out _),
                        _ => false,
                    };
                    if (!ok) Add(problems, $"config.expected_status[{i}]", "must be a status code 100-599, a class like \"2xx\" or a range like \"200-299\"");
                    expected.Add(item.Clone());
                    i++;
                }
            }
        }
        if (expected.Count == 0) expected.Add(JsonSerializer.SerializeToElement("2xx", FlatlineJson.Default.String));

        Dictionary<string, string>? headers = null;
        if (config.TryGetProperty("headers", out var headersElement) && headersElement.ValueKind != JsonValueKind.Null)
        {
            if (headersElement.ValueKind != JsonValueKind.Object) Add(problems, "config.headers", "must be an object of header names to values");
            else
            {
                headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var header in headersElement.EnumerateObject())
                {
                    var key = $"config.headers.{header.Name}";
                    if (!IsToken(header.Name)) Add(problems, "config.headers", $"\"{Shorten(header.Name)}\" is not a valid header name");
                    else if (ForbiddenHeaders.Contains(header.Name.ToLowerInvariant())) Add(problems, key, "is set by the HTTP client and cannot be overridden");
                    else if (header.Value.ValueKind != JsonValueKind.String) Add(problems, key, "must be a string");
                    else if (header.Value.GetString()!.Length > 8192 || header.Value.GetString()!.Any(c => c is '\r' or '\n' or '\0'))
                        Add(problems, key, "must be at most 8192 characters without line breaks");
                    else if (!headers.TryAdd(header.Name, header.Value.GetString()!)) Add(problems, key, "is given twice");
                }
                if (headers.Count > 50) Add(problems, "config.headers", "must have at most 50 headers");
            }
        }

        MonitorRequestBody? requestBody = null;
        if (config.TryGetProperty("body", out var bodyElement) && bodyElement.ValueKind != JsonValueKind.Null)
            requestBody = ValidateBody(bodyElement, problems);

        string? keyword = null;
        if (config.TryGetProperty("keyword", out var keywordElement) && keywordElement.ValueKind != JsonValueKind.Null)
        {
            keyword = keywordElement.ValueKind == JsonValueKind.String ? keywordElement.GetString() : null;
            if (string.IsNullOrEmpty(keyword) || keyword.Length > 1024) Add(problems, "config.keyword", "must be 1-1024 characters, or null for no keyword check");
        }

        var followRedirects = Boolean(config, "follow_redirects", "config.follow_redirects", problems);
        var verifyTls = Boolean(config, "verify_tls", "config.verify_tls", problems);
        return new HttpMonitorConfig("http", url, method, expected, headers, requestBody, keyword, followRedirects, verifyTls);
    }

    static MonitorRequestBody? ValidateBody(JsonElement body, Dictionary<string, string[]> problems)
    {
        var type = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type == "json")
        {
            if (!body.TryGetProperty("content", out var content))
            {
                Add(problems, "config.body.content", "is required for a json body");
                return null;
            }
            if (content.GetRawText().Length > 64 * 1024) Add(problems, "config.body.content", "must be at most 64 KiB");
            return new MonitorRequestBody("json", content.Clone(), null);
        }
        if (type == "form")
        {
            if (!body.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Object)
            {
                Add(problems, "config.body.fields", "must be an object of field names to string values");
                return null;
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var size = 0;
            foreach (var field in fields.EnumerateObject())
            {
                if (field.Value.ValueKind != JsonValueKind.String) Add(problems, $"config.body.fields.{field.Name}", "must be a string");
                else
                {
                    values[field.Name] = field.Value.GetString()!;
                    size += field.Name.Length + values[field.Name].Length;
                }
            }
            if (size > 64 * 1024) Add(problems, "config.body.fields", "must be at most 64 KiB in all");
            return new MonitorRequestBody("form", null, values);
        }
        Add(problems, "config.body.type", "must be \"json\" or \"form\"");
        return null;
    }

    static int Integer(JsonElement body, string field, int fallback, int min, int max, string? unit, Dictionary<string, string[]> problems)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null) return fallback;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) && value >= min && value <= max) return value;
        Add(problems, field, $"must be a whole number from {min} to {max}{(unit is null ? "" : " " + unit)}");
        return fallback;
    }

    static bool Boolean(JsonElement config, string name, string field, Dictionary<string, string[]> problems)
    {
        if (!config.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null) return true;
        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False) return element.GetBoolean();
        Add(problems, field, "must be true or false");
        return true;
    }

    // RFC 9110 token characters.
    static bool IsToken(string name) => name.Length is > 0 and <= 256 && name.All(c =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~');

    static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    static void Add(Dictionary<string, string[]> problems, string field, string message) =>
        problems[field] = problems.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
}
