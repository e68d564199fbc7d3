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

    /// <summary>[from, to) was enabled time, and down time too when <paramref name="down"/> (degraded
    /// time when <paramref name="degraded"/>), except the <paramref name="quiet"/> parts, which count
    /// as maintenance or offline time instead.</summary>
    public void AddSpan(long monitorKey, long from, long to, bool down, bool degraded = false, IReadOnlyList<QuietSpan>? quiet = null)
    {
        if (to <= from) return;
        foreach (var (start, end, kind) in QuietTime.Pieces(from, to, quiet))
        {
            hourly.AddSpan(monitorKey, start, end, down, degraded, kind);
            daily.AddSpan(monitorKey, start, end, down, degraded, kind);
        }
    }

    /// <summary>One check at <paramref name="at"/>; the latency of a successful one joins the histogram.</summary>
    public void AddCheck(long monitorKey, long at, bool ok, long? latencyUs)
    {
        hourly.AddCheck(monitorKey, at, ok, ok ? latencyUs : null);
        daily.AddCheck(monitorKey, at, ok, ok ? latencyUs : null);
    }

    /// <summary>Adds what <paramref name="buffer"/> summed for one monitor, row by row.</summary>
    public void Add(long monitorKey, RollupBuffer buffer)
    {
        foreach (var (hour, sum) in buffer.Hours) hourly.AddSum(monitorKey, hour, sum);
        foreach (var (day, sum) in buffer.Days) daily.AddSum(monitorKey, day, sum);
    }

    public void Dispose()
    {
        hourly.Dispose();
        daily.Dispose();
    }

    /// <summary>Splits [from, to) into pieces that each lie within one bucket of <paramref name="size"/> ms
    /// (a struct to <c>foreach</c> over: the writer and the stats split time for every check and monitor).</summary>
    public static BucketSplit Split(long from, long to, long size) => new(from, to, size);

    public readonly struct BucketSplit(long from, long to, long size)
    {
        public Enumerator GetEnumerator() => new(from, to, size);

        public struct Enumerator(long from, long to, long size)
        {
            long at = from;

            public (long Bucket, long Ms) Current { get; private set; }

            public bool MoveNext()
            {
                if (at >= to) return false;
                var bucket = at / size;
                var end = Math.Min(to, (bucket + 1) * size);
                Current = (bucket, end - at);
                at = end;
                return true;
            }
        }
    }

    sealed class Table : IDisposable
    {
        readonly long size;
        readonly SqliteCommand addTime, addCheck, addSum, readLatency, writeLatency;

        public Table(SqliteConnection connection, SqliteTransaction transaction, string table, string key, long size)
        {
            this.size = size;
            addTime = Sql.Prepare(connection, transaction, $"""
                INSERT INTO {table} (monitor_id, {key}, enabled_ms, down_ms, degraded_ms, maintenance_ms, offline_ms) VALUES ($id, $bucket, $enabled, $down, $degraded, $maintenance, $offline)
                ON CONFLICT (monitor_id, {key}) DO UPDATE SET enabled_ms = enabled_ms + excluded.enabled_ms, down_ms = down_ms + excluded.down_ms,
                    degraded_ms = degraded_ms + excluded.degraded_ms,
                    maintenance_ms = maintenance_ms + excluded.maintenance_ms, offline_ms = offline_ms + excluded.offline_ms
                """, "$id", "$bucket", "$enabled", "$down", "$degraded", "$maintenance", "$offline");
            addCheck = Sql.Prepare(connection, transaction, $"""
                INSERT INTO {table} (monitor_id, {key}, checks, failures) VALUES ($id, $bucket, 1, $failed)
                ON CONFLICT (monitor_id, {key}) DO UPDATE SET checks = checks + 1, failures = failures + excluded.failures
                """, "$id", "$bucket", "$failed");
            addSum = Sql.Prepare(connection, transaction, $"""
                UPDATE {table} SET checks = checks + $checks, failures = failures + $failures WHERE monitor_id = $id AND {key} = $bucket
                """, "$id", "$bucket", "$checks", "$failures");
            readLatency = Sql.Prepare(connection, transaction, $"SELECT latency FROM {table} WHERE monitor_id = $id AND {key} = $bucket", "$id", "$bucket");
            writeLatency = Sql.Prepare(connection, transaction, $"UPDATE {table} SET latency = $latency WHERE monitor_id = $id AND {key} = $bucket", "$latency", "$id", "$bucket");
        }

        public void AddSpan(long monitorKey, long from, long to, bool down, bool degraded, QuietKind? quiet)
        {
            foreach (var (bucket, ms) in Split(from, to, size))
            {
                if (quiet is null) addTime.Bind(monitorKey, bucket, ms, down ? ms : 0, degraded ? ms : 0, 0, 0).ExecuteNonQuery();
                else addTime.Bind(monitorKey, bucket, 0, 0, 0, quiet == QuietKind.Maintenance ? ms : 0, quiet == QuietKind.Offline ? ms : 0).ExecuteNonQuery();
            }
        }

        public void AddCheck(long monitorKey, long at, bool ok, long? latencyUs)
        {
            var bucket = at / size;
            addCheck.Bind(monitorKey, bucket, ok ? 0 : 1).ExecuteNonQuery();
            if (latencyUs is not { } latency) return;
            var histogram = Latency(monitorKey, bucket);
            histogram.Add(latency);
            writeLatency.Bind(histogram.ToBytes(), monitorKey, bucket).ExecuteNonQuery();
        }

        public void AddSum(long monitorKey, long bucket, RollupBuffer.Sum sum)
        {
            addTime.Bind(monitorKey, bucket, sum.EnabledMs, sum.DownMs, 0, 0, 0).ExecuteNonQuery();
            addSum.Bind(monitorKey, bucket, sum.Checks, sum.Failures).ExecuteNonQuery();
            if (sum.Latency is null) return;
            var histogram = Latency(monitorKey, bucket);
            histogram.Merge(sum.Latency);
            writeLatency.Bind(histogram.ToBytes(), monitorKey, bucket).ExecuteNonQuery();
        }

        LatencyHistogram Latency(long monitorKey, long bucket) =>
            readLatency.Bind(monitorKey, bucket).ExecuteScalar() is byte[] stored ? LatencyHistogram.FromBytes(stored) : new LatencyHistogram();

        public void Dispose()
        {
            addTime.Dispose();
            addCheck.Dispose();
            addSum.Dispose();
            readLatency.Dispose();
            writeLatency.Dispose();
        }
    }
}

/// <summary>Rollups of many checks of one monitor summed in memory, for <see cref="RollupWriter.Add"/>
/// to write in one go: what an import of a long history needs, where the writer adds check by check.
/// Sums the same way (spans split at hour and day boundaries, latency of successful checks only).</summary>
public sealed class RollupBuffer
{
    public sealed class Sum
    {
        public long Checks, Failures, EnabledMs, DownMs;
        public LatencyHistogram? Latency;
    }

    readonly Dictionary<long, Sum> hours = [], days = [];

    public IEnumerable<KeyValuePair<long, Sum>> Hours => hours;
    public IEnumerable<KeyValuePair<long, Sum>> Days => days;

    /// <inheritdoc cref="RollupWriter.AddSpan"/>
    public void AddSpan(long from, long to, bool down)
    {
        AddSpan(hours, RollupWriter.HourMs, from, to, down);
        AddSpan(days, RollupWriter.DayMs, from, to, down);
    }

    /// <inheritdoc cref="RollupWriter.AddCheck"/>
    public void AddCheck(long at, bool ok, long? latencyUs)
    {
        AddCheck(At(hours, at / RollupWriter.HourMs), ok, latencyUs);
        AddCheck(At(days, at / RollupWriter.DayMs), ok, latencyUs);
    }

    static void AddSpan(Dictionary<long, Sum> table, long size, long from, long to, bool down)
    {
        foreach (var (bucket, ms) in RollupWriter.Split(from, to, size))
        {
            var sum = At(table, bucket);
            sum.EnabledMs += ms;
            if (down) sum.DownMs += ms;
        }
    }

    static void AddCheck(Sum sum, bool ok, long? latencyUs)
    {
        sum.Checks++;
        if (!ok) sum.Failures++;
        else if (latencyUs is { } latency) (sum.Latency ??= new LatencyHistogram()).Add(latency);
    }

    static Sum At(Dictionary<long, Sum> table, long bucket)
    {
        if (!table.TryGetValue(bucket, out var sum)) table[bucket] = sum = new Sum();
        return sum;
    }
}
