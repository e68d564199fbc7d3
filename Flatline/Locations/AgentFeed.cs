using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>The agents' view of the monitors: a revision that moves on every monitor change (and never back,
/// across restarts: it starts from the clock), a task that completes on the next change for the long polls,
/// and each location's assignments, built once per revision. The same list says which monitors a location's
/// agent may send results for.</summary>
public sealed class AgentFeed(MonitorStore monitors, CheckTypes checkTypes, TimeProvider time) : IMonitorChangeListener
{
    sealed record Built(long Revision, List<AgentMonitor> Monitors, Dictionary<string, long> Keys);

    readonly Lock gate = new();
    readonly Dictionary<string, Built> built = new(StringComparer.Ordinal);
    long revision = Database.Now(time) * 1000;
    TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Revision => Interlocked.Read(ref revision);

    /// <summary>Completes at the next change after this call.</summary>
    public Task Changed
    {
        get { lock (gate) return changed.Task; }
    }

    public void MonitorChanged(long key)
    {
        TaskCompletionSource done;
        lock (gate)
        {
            Interlocked.Increment(ref revision);
            built.Clear();
            done = changed;
            changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult();
    }

    /// <summary>The location's monitors at the current revision, and each one's internal key by id.</summary>
    public (long Revision, List<AgentMonitor> Monitors, Dictionary<string, long> Keys) For(string location)
    {
        long at;
        lock (gate)
        {
            at = revision;
            if (built.TryGetValue(location, out var cached) && cached.Revision == at) return (cached.Revision, cached.Monitors, cached.Keys);
        }
        var list = new List<AgentMonitor>();
        var keys = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var monitor in monitors.List())
        {
            var view = monitor.View;
            if (!view.Enabled || !view.Locations.Contains(location) || checkTypes[view.Config].Probe is null) continue;
            list.Add(new AgentMonitor(view.Id, monitor.Revision, view.Name, view.Config, view.Interval, view.Timeout));
            keys[view.Id] = monitor.Key;
        }
        var fresh = new Built(at, list, keys);
        lock (gate)
            if (revision == at) built[location] = fresh;
        return (fresh.Revision, fresh.Monitors, fresh.Keys);
    }
}

/// <summary>Counts down the results of one batch as the writer stores them; the batch is answered at zero.</summary>
public sealed class BatchReceipt(int count) : IResultReceipt
{
    int left = count;
    readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Done => left == 0 ? Task.CompletedTask : done.Task;

    public void Persisted()
    {
        if (Interlocked.Decrement(ref left) == 0) done.TrySetResult();
    }
}

/// <summary>An agent's last stored sequence number, in the writer's transaction: after a restart of the main
/// node a batch whose answer was lost is recognised again.</summary>
public sealed class AgentSequenceRecorder : IResultRecorder
{
    public RecordStage Stage => RecordStage.Check;

    public IBatchRecorder Begin(SqliteConnection connection, SqliteTransaction transaction) => new Batch(Sql.Prepare(connection, transaction,
        "UPDATE locations SET last_seq = $seq WHERE id = $id AND last_seq < $seq", "$seq", "$id"));

    sealed class Batch(SqliteCommand update) : IBatchRecorder
    {
        public void Record(RecordedResult r)
        {
            if (r.LocationId != 0) update.Bind(r.Seq, r.LocationId).ExecuteNonQuery();
        }

        public void Dispose() => update.Dispose();
    }
}

/// <summary>Per location and hour, the checks, failures and latency of a monitor checked from several
/// locations: the stats of one location (the monitor's own rollups are the combined view).</summary>
public sealed class LocationRollupRecorder : IResultRecorder
{
    public RecordStage Stage => RecordStage.History;

    public IBatchRecorder Begin(SqliteConnection connection, SqliteTransaction transaction) => new Batch(
        Sql.Prepare(connection, transaction, """
            INSERT INTO location_rollups (monitor_id, location, hour, checks, failures) VALUES ($id, $location, $hour, 1, $failed)
            ON CONFLICT (monitor_id, location, hour) DO UPDATE SET checks = checks + 1, failures = failures + excluded.failures
            RETURNING latency
            """, "$id", "$location", "$hour", "$failed"),
        Sql.Prepare(connection, transaction, "UPDATE location_rollups SET latency = $latency WHERE monitor_id = $id AND location = $location AND hour = $hour",
            "$latency", "$id", "$location", "$hour"));

    sealed class Batch(SqliteCommand add, SqliteCommand latency) : IBatchRecorder
    {
        public void Record(RecordedResult r)
        {
            if (r.Locations is [LocationNames.Local]) return;
            var hour = r.CheckAt / RollupWriter.HourMs;
            var stored = add.Bind(r.MonitorKey, r.Location, hour, r.Outcome.Ok ? 0 : 1).ExecuteScalar();
            if (!r.Outcome.Ok || r.Outcome.LatencyUs is not { } us) return;
            var histogram = stored is byte[] bytes ? LatencyHistogram.FromBytes(bytes) : new LatencyHistogram();
            histogram.Add(us);
            latency.Bind(histogram.ToBytes(), r.MonitorKey, r.Location, hour).ExecuteNonQuery();
        }

        public void Dispose()
        {
            add.Dispose();
            latency.Dispose();
        }
    }
}
