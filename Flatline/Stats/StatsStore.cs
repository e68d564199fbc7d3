using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Stats from the hourly and daily rollups, never from raw checks (the latency chart of a
/// short range reads only that range's checks): a monitor's stats read at most 24 hourly and 90
/// daily rows, whatever the length of its history.</summary>
public sealed class StatsStore(Database database, StatsCache cache, TimeProvider time, IEnumerable<IQuietTime> quietTime)
{
    readonly IQuietTime[] quiet = [.. quietTime];
    const long HourMs = RollupWriter.HourMs, DayMs = RollupWriter.DayMs;
    /// <summary>Rollups older than this are deleted, so no history reaches further.</summary>
    public const int MaxUptimeDays = RetentionSweeper.RollupRetentionDays;
    public const long MaxRawLatencyRangeMs = 2 * DayMs;
    public const int MaxPoints = 500;

    sealed class Reader : IDisposable
    {
        public readonly SqliteCommand Monitor, Daily;

        public Reader(SqliteConnection connection, SqliteTransaction transaction)
        {
            Monitor = Sql.Prepare(connection, transaction,
                "SELECT enabled, status, accounted_until FROM monitors WHERE id = $id", "$id");
            Daily = Sql.Prepare(connection, transaction,
                "SELECT day, checks, failures, enabled_ms, down_ms, degraded_ms, latency, maintenance_ms, offline_ms FROM rollups_daily WHERE monitor_id = $id AND day >= $from", "$id", "$from");
        }

        public void Dispose()
        {
            Monitor.Dispose();
            Daily.Dispose();
        }
    }

    /// <summary>One monitor's stats from the running windows; null when it does not exist.</summary>
    public MonitorStats? ForMonitor(string id)
    {
        using var connection = database.Open();
        return KeyOf(connection, null, id) is { } key ? cache.Get(key, id) : null;
    }

    /// <summary>Every monitor's stats, oldest monitor first.</summary>
    public List<MonitorStats> ForAll()
    {
        var monitors = new List<(long Key, string Id)>();
        using (var connection = database.Open())
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT id, uid FROM monitors ORDER BY id";
            using var rows = list.ExecuteReader();
            while (rows.Read()) monitors.Add((rows.GetInt64(0), rows.GetString(1)));
        }
        var all = new List<MonitorStats>(monitors.Count);
        foreach (var (key, id) in monitors)
            if (cache.Get(key, id) is { } stats) all.Add(stats);
        return all;
    }

    static (long From, MonitorStatus Status)? LiveSpan(Reader reader, long key, long now)
    {
        using var row = reader.Monitor.Bind(key).ExecuteReader();
        if (!row.Read() || !row.GetBoolean(0) || row.IsDBNull(2)) return null;
        var from = row.GetInt64(2);
        return from < now ? (from, (MonitorStatus)row.GetInt32(1)) : null;
    }

    /// <summary>A row of <c>bucket, checks, failures, enabled_ms, down_ms, degraded_ms, latency, maintenance_ms, offline_ms</c>.</summary>
    static void AddRow(Aggregate aggregate, SqliteDataReader row) =>
        aggregate.Add(row.GetInt64(1), row.GetInt64(2), row.GetInt64(3), row.GetInt64(4), row.GetInt64(5), row.IsDBNull(6) ? null : (byte[])row.GetValue(6),
            row.GetInt64(7), row.GetInt64(8));

    /// <summary>One row per UTC day, oldest first, today last; null when the monitor does not exist.</summary>
    public List<UptimeDay>? Uptime(string id, int days)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        if (KeyOf(connection, transaction, id) is not { } key) return null;
        using var reader = new Reader(connection, transaction);
        var now = Database.Now(time);
        var today = now / DayMs;
        var first = today - days + 1;
        var aggregates = new Aggregate[days];
        for (var i = 0; i < days; i++) aggregates[i] = new Aggregate();
        using (var rows = reader.Daily.Bind(key, first).ExecuteReader())
            while (rows.Read()) AddRow(aggregates[rows.GetInt64(0) - first], rows);
        if (LiveSpan(reader, key, now) is { } live)
            foreach (var (start, end, kind) in QuietTime.Pieces(live.From, now, QuietTime.Spans(quiet, key, live.From, now)))
                foreach (var (bucket, ms) in RollupWriter.Split(start, end, DayMs))
                    if (bucket >= first)
                        aggregates[bucket - first].AddTime(ms, live.Status == MonitorStatus.Down, live.Status == MonitorStatus.Degraded, kind);

        var result = new List<UptimeDay>(days);
        for (var i = 0; i < days; i++)
        {
            var w = aggregates[i].ToWindow();
            var date = DateOnly.FromDateTime(Timestamps.FromMs((first + i) * DayMs)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            result.Add(new UptimeDay(date, w.Uptime, w.DowntimeSeconds, w.Checks, w.Failures, w.P50, w.P95, w.P99, w.DegradedSeconds, w.MaintenanceSeconds, w.OfflineSeconds));
        }
        return result;
    }

    /// <summary>Latency over [from, to) in at most 500 buckets: from the range's raw checks when it
    /// is at most two days long, else from hourly rollups. Null when the monitor does not exist.</summary>
    public LatencySeries? Latency(string id, long from, long to)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        if (KeyOf(connection, transaction, id) is not { } key) return null;
        var raw = to - from <= MaxRawLatencyRangeMs;
        var unit = raw ? 1000L : HourMs;
        // Bucket width: a whole number of units, enough that the range fits in MaxPoints buckets.
        var width = Math.Max(unit, (to - from + MaxPoints * unit - 1) / (MaxPoints * unit) * unit);
        long start;
        int count;
        // Aligning the start to the bucket width can add a bucket; widen until the range fits.
        while (true)
        {
            start = from / width * width;
            count = (int)((to - start + width - 1) / width);
            if (count <= MaxPoints) break;
            width += unit;
        }
        var buckets = new Aggregate[count];
        for (var i = 0; i < count; i++) buckets[i] = new Aggregate();

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", key);
        if (raw)
        {
            command.CommandText = "SELECT checked_at, ok, latency_us FROM checks WHERE monitor_id = $id AND checked_at >= $from AND checked_at < $to";
            command.Parameters.AddWithValue("$from", start);
            command.Parameters.AddWithValue("$to", to);
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                buckets[(rows.GetInt64(0) - start) / width].AddCheck(rows.GetBoolean(1), rows.IsDBNull(2) ? null : rows.GetInt64(2));
            }
        }
        else
        {
            command.CommandText = "SELECT hour, checks, failures, enabled_ms, down_ms, degraded_ms, latency, maintenance_ms, offline_ms FROM rollups_hourly WHERE monitor_id = $id AND hour >= $from AND hour < $to";
            command.Parameters.AddWithValue("$from", start / HourMs);
            command.Parameters.AddWithValue("$to", (to + HourMs - 1) / HourMs);
            using var rows = command.ExecuteReader();
            while (rows.Read()) AddRow(buckets[(rows.GetInt64(0) * HourMs - start) / width], rows);
        }

        var points = new List<LatencyPoint>(count);
        for (var i = 0; i < count; i++)
        {
            var b = buckets[i];
            points.Add(new LatencyPoint(Timestamps.FromMs(start + i * width), b.Checks, b.Failures, b.Percentile(0.5), b.Percentile(0.95), b.Percentile(0.99)));
        }
        return new LatencySeries(id, Timestamps.FromMs(from), Timestamps.FromMs(to), width / 1000, points);
    }

    static long? KeyOf(SqliteConnection connection, SqliteTransaction? transaction, string id)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id FROM monitors WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", id);
        return command.ExecuteScalar() as long?;
    }
}
