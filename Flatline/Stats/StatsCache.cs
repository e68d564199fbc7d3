using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Every monitor's four windows kept as running sums of the rollups: the writer adds each
/// committed check and span, and a window drops the hour or day that leaves it by subtracting that
/// rollup row. Reading a monitor's stats then costs the same whatever its history, and all
/// monitors' stats cost one pass over memory. A missing entry is loaded from the rollups.</summary>
/// <remarks>An entry is loaded in one read transaction together with the writer's batch sequence
/// number, so it knows which committed batches it already holds: a batch the entry holds is not
/// applied again, and one committed after its snapshot is. Rolling a window in place reads the rows
/// that leave it, which is right only when the database holds exactly the batches the cache has
/// applied; otherwise the entry is loaded afresh.</remarks>
public sealed class StatsCache(Database database, TimeProvider time, IEnumerable<IQuietTime>? quietTime = null) : ICommitListener, IMonitorChangeListener
{
    readonly IQuietTime[] quiet = [.. quietTime ?? []];
    const long HourMs = RollupWriter.HourMs, DayMs = RollupWriter.DayMs;
    static readonly int[] DaySpans = [7, 30, 90];

    readonly Lock gate = new();
    readonly Dictionary<long, Entry> entries = [];
    // The newest batch applied to the entries in memory.
    long applied;

    sealed class Entry
    {
        public long Hour, Day;                 // the windows end with this hour and this day
        public readonly Aggregate Hours = new();
        public readonly Aggregate[] Days = [new(), new(), new()];
        public bool Enabled;
        public MonitorStatus Status;
        public long? AccountedUntil;
        public long LoadedAt;                  // the batch sequence number of the snapshot it was loaded from

        /// <summary>Trims the windows' histograms: there is one entry per monitor, kept for good.</summary>
        public void Trim()
        {
            Hours.Trim();
            foreach (var window in Days) window.Trim();
        }
    }

    /// <summary>Stats of one monitor now; null when it does not exist.</summary>
    public MonitorStats? Get(long key, string id)
    {
        var now = Database.Now(time);
        lock (gate)
        {
            if (!entries.TryGetValue(key, out var entry))
            {
                entry = Load(key, now);
                if (entry is null) return null;
                entries[key] = entry;
            }
            entry = Roll(entry, key, now, reload: true);
            return entry is null ? null : ToStats(entry, key, id, now);
        }
    }

    /// <summary>The uptime of each window (24 h, 7 d, 30 d, 90 d) of each of <paramref name="keys"/> now, as
    /// <see cref="Get"/> has them, without the rest of the stats (the percentiles above all): four values a
    /// key in <paramref name="uptimes"/>, NaN for a window the monitor was never enabled in and all four
    /// for a monitor that does not exist. One clock reading for all; the lock is taken per run of keys,
    /// so that the writer's commits are not held up for a whole scrape.</summary>
    public void Uptimes(ReadOnlySpan<long> keys, Span<double> uptimes)
    {
        const int Run = 256;
        var now = Database.Now(time);
        var liveDays = new LiveTime[DaySpans.Length];
        for (var start = 0; start < keys.Length; start += Run)
        {
            var end = Math.Min(keys.Length, start + Run);
            lock (gate)
            {
                for (var i = start; i < end; i++)
                {
                    var into = uptimes.Slice(i * 4, 4);
                    var key = keys[i];
                    if (!entries.TryGetValue(key, out var entry))
                    {
                        entry = Load(key, now);
                        if (entry is not null) entries[key] = entry;
                    }
                    if (entry is not null) entry = Roll(entry, key, now, reload: true);
                    if (entry is null)
                    {
                        into.Fill(double.NaN);
                        continue;
                    }
                    Array.Clear(liveDays);
                    into[0] = entry.Hours.Uptime(Live(entry, key, now, liveDays)) ?? double.NaN;
                    for (var w = 0; w < DaySpans.Length; w++) into[w + 1] = entry.Days[w].Uptime(liveDays[w]) ?? double.NaN;
                }
            }
        }
    }

    /// <summary>After the monitor's settings, pause state or existence changed outside the writer.</summary>
    public void MonitorChanged(long key)
    {
        lock (gate) entries.Remove(key);
    }

    /// <summary>The writer's committed batch, right after its commit (so the database holds exactly it).</summary>
    public void OnCommitted(CommittedBatch batch)
    {
        lock (gate)
        {
            applied = batch.Sequence;
            foreach (var e in batch.Checks)
            {
                // Not in memory: loaded from the rollups when needed. Loaded after this commit: it has it.
                if (!entries.TryGetValue(e.MonitorKey, out var entry) || entry.LoadedAt >= batch.Sequence) continue;
                var at = e.At;
                // Add under the current window ends first, then roll: the rows that leave the windows
                // then hold exactly what the windows hold, this batch included.
                AddSpan(entry, e.SpanFrom, at, e.WasDown, e.WasDegraded, e.Quiet);
                if (at / HourMs > entry.Hour - 24) entry.Hours.AddCheck(e.Outcome.Ok, e.Outcome.LatencyUs);
                for (var w = 0; w < DaySpans.Length; w++)
                    if (at / DayMs > entry.Day - DaySpans[w]) entry.Days[w].AddCheck(e.Outcome.Ok, e.Outcome.LatencyUs);
                // Reloading here would read this batch, already counted: a long gap drops the entry instead.
                if (Roll(entry, e.MonitorKey, at, reload: false) is null) continue;
                entry.Status = e.State.Status;
                entry.AccountedUntil = at;
            }
        }
    }

    static void AddSpan(Entry entry, long from, long to, bool down, bool degraded, IReadOnlyList<QuietSpan>? quiet)
    {
        foreach (var (start, end, kind) in QuietTime.Pieces(from, to, quiet))
        {
            foreach (var (hour, ms) in RollupWriter.Split(start, end, HourMs))
                if (hour > entry.Hour - 24) entry.Hours.AddTime(ms, down, degraded, kind);
            foreach (var (day, ms) in RollupWriter.Split(start, end, DayMs))
                for (var w = 0; w < DaySpans.Length; w++)
                    if (day > entry.Day - DaySpans[w]) entry.Days[w].AddTime(ms, down, degraded, kind);
        }
    }

    MonitorStats ToStats(Entry entry, long key, string id, long now)
    {
        var liveDays = new LiveTime[DaySpans.Length];
        var liveHours = Live(entry, key, now, liveDays);
        return new MonitorStats(id, new StatsWindows(
            entry.Hours.ToWindow(liveHours),
            entry.Days[0].ToWindow(liveDays[0]),
            entry.Days[1].ToWindow(liveDays[1]),
            entry.Days[2].ToWindow(liveDays[2])));
    }

    // The time since the last check is not in the rollups yet: count it as it stands.
    LiveTime Live(Entry entry, long key, long now, LiveTime[] liveDays)
    {
        var liveHours = new LiveTime();
        if (entry.Enabled && entry.AccountedUntil is { } from && from < now)
        {
            var down = entry.Status == MonitorStatus.Down;
            var degraded = entry.Status == MonitorStatus.Degraded;
            foreach (var (start, end, kind) in QuietTime.Pieces(from, now, QuietTime.Spans(quiet, key, from, now)))
            {
                foreach (var (hour, ms) in RollupWriter.Split(start, end, HourMs))
                    if (hour > entry.Hour - 24) liveHours.Add(ms, down, degraded, kind);
                foreach (var (day, ms) in RollupWriter.Split(start, end, DayMs))
                    for (var w = 0; w < DaySpans.Length; w++)
                        if (day > entry.Day - DaySpans[w]) liveDays[w].Add(ms, down, degraded, kind);
            }
        }
        return liveHours;
    }

    Entry? Load(long key, long now)
    {
        using var loader = new Loader(database);
        loader.Begin();
        return loader.Load(key, now);
    }

    /// <summary>Number of monitors whose windows are in memory.</summary>
    internal int Count
    {
        get { lock (gate) return entries.Count; }
    }

    /// <summary>Loads the windows of every monitor not in memory yet, so that the first dashboard after
    /// a start does not pay for them. It holds the cache for a few hundred monitors at a time, so the
    /// writer's listener call is never held up for long.</summary>
    public void Warm(CancellationToken stop)
    {
        try
        {
            WarmEntries(stop);
        }
        finally
        {
            warmed.TrySetResult();
        }
    }

    readonly TaskCompletionSource warmed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when <see cref="Warm"/> has ended, however it ended.</summary>
    public Task Warmed => warmed.Task;

    void WarmEntries(CancellationToken stop)
    {
        var keys = MonitorStore.AllKeys(database);
        using var loader = new Loader(database);
        foreach (var chunk in keys.Chunk(256))
        {
            if (stop.IsCancellationRequested) return;
            lock (gate)
            {
                var now = Database.Now(time);
                loader.Begin();
                foreach (var key in chunk)
                    if (!entries.ContainsKey(key) && loader.Load(key, now) is { } entry) entries[key] = entry;
                loader.End();
            }
        }
    }

    /// <summary>A monitor's row and rollups read with statements prepared once, for loading many, in
    /// one read transaction with the batch sequence number it holds.</summary>
    sealed class Loader : IDisposable
    {
        readonly SqliteConnection connection;
        readonly SqliteCommand monitor, hours, days;
        SqliteTransaction? transaction;
        long sequence;

        public Loader(Database database)
        {
            connection = database.Open();
            monitor = Sql.Prepare(connection, null, "SELECT enabled, status, accounted_until FROM monitors WHERE id = $id", "$id");
            hours = Sql.Prepare(connection, null,
                "SELECT checks, failures, enabled_ms, down_ms, degraded_ms, latency, maintenance_ms, offline_ms FROM rollups_hourly WHERE monitor_id = $id AND hour > $from AND hour <= $to",
                "$id", "$from", "$to");
            days = Sql.Prepare(connection, null,
                "SELECT checks, failures, enabled_ms, down_ms, degraded_ms, latency, maintenance_ms, offline_ms, day FROM rollups_daily WHERE monitor_id = $id AND day > $from AND day <= $to",
                "$id", "$from", "$to");
        }

        public void Begin()
        {
            End();
            transaction = connection.BeginTransaction(deferred: true);
            monitor.Transaction = hours.Transaction = days.Transaction = transaction;
            sequence = ResultWriter.ReadSequence(connection, transaction);
        }

        public void End()
        {
            transaction?.Dispose();
            transaction = null;
        }

        public Entry? Load(long key, long now)
        {
            var entry = new Entry { Hour = now / HourMs, Day = now / DayMs, LoadedAt = sequence };
            using (var row = monitor.Bind(key).ExecuteReader())
            {
                if (!row.Read()) return null;
                entry.Enabled = row.GetBoolean(0);
                entry.Status = (MonitorStatus)row.GetInt32(1);
                entry.AccountedUntil = row.IsDBNull(2) ? null : row.GetInt64(2);
            }
            using (var rows = hours.Bind(key, entry.Hour - 24, entry.Hour).ExecuteReader())
                while (rows.Read()) Add(entry.Hours, rows, 0);
            using (var rows = days.Bind(key, entry.Day - 90, entry.Day).ExecuteReader())
                while (rows.Read())
                    for (var w = 0; w < DaySpans.Length; w++)
                        if (rows.GetInt64(8) > entry.Day - DaySpans[w]) Add(entry.Days[w], rows, 0);
            entry.Trim();
            return entry;
        }

        public void Dispose()
        {
            End();
            monitor.Dispose();
            hours.Dispose();
            days.Dispose();
            connection.Dispose();
        }
    }

    /// <summary>Moves the windows' ends to <paramref name="now"/>, subtracting what leaves them; after a
    /// long gap, or if the sums ever disagree with the rollups, the entry is loaded afresh (or,
    /// without <paramref name="reload"/>, dropped). Null when there is no entry left.</summary>
    Entry? Roll(Entry entry, long key, long now, bool reload)
    {
        var hour = now / HourMs;
        var day = now / DayMs;
        if (hour <= entry.Hour && day <= entry.Day) return entry;
        if (hour - entry.Hour < 24 && day - entry.Day < 90)
        {
            try
            {
                RollInPlace(entry, key, hour, day);
                return entry;
            }
            catch (InvalidOperationException)
            {
            }
        }
        var fresh = reload ? Load(key, now) : null;
        if (fresh is null) entries.Remove(key);
        else entries[key] = fresh;
        return fresh;
    }

    void RollInPlace(Entry entry, long key, long hour, long day)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        if (ResultWriter.ReadSequence(connection, transaction) != Math.Max(entry.LoadedAt, applied))
            throw new InvalidOperationException("the database holds batches the cache has not applied yet");
        if (hour > entry.Hour)
        {
            using var leaving = connection.CreateCommand();
            leaving.Transaction = transaction;
            leaving.CommandText = "SELECT checks, failures, enabled_ms, down_ms, degraded_ms, latency, maintenance_ms, offline_ms FROM rollups_hourly WHERE monitor_id = $id AND hour > $from AND hour <= $to";
            leaving.Parameters.AddWithValue("$id", key);
            leaving.Parameters.AddWithValue("$from", entry.Hour - 24);
            leaving.Parameters.AddWithValue("$to", hour - 24);
            using var rows = leaving.ExecuteReader();
            while (rows.Read()) Subtract(entry.Hours, rows);
            entry.Hour = hour;
        }
        if (day > entry.Day)
        {
            for (var w = 0; w < DaySpans.Length; w++)
            {
                using var leaving = connection.CreateCommand();
                leaving.Transaction = transaction;
                leaving.CommandText = "SELECT checks, failures, enabled_ms, down_ms, degraded_ms, latency, maintenance_ms, offline_ms FROM rollups_daily WHERE monitor_id = $id AND day > $from AND day <= $to";
                leaving.Parameters.AddWithValue("$id", key);
                leaving.Parameters.AddWithValue("$from", entry.Day - DaySpans[w]);
                leaving.Parameters.AddWithValue("$to", day - DaySpans[w]);
                using var rows = leaving.ExecuteReader();
                while (rows.Read()) Subtract(entry.Days[w], rows);
            }
            entry.Day = day;
        }
        entry.Trim();
    }

    /// <summary>A row of <c>checks, failures, enabled_ms, down_ms, degraded_ms, latency, maintenance_ms, offline_ms</c> from <paramref name="offset"/>.</summary>
    static void Add(Aggregate aggregate, SqliteDataReader row, int offset) =>
        aggregate.Add(row.GetInt64(offset), row.GetInt64(offset + 1), row.GetInt64(offset + 2), row.GetInt64(offset + 3), row.GetInt64(offset + 4),
            row.IsDBNull(offset + 5) ? null : (byte[])row.GetValue(offset + 5), row.GetInt64(offset + 6), row.GetInt64(offset + 7));

    static void Subtract(Aggregate aggregate, SqliteDataReader row) =>
        aggregate.Subtract(row.GetInt64(0), row.GetInt64(1), row.GetInt64(2), row.GetInt64(3), row.GetInt64(4), row.IsDBNull(5) ? null : (byte[])row.GetValue(5),
            row.GetInt64(6), row.GetInt64(7));
}
