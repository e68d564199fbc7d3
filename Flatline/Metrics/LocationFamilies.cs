using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>The per-location series of <c>/metrics</c> (SPEC §16, §17), for each enabled monitor checked
/// from more than the main node alone: each location's own state (up, last check) as the state stage keeps
/// it in <c>monitor_location_states</c>, and its checks and last response time since start as
/// <see cref="EngineMetrics"/> counts them; and each agent location's contact. A monitor of the main node
/// alone has none: its monitor series are its one location's.</summary>
static class LocationFamilies
{
    public sealed record Row(MonitorLabels.Set Labels, Encoded Location, MonitorStatus Status, long? LastCheckedAt,
        long Checks, long Failures, long? LastLatencyUs);

    /// <summary>A location's label, alone and with each result, encoded once per scrape.</summary>
    public sealed record Encoded(byte[] Location, byte[] Success, byte[] Failure);

    /// <summary>The rows in the monitors' order, inside the scrape's read transaction (so they agree with
    /// the monitor rows read before). <paramref name="labelsOf"/> gives a monitor's labels by its key.</summary>
    public static List<Row> Read(SqliteConnection connection, SqliteTransaction transaction, Func<long, MonitorLabels.Set?> labelsOf,
        EngineMetrics metrics)
    {
        var rows = new List<Row>();
        var encoded = new Dictionary<string, Encoded>(StringComparer.Ordinal);
        using var command = Sql.Prepare(connection, transaction, """
            SELECT s.monitor_id, s.location, s.status, s.last_checked_at FROM monitor_location_states s
            JOIN monitors m ON m.id = s.monitor_id WHERE m.enabled ORDER BY s.monitor_id, s.location
            """);
        // The location's last check is the check row at its state's time: one lookup by the primary key.
        using var latency = Sql.Prepare(connection, transaction,
            "SELECT latency_us FROM checks WHERE monitor_id = $id AND checked_at = $at", "$id", "$at");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = reader.GetInt64(0);
            if (labelsOf(key) is not { } labels) continue;
            var location = reader.GetString(1);
            if (!encoded.TryGetValue(location, out var label))
                encoded[location] = label = new Encoded(Exposition.Labels(["location", location]),
                    Exposition.Labels(["location", location, "result", "success"]), Exposition.Labels(["location", location, "result", "failure"]));
            var lastCheckedAt = reader.IsDBNull(3) ? (long?)null : reader.GetInt64(3);
            var counters = metrics.Of(key, location);
            if (lastCheckedAt is { } at && !counters.LatencyKnown)
                counters = metrics.Seed(key, latency.Bind(key, at).ExecuteScalar() is long us ? us : null, location);
            rows.Add(new Row(labels, label, (MonitorStatus)reader.GetInt32(2), lastCheckedAt, counters.Checks, counters.Failures,
                counters.LastLatencyUs));
        }
        return rows;
    }

    public static async ValueTask WriteAsync(Exposition output, List<Row> rows, CancellationToken cancel)
    {
        if (rows.Count == 0) return;
        ValueTask Each(Action<Row> write) => output.EachAsync(rows, (row, _) => write(row), cancel);

        output.Family("flatline_monitor_location_up", MetricType.Gauge,
            "1 when the monitor is up (degraded included) as checked from a location, 0 when down there; absent while unknown");
        await Each(r =>
        {
            if (r.Status is MonitorStatus.Up or MonitorStatus.Down or MonitorStatus.Degraded)
                output.Sample("flatline_monitor_location_up"u8, r.Labels.Monitor, r.Location.Location, r.Status == MonitorStatus.Down ? 0 : 1);
        });

        output.Family("flatline_monitor_location_response_time_seconds", MetricType.Gauge,
            "Response time of the monitor's last check from a location that got an answer", "seconds");
        await Each(r =>
        {
            if (r.LastLatencyUs is { } us)
                output.Sample("flatline_monitor_location_response_time_seconds"u8, r.Labels.Monitor, r.Location.Location, us, 1_000_000);
        });

        output.Family("flatline_monitor_location_last_check_timestamp_seconds", MetricType.Gauge,
            "When the monitor was last checked from a location, in Unix seconds", "seconds");
        await Each(r =>
        {
            if (r.LastCheckedAt is { } ms)
                output.Sample("flatline_monitor_location_last_check_timestamp_seconds"u8, r.Labels.Monitor, r.Location.Location, ms, 1000);
        });

        output.Family("flatline_monitor_location_checks_total", MetricType.Counter,
            "Checks of the monitor from a location stored since Flatline started, by result");
        await Each(r =>
        {
            output.Sample("flatline_monitor_location_checks_total"u8, r.Labels.Monitor, r.Location.Success, r.Checks - r.Failures);
            output.Sample("flatline_monitor_location_checks_total"u8, r.Labels.Monitor, r.Location.Failure, r.Failures);
        });
    }

    /// <summary>Each agent location's presence and last contact (none while only the main node exists).</summary>
    public static void Agents(Exposition output, LocationRegistry registry)
    {
        var agents = registry.All.OrderBy(l => l.Name, StringComparer.Ordinal).ToList();
        if (agents.Count == 0) return;
        output.Family("flatline_location_online", MetricType.Gauge,
            "1 while an agent location reports, 0 once it has stopped (it then neither helps nor hurts a quorum)");
        foreach (var agent in agents) output.Sample("flatline_location_online", ["location", agent.Name], agent.Offline ? 0 : 1);
        output.Family("flatline_location_last_contact_timestamp_seconds", MetricType.Gauge,
            "When an agent location last reached the main node, in Unix seconds; absent when it never did", "seconds");
        foreach (var agent in agents)
            if (agent.LastSeenAt > 0) output.Sample("flatline_location_last_contact_timestamp_seconds", ["location", agent.Name], agent.LastSeenAt / 1e3);
    }
}
