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

/// <summary>A monitor as the API shows it; <c>status</c>, <c>last_checked_at</c>,
/// <c>tls_expires_at</c> and <c>target</c> (what the check reaches, as people read it) are read-only.</summary>
public sealed record MonitorView(
    string Id,
    string Name,
    MonitorConfig Config,
    int Interval,
    int Timeout,
    int Retries,
    bool Enabled,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    MonitorStatus Status,
    DateTime? LastCheckedAt,
    DateTime? TlsExpiresAt)
{
    public string Target => Config.Target;
}

/// <summary>One stored check. <c>response_time_ms</c> is the time to the response headers.</summary>
public sealed record CheckView(
    string MonitorId,
    DateTime CheckedAt,
    MonitorStatus Status,
    int? StatusCode,
    double? ResponseTimeMs,
    string? Error);

public sealed record IncidentView(
    string Id,
    string MonitorId,
    DateTime StartedAt,
    DateTime? ResolvedAt,
    string? Cause,
    string? Resolution,
    long? DurationSeconds);

/// <summary>A monitor with the internal key and revision the engine works with.</summary>
public sealed record StoredMonitor(long Key, int Revision, MonitorView View)
{
    public MonitorDraft Draft => new(View.Name, View.Config, View.Interval, View.Timeout, View.Retries, View.Enabled);
}
