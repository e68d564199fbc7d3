namespace Flatline;

/// <summary><c>check_result</c>: one check as it is stored, and the monitor's status after it.</summary>
public sealed record CheckResultEvent(
    string Type, string MonitorId, MonitorStatus Status, int? StatusCode, double? ResponseTimeMs, string? Error,
    DateTime CheckedAt, MonitorStatus MonitorStatus);

/// <summary><c>incident_opened</c> or <c>incident_resolved</c>.</summary>
public sealed record IncidentEvent(string Type, string MonitorId, IncidentView Incident);

/// <summary><c>stats_update</c>: the monitor's status and its four windows. Sent for every monitor
/// on connect, then at most once per monitor per 5 s.</summary>
public sealed record StatsUpdateEvent(string Type, string MonitorId, MonitorStatus Status, DateTime? LastCheckedAt, StatsWindows Stats);
