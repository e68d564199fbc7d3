using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>One window. <c>uptime</c> is time-based (down time over enabled time), null when the
/// monitor was never enabled in it; percentiles are of successful checks only, in ms, null when none.</summary>
public sealed record WindowStats(double? Uptime, long DowntimeSeconds, long Checks, long Failures, double? P50, double? P95, double? P99);

/// <summary>24h: the last 24 clock hours including the current one; 7d, 30d, 90d: the last N UTC
/// days including today.</summary>
public sealed record StatsWindows(
    [property: JsonPropertyName("24h")] WindowStats Last24Hours,
    [property: JsonPropertyName("7d")] WindowStats Last7Days,
    [property: JsonPropertyName("30d")] WindowStats Last30Days,
    [property: JsonPropertyName("90d")] WindowStats Last90Days);

public sealed record MonitorStats(string MonitorId, StatsWindows Windows);

/// <summary>One UTC day of a monitor's history.</summary>
public sealed record UptimeDay(string Date, double? Uptime, long DowntimeSeconds, long Checks, long Failures, double? P50, double? P95, double? P99);

/// <summary>One bucket of the latency chart, starting at <c>at</c>.</summary>
public sealed record LatencyPoint(DateTime At, long Checks, long Failures, double? P50, double? P95, double? P99);

public sealed record LatencySeries(string MonitorId, DateTime From, DateTime To, long BucketSeconds, List<LatencyPoint> Points);

/// <summary>Sums of rollup rows with their merged latency histogram.</summary>
public sealed class Aggregate
{
    public long Checks, Failures, EnabledMs, DownMs;
    public LatencyHistogram Latency { get; } = new();

    public void Add(long checks, long failures, long enabledMs, long downMs, byte[]? latency)
    {
        Checks += checks;
        Failures += failures;
        EnabledMs += enabledMs;
        DownMs += downMs;
        if (latency is not null) Latency.Merge(latency);
    }

    public double? Uptime => EnabledMs > 0 ? Math.Clamp(1 - (double)DownMs / EnabledMs, 0, 1) : null;

    public double? Percentile(double q) => Latency.Quantile(q) is { } micros ? Math.Round(micros / 1000, 3) : null;

    public WindowStats ToWindow() => new(Uptime, (DownMs + 500) / 1000, Checks, Failures, Percentile(0.50), Percentile(0.95), Percentile(0.99));
}
