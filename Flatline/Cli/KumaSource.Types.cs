using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Kuma's monitor and notification types as Flatline's check and channel configs: what maps, and
/// why what does not map is skipped.</summary>
public sealed partial class KumaSource
{
    /// <summary>Writes the monitor's Flatline config, or says why it cannot be one.</summary>
    Action<Utf8JsonWriter>? MonitorConfig(SqliteDataReader row, string type, out string? reason)
    {
        reason = null;
        if (Number(row, 11) == 1)
        {
            reason = "it is upside down (up when the check fails): Flatline has no inverted checks";
            return null;
        }
        switch (type)
        {
            case "json-query" when Operator(Text(row, 25)) is null:
                reason = $"its JSON query operator '{Text(row, 25)}' has no Flatline assertion";
                return null;
            case "http" or "keyword" or "json-query":
                if (type == "keyword" && Number(row, 17) == 1)
                {
                    reason = "it is up when the keyword is missing: Flatline's keyword check has no inverted form";
                    return null;
                }
                var url = Text(row, 3);
                var method = (Text(row, 4) ?? "GET").ToUpperInvariant();
                var statuses = StatusCodes(Text(row, 14));
                var headers = Object(Text(row, 20));
                var bodyText = Text(row, 21);
                var encoding = Text(row, 22) ?? "json";
                JsonElement? content = null;
                if (!string.IsNullOrWhiteSpace(bodyText))
                {
                    if (encoding != "json" || Object(bodyText) is not { } parsed)
                    {
                        reason = $"its request body is {encoding} text: Flatline sends JSON or form bodies";
                        return null;
                    }
                    content = parsed;
                }
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "http");
                    json.WriteString("url", url);
                    json.WriteString("method", method);
                    if (statuses is not null)
                    {
                        json.WriteStartArray("expected_status");
                        foreach (var status in statuses)
                            if (int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code)) json.WriteNumberValue(code);
                            else json.WriteStringValue(status);
                        json.WriteEndArray();
                    }
                    if (headers is { } h)
                    {
                        json.WritePropertyName("headers");
                        h.WriteTo(json);
                    }
                    if (content is { } c)
                    {
                        json.WriteStartObject("body");
                        json.WriteString("type", "json");
                        json.WritePropertyName("content");
                        c.WriteTo(json);
                        json.WriteEndObject();
                    }
                    if (type == "keyword") json.WriteString("keyword", Text(row, 16));
                    if (type == "json-query")
                    {
                        json.WriteStartArray("assertions");
                        json.WriteStartObject();
                        json.WriteString("source", "json");
                        json.WriteString("path", Text(row, 24) ?? "$");
                        json.WriteString("op", Operator(Text(row, 25)));
                        json.WriteString("value", Text(row, 26) ?? "");
                        json.WriteEndObject();
                        json.WriteEndArray();
                    }
                    json.WriteBoolean("follow_redirects", (Number(row, 13) ?? 10) > 0);
                    json.WriteBoolean("verify_tls", Number(row, 12) != 1);
                    json.WriteEndObject();
                };
            case "port":
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "tcp");
                    json.WriteString("host", Text(row, 5));
                    if (Number(row, 6) is { } port) json.WriteNumber("port", port);
                    json.WriteEndObject();
                };
            case "dns":
                var server = Text(row, 19) is { Length: > 0 } s ? (Number(row, 6) is { } p and not 53 ? $"{s}:{p}" : s) : null;
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "dns");
                    json.WriteString("name", Text(row, 5));
                    json.WriteString("record_type", Text(row, 18) ?? "A");
                    if (server is not null) json.WriteString("server", server);
                    json.WriteEndObject();
                };
            case "ping" when checkTypes.Find("ping") is not null:
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "ping");
                    json.WriteString("host", Text(row, 5));
                    json.WriteEndObject();
                };
            case "push" when checkTypes.Find("push") is not null:
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "push");
                    json.WriteEndObject();
                };
            case "group":
                reason = "a group is not a check in Flatline: its members carry its name as a tag";
                return null;
            default:
                reason = $"Flatline has no '{type}' check type";
                return null;
        }
    }

    /// <summary>Writes the channel's Flatline config from Kuma's, or says why there is none.</summary>
    Action<Utf8JsonWriter>? ChannelConfig(JsonElement kuma, string type, out string? reason)
    {
        reason = null;
        string? Get(string field) => kuma.TryGetProperty(field, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;
        (string Type, (string Field, string? Value)[] Fields)? mapped = type switch
        {
            "slack" => ("slack", [("url", Get("slackwebhookURL"))]),
            "discord" => ("discord", [("url", Get("discordWebhookUrl"))]),
            "telegram" => ("telegram", [("url", $"{(Get("telegramServerUrl") ?? "https://api.telegram.org").TrimEnd('/')}/bot{Get("telegramBotToken")}"), ("chat_id", Get("telegramChatID"))]),
            "webhook" => ("webhook", [("url", Get("webhookURL"))]),
            "ntfy" => ("ntfy", [("url", Get("ntfyserverurl")), ("topic", Get("ntfytopic")), ("token", Get("ntfyAuthenticationMethod") == "accessToken" ? Get("ntfyaccesstoken") : null)]),
            "gotify" => ("gotify", [("url", Get("gotifyserverurl")), ("token", Get("gotifyapplicationToken"))]),
            "PagerDuty" => ("pagerduty", [("routing_key", Get("pagerdutyIntegrationKey"))]),
            "pushover" => ("pushover", [("token", Get("pushoverapptoken")), ("user", Get("pushoveruserkey")), ("priority", Get("pushoverpriority"))]),
            "teams" => ("teams", [("url", Get("webhookUrl"))]),
            "mattermost" => ("mattermost", [("url", Get("mattermostWebhookUrl"))]),
            "GoogleChat" => ("google_chat", [("url", Get("googleChatWebhookURL"))]),
            "matrix" => ("matrix", [("homeserver", Get("homeserverUrl")), ("room_id", Get("internalRoomId")), ("access_token", Get("accessToken"))]),
            _ => null,
        };
        if (type == "smtp") mapped = ("email", []);
        if (mapped is not { } m || channelTypes.Find(m.Type) is not { } flatlineType)
        {
            reason = $"Flatline has no '{type}' notification channel type";
            return null;
        }
        return json =>
        {
            json.WriteStartObject();
            json.WriteString("type", m.Type);
            if (type == "smtp") Email(json, kuma, Get);
            foreach (var (field, value) in m.Fields)
            {
                if (string.IsNullOrEmpty(value)) continue;
                // Kuma keeps some numbers as text ("1"): an integer field gets a number.
                if (flatlineType.Field(field)?.Kind == ChannelFieldKind.Integer && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                    json.WriteNumber(field, number);
                else json.WriteString(field, value);
            }
            json.WriteEndObject();
        };
    }

    /// <summary>Kuma's SMTP settings: implicit TLS when <c>smtpSecure</c>, none when STARTTLS is switched off, else STARTTLS.</summary>
    static void Email(Utf8JsonWriter json, JsonElement kuma, Func<string, string?> get)
    {
        json.WriteString("host", get("smtpHost"));
        if (long.TryParse(get("smtpPort"), NumberStyles.None, CultureInfo.InvariantCulture, out var port)) json.WriteNumber("port", port);
        var secure = kuma.TryGetProperty("smtpSecure", out var s) && s.ValueKind == JsonValueKind.True;
        var noStartTls = kuma.TryGetProperty("smtpIgnoreSTARTTLS", out var i) && i.ValueKind == JsonValueKind.True;
        json.WriteString("security", secure ? "tls" : noStartTls ? "none" : "starttls");
        if (get("smtpUsername") is { Length: > 0 } user) json.WriteString("username", user);
        if (get("smtpPassword") is { Length: > 0 } password) json.WriteString("password", password);
        if (get("smtpFrom") is { Length: > 0 } from) json.WriteString("from", from);
        json.WriteStartArray("to");
        foreach (var to in (get("smtpTo") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) json.WriteStringValue(to);
        json.WriteEndArray();
    }

    /// <summary>Kuma's JSON query operators as Flatline's assertion ops.</summary>
    static string? Operator(string? kuma) => kuma switch
    {
        "==" or null => "eq",
        "!=" => "ne",
        "<" => "lt",
        ">" => "gt",
        "contains" => "contains",
        _ => null,
    };

    /// <summary>Kuma's accepted codes; null for its default (any 2xx, Flatline's default too).</summary>
    static List<string>? StatusCodes(string? json)
    {
        try
        {
            using var document = JsonDocument.Parse(json ?? "[]");
            var codes = document.RootElement.EnumerateArray().Select(c => c.ToString()).ToList();
            return codes.Count == 0 || codes is ["200-299"] ? null : codes;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
