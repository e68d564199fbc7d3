using System.Text.Json.Serialization;

namespace Flatline;

[JsonConverter(typeof(JsonStringEnumConverter<MonitorStatus>))]
public enum MonitorStatus
{
    [JsonStringEnumMemberName("unknown")] Unknown = 0,
    [JsonStringEnumMemberName("up")] Up = 1,
    [JsonStringEnumMemberName("down")] Down = 2,
    [JsonStringEnumMemberName("paused")] Paused = 3,
    /// <summary>Up, but slow or with a certificate near expiry (SPEC §12): never opens an incident.</summary>
    [JsonStringEnumMemberName("degraded")] Degraded = 4,
}

/// <summary>A monitor as the API shows it; <c>status</c>, <c>last_checked_at</c>,
/// <c>tls_expires_at</c>, <c>degraded_reason</c> (why it is degraded, null when it is not) and
/// <c>target</c> (what the check reaches, as people read it) are read-only.</summary>
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
    DateTime? TlsExpiresAt,
    string? DegradedReason = null)
{
    public string Target => Config.Target;

    /// <summary>Tag names, in name order.</summary>
    public List<string> Tags { get; init; } = [];

    /// <summary>Ids of the monitors this one depends on.</summary>
    public List<string> DependsOn { get; init; } = [];

    /// <summary>Ids of the parents that are down now: while any is, this monitor's failures open no incident.</summary>
    public List<string> BlockedBy { get; init; } = [];

    /// <summary>Whether a maintenance window covers the monitor now.</summary>
    public bool InMaintenance { get; init; }

    /// <summary>Where the monitor is checked from (SPEC §16): location names, <c>local</c> being the main node.</summary>
    public List<string> Locations { get; init; } = [LocationNames.Local];

    /// <summary>How many of <see cref="Locations"/> must fail before the monitor is down.</summary>
    public Quorum Quorum { get; init; } = Quorum.Majority;

    /// <summary>Whether only the main node checks it (the engine's original path, with no per-location state).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool LocalOnly => Locations is [LocationNames.Local];
}

/// <summary>One stored check. <c>id</c> is made from the monitor and the time (see <see cref="CheckIds"/>);
/// <c>response_time_ms</c> is the time to the response headers in whole ms (0 when no response came),
/// as the original's clients read it, and <c>latency_ms</c> the same to the microsecond (null when
/// none came). <c>error</c> and <c>error_message</c> (the original's name) say the same.</summary>
public sealed record CheckView(
    string Id,
    string MonitorId,
    DateTime CheckedAt,
    MonitorStatus Status,
    int? StatusCode,
    long ResponseTimeMs,
    double? LatencyMs,
    string? Error)
{
    public string? ErrorMessage => Error;

    /// <summary>The name of the location that ran the check (<c>local</c>: the main node).</summary>
    public string Location { get; init; } = LocationNames.Local;
}

/// <summary>A check's response time as the API gives it, from the microseconds stored.</summary>
public static class ResponseTimes
{
    /// <summary>Whole milliseconds, rounded; 0 when no response came (the original's field is never null).</summary>
    public static long WholeMs(long? micros) => micros is { } us ? (us + 500) / 1000 : 0;

    /// <summary>Milliseconds to the microsecond; null when no response came.</summary>
    public static double? Ms(long? micros) => micros is { } us ? Math.Round(us / 1000.0, 3) : null;
}

public sealed record IncidentView(
    string Id,
    string MonitorId,
    DateTime StartedAt,
    DateTime? ResolvedAt,
    string? Cause,
    string? Resolution,
    long? DurationSeconds)
{
    /// <summary>The names of the locations that saw the monitor fail.</summary>
    public List<string> Locations { get; init; } = [LocationNames.Local];
}

/// <summary>A monitor with the internal key and revision the engine works with.</summary>
public sealed record StoredMonitor(long Key, int Revision, MonitorView View)
{
    public MonitorDraft Draft => new(View.Name, View.Config, View.Interval, View.Timeout, View.Retries, View.Enabled, View.Tags, View.DependsOn,
        View.Locations, View.Quorum);
}
