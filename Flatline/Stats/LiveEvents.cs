using System.Text.Json.Serialization;

namespace Flatline;

/// <summary><c>check_result</c>: one check as it is stored, and the monitor's status after it.
/// <c>response_time_ms</c> (whole ms, 0 without a response) and <c>error_message</c> are the
/// original's; <c>latency_ms</c> (to the microsecond, null without a response) and <c>error</c> Flatline's.</summary>
public sealed record CheckResultEvent(
    string Type, string MonitorId, MonitorStatus Status, int? StatusCode, long ResponseTimeMs, double? LatencyMs, string? Error,
    DateTime CheckedAt, MonitorStatus MonitorStatus)
{
    public string? ErrorMessage => Error;

    /// <summary>The location that ran the check (<c>local</c>: the main node).</summary>
    public string Location { get; init; } = LocationNames.Local;
}

/// <summary><c>incident_opened</c> or <c>incident_resolved</c>: the original's flat fields
/// (<c>incident_id</c>, <c>started_at</c>, <c>resolved_at</c>, null while open) and the whole incident.</summary>
public sealed record IncidentEvent(string Type, string MonitorId, string IncidentId, DateTime StartedAt, DateTime? ResolvedAt, IncidentView Incident)
{
    public static IncidentEvent Of(string type, IncidentView incident) =>
        new(type, incident.MonitorId, incident.Id, incident.StartedAt, incident.ResolvedAt, incident);
}

/// <summary><c>stats_update</c>: the monitor's status, the original's flat <c>stats</c> and Flatline's
/// four <c>windows</c>. Sent for every monitor on connect, then at most once per monitor per 5 s.</summary>
public sealed record StatsUpdateEvent(string Type, string MonitorId, MonitorStatus Status, DateTime? LastCheckedAt, StatsSummary Stats, StatsWindows Windows);

/// <summary>The original's stats: 7, 30 and 90 days as plain numbers, never null (0 where there is
/// no data); downtime in whole seconds and percentiles in whole ms. <see cref="StatsWindows"/> has
/// the same with nulls where nothing was measured, fractions of a ms, and 24 hours.</summary>
public sealed record StatsSummary(
    [property: JsonPropertyName("uptime_7d")] double Uptime7d,
    [property: JsonPropertyName("uptime_30d")] double Uptime30d,
    [property: JsonPropertyName("uptime_90d")] double Uptime90d,
    [property: JsonPropertyName("downtime_seconds_7d")] long DowntimeSeconds7d,
    [property: JsonPropertyName("downtime_seconds_30d")] long DowntimeSeconds30d,
    [property: JsonPropertyName("downtime_seconds_90d")] long DowntimeSeconds90d,
    [property: JsonPropertyName("p50_7d")] long P50Of7d,
    [property: JsonPropertyName("p95_7d")] long P95Of7d,
    [property: JsonPropertyName("p99_7d")] long P99Of7d,
    [property: JsonPropertyName("p50_30d")] long P50Of30d,
    [property: JsonPropertyName("p95_30d")] long P95Of30d,
    [property: JsonPropertyName("p99_30d")] long P99Of30d,
    [property: JsonPropertyName("p50_90d")] long P50Of90d,
    [property: JsonPropertyName("p95_90d")] long P95Of90d,
    [property: JsonPropertyName("p99_90d")] long P99Of90d)
{
    public static StatsSummary Of(StatsWindows w) => new(
        w.Last7Days.Uptime ?? 0, w.Last30Days.Uptime ?? 0, w.Last90Days.Uptime ?? 0,
        w.Last7Days.DowntimeSeconds, w.Last30Days.DowntimeSeconds, w.Last90Days.DowntimeSeconds,
        Ms(w.Last7Days.P50), Ms(w.Last7Days.P95), Ms(w.Last7Days.P99),
        Ms(w.Last30Days.P50), Ms(w.Last30Days.P95), Ms(w.Last30Days.P99),
        Ms(w.Last90Days.P50), Ms(w.Last90Days.P95), Ms(w.Last90Days.P99));

    static long Ms(double? ms) => ms is { } value ? (long)Math.Round(value, MidpointRounding.AwayFromZero) : 0;
}
