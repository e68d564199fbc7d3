using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>One window. <c>uptime</c> is time-based (down time over enabled time), null when the
/// monitor was never enabled in it; percentiles are of successful checks only, in ms, null when none.
/// <c>degraded_seconds</c> is the time the monitor was degraded (up, but slow or with a certificate near
/// expiry): counted apart, neither down time nor taken off the uptime. Time in maintenance
/// (<c>maintenance_seconds</c>) and while Flatline itself was offline (<c>offline_seconds</c>) is
/// neither up nor down: it is left out of <c>uptime</c>.</summary>
public sealed record WindowStats(double? Uptime, long DowntimeSeconds, long Checks, long Failures, double? P50, double? P95, double? P99,
    long DegradedSeconds = 0, long MaintenanceSeconds = 0, long OfflineSeconds = 0);

/// <summary>24h: the last 24 clock hours including the current one; 7d, 30d, 90d: the last N UTC
/// days including today.</summary>
public sealed record StatsWindows(
    [property: JsonPropertyName("24h")] WindowStats Last24Hours,
    [property: JsonPropertyName("7d")] WindowStats Last7Days,
    [property: JsonPropertyName("30d")] WindowStats Last30Days,
    [property: JsonPropertyName("90d")] WindowStats Last90Days);

public sealed record MonitorStats(string MonitorId, StatsWindows Windows);

/// <summary>One UTC day of a monitor's history.</summary>
public sealed record UptimeDay(string Date, double? Uptime, long DowntimeSeconds, long Checks, long Failures, double? P50, double? P95, double? P99,
    long DegradedSeconds = 0, long MaintenanceSeconds = 0, long OfflineSeconds = 0);

/// <summary>One bucket of the latency chart, starting at <c>at</c>.</summary>
public sealed record LatencyPoint(DateTime At, long Checks, long Failures, double? P50, double? P95, double? P99);

public sealed record LatencySeries(string MonitorId, DateTime From, DateTime To, long BucketSeconds, List<LatencyPoint> Points);

/// <summary>Sums of rollup rows with their merged latency histogram. Percentiles are cached until
/// the histogram changes, so that reading many windows costs little.</summary>
public sealed class Aggregate
{
    public long Checks, Failures, EnabledMs, DownMs, DegradedMs, MaintenanceMs, OfflineMs;
    readonly LatencyHistogram latency = new();
    // The last p50, p95, p99 (NaN for none), kept inline: an array of them cost 72 bytes a window.
    double p50, p95, p99;
    bool percentilesKnown;

    public void Add(long checks, long failures, long enabledMs, long downMs, long degradedMs, byte[]? latencyBlob, long maintenanceMs = 0, long offlineMs = 0)
    {
        Checks += checks;
        Failures += failures;
        EnabledMs += enabledMs;
        DownMs += downMs;
        DegradedMs += degradedMs;
        MaintenanceMs += maintenanceMs;
        OfflineMs += offlineMs;
        if (latencyBlob is not null)
        {
            latency.Merge(latencyBlob);
            percentilesKnown = false;
        }
    }

    public void Subtract(long checks, long failures, long enabledMs, long downMs, long degradedMs, byte[]? latencyBlob, long maintenanceMs = 0, long offlineMs = 0)
    {
        Checks -= checks;
        Failures -= failures;
        EnabledMs -= enabledMs;
        DownMs -= downMs;
        DegradedMs -= degradedMs;
        MaintenanceMs -= maintenanceMs;
        OfflineMs -= offlineMs;
        if (latencyBlob is not null)
        {
            latency.Subtract(latencyBlob);
            percentilesKnown = false;
        }
    }

    /// <summary>See <see cref="LatencyHistogram.Trim"/>: for windows that stay in memory.</summary>
    public void Trim() => latency.Trim();

    public void AddCheck(bool ok, long? latencyUs)
    {
        Checks++;
        if (!ok) Failures++;
        else if (latencyUs is { } micros)
        {
            latency.Add(micros);
            percentilesKnown = false;
        }
    }

    public double? Percentile(double q) => latency.Quantile(q) is { } micros ? Math.Round(micros / 1000, 3) : null;

    /// <summary>The window, with the time since the last check added.</summary>
    public WindowStats ToWindow(LiveTime live = default)
    {
        if (!percentilesKnown)
        {
            (p50, p95, p99) = (Percentile(0.50) ?? double.NaN, Percentile(0.95) ?? double.NaN, Percentile(0.99) ?? double.NaN);
            percentilesKnown = true;
        }
        var down = DownMs + live.DownMs;
        var uptime = Uptime(live);
        // Whole seconds cut like an incident's duration_seconds, so that one incident's downtime is its duration.
        return new WindowStats(uptime, down / 1000, Checks, Failures, Known(p50), Known(p95), Known(p99),
            (DegradedMs + live.DegradedMs) / 1000, (MaintenanceMs + live.MaintenanceMs) / 1000, (OfflineMs + live.OfflineMs) / 1000);
    }

    static double? Known(double value) => double.IsNaN(value) ? null : value;

    /// <summary>Time-based uptime (0 to 1) with the time since the last check added; null when the
    /// monitor was never enabled in the window.</summary>
    public double? Uptime(LiveTime live = default)
    {
        var enabled = EnabledMs + live.EnabledMs;
        return enabled > 0 ? Math.Clamp(1 - (double)(DownMs + live.DownMs) / enabled, 0, 1) : null;
    }

    /// <summary>Adds one piece of time: enabled (and down or degraded as said), or quiet of its kind.</summary>
    public void AddTime(long ms, bool down, bool degraded, QuietKind? quiet)
    {
        if (quiet == QuietKind.Maintenance) MaintenanceMs += ms;
        else if (quiet == QuietKind.Offline) OfflineMs += ms;
        else Add(0, 0, ms, down ? ms : 0, degraded ? ms : 0, null);
    }
}

/// <summary>Time since a monitor's last check, not in the rollups yet, split as the rollups split it.</summary>
public record struct LiveTime(long EnabledMs, long DownMs, long DegradedMs, long MaintenanceMs, long OfflineMs)
{
    public void Add(long ms, bool down, bool degraded, QuietKind? quiet)
    {
        if (quiet == QuietKind.Maintenance) MaintenanceMs += ms;
        else if (quiet == QuietKind.Offline) OfflineMs += ms;
        else
        {
            EnabledMs += ms;
            if (down) DownMs += ms;
            if (degraded) DegradedMs += ms;
        }
    }
}
