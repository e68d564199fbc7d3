using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

[JsonConverter(typeof(JsonStringEnumConverter<MonitorStatus>))]
public enum MonitorStatus
{
    [JsonStringEnumMemberName("unknown")] Unknown = 0,
    [JsonStringEnumMemberName("up")] Up = 1,
    [JsonStringEnumMemberName("down")] Down = 2,
    [JsonStringEnumMemberName("paused")] Paused = 3,
}

/// <summary>A monitor as the API shows it. <see cref="Config"/> is the type-tagged object as stored.</summary>
public sealed record MonitorView(
    string Id,
    string Name,
    JsonElement Config,
    int Interval,
    int Timeout,
    int Retries,
    bool Enabled,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    MonitorStatus Status,
    DateTime? LastCheckedAt,
    DateTime? TlsExpiresAt);
