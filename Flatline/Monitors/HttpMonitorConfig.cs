using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>The <c>config</c> of an <c>http</c> monitor as stored and shown, with defaults filled in.</summary>
public sealed record HttpMonitorConfig(
    string Type,
    string Url,
    string Method,
    List<JsonElement> ExpectedStatus,
    Dictionary<string, string>? Headers,
    MonitorRequestBody? Body,
    string? Keyword,
    bool FollowRedirects,
    bool VerifyTls)
{
    /// <summary>Compiles the config into what the probe runs. Only valid configs get here.</summary>
    public HttpCheckSpec ToSpec(int timeoutSeconds)
    {
        var expected = StatusRanges.Create(ExpectedStatus.Select(e => e.ValueKind == JsonValueKind.Number
            ? e.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : e.GetString()!).ToList());
        return new HttpCheckSpec(
            new Uri(Url), new HttpMethod(Method),
            Headers?.ToList() ?? [],
            Body?.ToCheckBody(),
            expected, Keyword, FollowRedirects, VerifyTls, TimeSpan.FromSeconds(timeoutSeconds));
    }
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
