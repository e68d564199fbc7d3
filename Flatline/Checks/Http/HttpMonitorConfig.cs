using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>The <c>config</c> of an <c>http</c> monitor: a request to <c>url</c>, up when the status is
/// expected, the keyword found and every assertion holds. Stored and shown with the defaults filled in, except
/// <c>expected_status</c>: null means any 2xx, and a list reads back as sent (the original's clients
/// read an array of integers, so numbers stay numbers). The degraded thresholds are left out when not
/// set: <c>max_response_ms</c> (none), <c>tls_expiry_warn_days</c> (14; 0 turns the warning off).</summary>
public sealed record HttpMonitorConfig(
    string Url,
    string Method = "GET",
    List<JsonElement>? ExpectedStatus = null,
    Dictionary<string, string>? Headers = null,
    MonitorRequestBody? Body = null,
    string? Keyword = null,
    bool FollowRedirects = true,
    bool VerifyTls = true,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<HttpAssertion>? Assertions = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxResponseMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TlsExpiryWarnDays = null) : MonitorConfig
{
    [JsonIgnore]
    public override string Type => "http";

    [JsonIgnore]
    public override string Target => Url;
}

/// <summary><c>{type:"json", content}</c> or <c>{type:"form", fields}</c>.</summary>
public sealed record MonitorRequestBody(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Content = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Dictionary<string, string>? Fields = null)
{
    public HttpCheckBody ToCheckBody() => Type == "json"
        ? new HttpCheckBody(Encoding.UTF8.GetBytes(Content!.Value.GetRawText()), "application/json")
        : new HttpCheckBody(Encoding.ASCII.GetBytes(string.Join('&', Fields!.Select(f =>
            Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)))), "application/x-www-form-urlencoded");
}
