using System.Text.Json;
using System.Text.RegularExpressions;

namespace Flatline.Tests.Compatibility;

/// <summary>The original's payloads as its types read them (SPEC §11), written from that table, and a
/// checker: a required field is present and never null; a field marked <c>?</c> may be absent or null;
/// uuid is a UUID string, time RFC 3339, int a JSON integer and never a fraction. Unknown fields are
/// allowed, since the original's clients ignore them.</summary>
public static partial class OriginalContract
{
    /// <summary>Why a value does not fit, or null when it does.</summary>
    public delegate string? Kind(JsonElement value);

    public static readonly Kind Uuid = v => v.ValueKind == JsonValueKind.String && Guid.TryParse(v.GetString(), out _) ? null : "a UUID string";
    public static readonly Kind Time = v => v.ValueKind == JsonValueKind.String && Rfc3339().IsMatch(v.GetString()!) ? null : "an RFC 3339 time";
    public static readonly Kind Int = v => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _) ? null : "a JSON integer";
    public static readonly Kind Text = v => v.ValueKind == JsonValueKind.String ? null : "a string";
    public static readonly Kind Bool = v => v.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "true or false";
    public static readonly Kind Object = v => v.ValueKind == JsonValueKind.Object ? null : "an object";
    public static readonly Kind Fraction = v => v.ValueKind == JsonValueKind.Number && v.GetDouble() is >= 0 and <= 1 ? null : "a number from 0 to 1";
    public static readonly Kind UpperCase = v => v.ValueKind == JsonValueKind.String && v.GetString() == v.GetString()!.ToUpperInvariant() ? null : "an upper-case string";

    public static Kind OneOf(params string[] values) => v =>
        v.ValueKind == JsonValueKind.String && values.Contains(v.GetString()) ? null : $"one of {string.Join(", ", values)}";

    public static Kind ArrayOf(Kind item) => v =>
    {
        if (v.ValueKind != JsonValueKind.Array) return "an array";
        var i = 0;
        foreach (var element in v.EnumerateArray())
        {
            if (item(element) is { } problem) return $"an array whose item {i} is {problem}";
            i++;
        }
        return null;
    };

    public static Kind Nested(Shape shape) => v => shape.Problems(v) is { Count: > 0 } problems ? string.Join("; ", problems) : null;

    public sealed record Shape(string Name, (string Field, Kind Kind)[] Fields)
    {
        /// <summary>Every way <paramref name="json"/> breaks the shape; empty when it fits.</summary>
        public List<string> Problems(JsonElement json)
        {
            if (json.ValueKind != JsonValueKind.Object) return [$"{Name} is not an object: {json}"];
            var problems = new List<string>();
            foreach (var (field, kind) in Fields)
            {
                var optional = field.EndsWith('?');
                var name = field.TrimEnd('?');
                if (!json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    if (!optional) problems.Add($"{Name}.{name} is {(value.ValueKind == JsonValueKind.Null ? "null" : "missing")}");
                    continue;
                }
                if (kind(value) is { } problem) problems.Add($"{Name}.{name} = {value.GetRawText()} is not {problem}");
            }
            return problems;
        }
    }

    static Shape Of(string name, params (string, Kind)[] fields) => new(name, fields);

    public static readonly Shape MonitorShape = Of("Monitor", ("id", Uuid), ("name", Text), ("config", Object), ("interval", Int), ("timeout", Int),
        ("retries", Int), ("enabled", Bool), ("created_at", Time), ("updated_at", Time));

    public static readonly Shape HttpConfig = Of("config", ("type", OneOf("http")), ("url", Text), ("method?", UpperCase),
        ("expected_status?", ArrayOf(Int)), ("headers?", Object), ("body?", Object));

    public static readonly Shape Check = Of("Check", ("id", Uuid), ("monitor_id", Uuid), ("status", OneOf("up", "down")), ("status_code?", Int),
        ("response_time_ms", Int), ("error_message?", Text), ("checked_at", Time));

    public static readonly Shape Incident = Of("Incident", ("id", Uuid), ("monitor_id", Uuid), ("started_at", Time), ("resolved_at?", Time));

    public static readonly Shape Channel = Of("Channel", ("id", Uuid), ("name", Text), ("config", Object), ("created_at", Time), ("updated_at", Time));

    public static readonly Shape UrlChannelConfig = Of("config", ("type", OneOf("slack", "discord", "webhook")), ("url", Text));

    public static readonly Shape TelegramConfig = Of("config", ("type", OneOf("telegram")), ("url", Text), ("chat_id", Text));

    public static readonly Shape Link = Of("Link", ("id", Uuid), ("monitor_id", Uuid), ("channel_id", Uuid), ("on_recovery", Bool), ("created_at", Time));

    public static readonly Shape CheckResult = Of("check_result", ("type", OneOf("check_result")), ("monitor_id", Uuid), ("status", OneOf("up", "down")),
        ("status_code?", Int), ("response_time_ms", Int), ("error_message?", Text), ("checked_at", Time));

    public static readonly Shape Stats = Of("stats", ("uptime_7d", Fraction), ("uptime_30d", Fraction), ("uptime_90d", Fraction),
        ("downtime_seconds_7d", Int), ("downtime_seconds_30d", Int), ("downtime_seconds_90d", Int),
        ("p50_7d", Int), ("p95_7d", Int), ("p99_7d", Int), ("p50_30d", Int), ("p95_30d", Int), ("p99_30d", Int),
        ("p50_90d", Int), ("p95_90d", Int), ("p99_90d", Int));

    public static readonly Shape StatsUpdate = Of("stats_update", ("type", OneOf("stats_update")), ("monitor_id", Uuid), ("stats", Nested(Stats)));

    public static readonly Shape IncidentOpened = Of("incident_opened", ("type", OneOf("incident_opened")), ("monitor_id", Uuid), ("incident_id", Uuid),
        ("started_at", Time));

    public static readonly Shape IncidentResolved = Of("incident_resolved", ("type", OneOf("incident_resolved")), ("monitor_id", Uuid), ("incident_id", Uuid),
        ("started_at", Time), ("resolved_at", Time));

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")]
    private static partial Regex Rfc3339();
}
