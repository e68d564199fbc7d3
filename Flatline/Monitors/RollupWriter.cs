using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Adds checks and enabled/down time to the hourly and daily rollups inside the caller's
/// transaction. Time spans are split at hour and day boundaries so that every window sums exactly.</summary>
public sealed class RollupWriter : IDisposable
{
    public const long HourMs = 3_600_000;
    public const long DayMs = 86_400_000;

    readonly Table hourly, daily;

    public RollupWriter(SqliteConnection connection, SqliteTransaction transaction)
    {
        hourly = new Table(connection, transaction, "rollups_hourly", "hour", HourMs);
        daily = new Table(connection, transaction, "rollups_daily", "day", DayMs);
    }

    /// <summary>[from, to) was enabled time, and down time too when <paramref name="down"/>.</summary>
    public void AddSpan(long monitorKey, long from, long to, bool down)
    {
        if (to <= from) return;
        hourly.AddSpan(monitorKey, from, to, down);
        daily.AddSpan(monitorKey, from, to, down);
    }

    /// <summary>One check at <paramref name="at"/>; the latency of a successful one joins the histogram.</summary>
    public void AddCheck(long monitorKey, long at, bool ok, long? latencyUs)
    {
        hourly.AddCheck(monitorKey, at, ok, ok ? latencyUs : null);
        daily.AddCheck(monitorKey, at, ok, ok ? latencyUs : null);
    }

    public void Dispose()
    {
        hourly.Dispose();
        daily.Dispose();
    }

    /// <summary>Splits [from, to) into pieces that each lie within one bucket of <paramref name="size"/> ms.</summary>
    public static IEnumerable<(long Bucket, long Ms)> Split(long from, long to, long size)
    {
        while (from < to)
        {
            var bucket = Math.DivRem(from, size, out _);
            var end = Math.Min(to, (bucket + 1) * size);
            yield return (bucket, end - from);
            from = end;
        }
    }

    sealed class Table : IDisposable
    {
        readonly long size;
        readonly SqliteCommand addTime, addCheck, readLatency, writeLatency;

        public Table(SqliteConnection connection, SqliteTransaction transaction, string table, string key, long size)
        {
            this.size = size;
            addTime = Sql.Prepare(connection, transaction, $"""
                INSERT INTO {table} (monitor_id, {key}, enabled_ms, down_ms) VALUES ($id, $bucket, $enabled, $down)
                ON CONFLICT (monitor_id, {key}) DO UPDATE SET enabled_ms = enabled_ms + excluded.enabled_ms, down_ms = down_ms + excluded.down_ms
                """, "$id", "$bucket", "$enabled", "$down");
            addCheck = Sql.Prepare(connection, transaction, $"""
                INSERT INTO {table} (monitor_id, {key}, checks, failures) VALUES ($id, $bucket, 1, $failed)
                ON CONFLICT (monitor_id, {key}) DO UPDATE SET checks = checks + 1, failures = failures + excluded.failures
                """, "$id", "$bucket", "$failed");
            readLatency = Sql.Prepare(connection, transaction, $"SELECT latency FROM {table} WHERE monitor_id = $id AND {key} = $bucket", "$id", "$bucket");
            writeLatency = Sql.Prepare(connection, transaction, $"UPDATE {table} SET latency = $latency WHERE monitor_id = $id AND {key} = $bucket", "$latency", "$id", "$bucket");
        }

        public void AddSpan(long monitorKey, long from, long to, bool down)
        {
            foreach (var (bucket, ms) in Split(from, to, size))
                addTime.Bind(monitorKey, bucket, ms, down ? ms : 0).ExecuteNonQuery();
        }

        public void AddCheck(long monitorKey, long at, bool ok, long? latencyUs)
        {
            var bucket = at / size;
            addCheck.Bind(monitorKey, bucket, ok ? 0 : 1).ExecuteNonQuery();
            if (latencyUs is not { } latency) return;
            var histogram = readLatency.Bind(monitorKey, bucket).ExecuteScalar() is byte[] stored ? LatencyHistogram.FromBytes(stored) : new LatencyHistogram();
            histogram.Add(latency);
            writeLatency.Bind(histogram.ToBytes(), monitorKey, bucket).ExecuteNonQuery();
        }

        public void Dispose()
        {
            addTime.Dispose();
            addCheck.Dispose();
            readLatency.Dispose();
            writeLatency.Dispose();
        }
    }
}
