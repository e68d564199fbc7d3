using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

/// <summary>One location's view of a monitor: its own state machine (status, failures in a row, last check),
/// whether it reports now, and its windows. Per location, <c>uptime</c> is the share of its checks that
/// succeeded (a location that does not report adds no checks, so its silence counts neither way); the
/// monitor's own stats (<c>/stats</c>) are the combined, time-based view.</summary>
public sealed record LocationStatsView(string Location, LocationStatus Reporting, MonitorStatus Status, int ConsecutiveFailures, DateTime? LastCheckedAt,
    StatsWindows Windows);

public static class LocationStatsEndpoints
{
    public static IEndpointRouteBuilder MapLocationStats(this IEndpointRouteBuilder app)
    {
        app.MapGet("/monitors/{id}/locations", MonitorLocations).WithTags("Locations").WithName("GetMonitorLocations")
            .WithSummary("A monitor's state and stats per location (24h, 7d, 30d, 90d: checks, failures, share up, p50/p95/p99 of successful checks)");
        return app;
    }

    static Results<Ok<List<LocationStatsView>>, ProblemHttpResult> MonitorLocations(string id, MonitorStore monitors, LocationRegistry locations, Database database,
        TimeProvider time)
    {
        if (monitors.Get(id) is not { } monitor) return Problems.NotFound("monitor");
        var now = Database.Now(time);
        var hour = now / RollupWriter.HourMs;
        var today = now / RollupWriter.DayMs;
        // Window starts in hours: the last 24 clock hours, then the last 7, 30 and 90 UTC days including today.
        long[] starts = [hour - 23, (today - 6) * 24, (today - 29) * 24, (today - 89) * 24];
        var sums = new Dictionary<string, (long Checks, long Failures, LatencyHistogram Latency)[]>(StringComparer.Ordinal);
        var states = new Dictionary<string, (MonitorStatus, int, long?)>(StringComparer.Ordinal);
        using var connection = database.Open();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT location, hour, checks, failures, latency FROM location_rollups WHERE monitor_id = $key AND hour >= $from";
            read.Parameters.AddWithValue("$key", monitor.Key);
            read.Parameters.AddWithValue("$from", starts[3]);
            using var rows = read.ExecuteReader();
            while (rows.Read())
            {
                var name = rows.GetString(0);
                if (!sums.TryGetValue(name, out var windows))
                    sums[name] = windows = [.. Enumerable.Range(0, 4).Select(_ => (0L, 0L, new LatencyHistogram()))];
                var at = rows.GetInt64(1);
                for (var w = 0; w < 4; w++)
                {
                    if (at < starts[w]) continue;
                    windows[w].Checks += rows.GetInt64(2);
                    windows[w].Failures += rows.GetInt64(3);
                    if (!rows.IsDBNull(4)) windows[w].Latency.Merge((byte[])rows.GetValue(4));
                }
            }
        }
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT location, status, consecutive_failures, last_checked_at FROM monitor_location_states WHERE monitor_id = $key";
            read.Parameters.AddWithValue("$key", monitor.Key);
            using var rows = read.ExecuteReader();
            while (rows.Read()) states[rows.GetString(0)] = ((MonitorStatus)rows.GetInt32(1), rows.GetInt32(2), rows.IsDBNull(3) ? null : rows.GetInt64(3));
        }
        var list = new List<LocationStatsView>();
        foreach (var name in monitor.View.Locations)
        {
            // The main node alone keeps no state of its own per location: the monitor's is its.
            var (status, failures, last) = monitor.View.LocalOnly ? (monitor.View.Status, 0, null)
                : states.GetValueOrDefault(name, (MonitorStatus.Unknown, 0, null));
            var w = sums.GetValueOrDefault(name);
            list.Add(new LocationStatsView(name, locations.IsOnline(name) ? LocationStatus.Online : LocationStatus.Offline,
                monitor.View.Enabled ? status : MonitorStatus.Paused, failures, Timestamps.FromMs(last),
                new StatsWindows(Window(w?[0]), Window(w?[1]), Window(w?[2]), Window(w?[3]))));
        }
        return TypedResults.Ok(list);
    }

    static WindowStats Window((long Checks, long Failures, LatencyHistogram Latency)? sum)
    {
        if (sum is not { } s || s.Checks == 0) return new WindowStats(null, 0, 0, 0, null, null, null);
        double? P(double q) => s.Latency.Quantile(q) is { } micros ? Math.Round(micros / 1000, 3) : null;
        return new WindowStats((double)(s.Checks - s.Failures) / s.Checks, 0, s.Checks, s.Failures, P(0.5), P(0.95), P(0.99));
    }
}
