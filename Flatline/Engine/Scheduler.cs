namespace Flatline;

/// <summary>A due check on its way to the probe pool.</summary>
public sealed record ProbeJob(ScheduledMonitor Monitor, int Revision, IProbe Probe, CheckSpec Spec, long DueMs);

/// <summary>The scheduler's view of one enabled monitor. Mutated only on the scheduler's loop,
/// except <see cref="InFlight"/>, which the probe pool clears.</summary>
public sealed class ScheduledMonitor(long key, string uid)
{
    public long Key { get; } = key;
    public string Uid { get; } = uid;
    public int Revision { get; set; }
    public int IntervalMs { get; set; }
    public IProbe Probe { get; set; } = null!;
    public CheckSpec Spec { get; set; } = null!;
    public long NextDueMs { get; set; }
    int inFlight;

    public bool InFlight => Volatile.Read(ref inFlight) == 1;
    public bool TryStart() => Interlocked.CompareExchange(ref inFlight, 1, 0) == 0;
    public void Finish() => Volatile.Write(ref inFlight, 0);
}

/// <summary>Where the scheduler reads the monitors it checks: the database on the main node (the ones whose
/// locations include <c>local</c>), the assignments it pulled on an agent.</summary>
public interface IScheduleSource
{
    /// <summary>Every monitor to schedule at start.</summary>
    IEnumerable<StoredMonitor> LoadAll();

    /// <summary>The monitor as it is now; null when it is gone or not this node's to check.</summary>
    StoredMonitor? Get(long key);
}

/// <summary>The main node's monitors: the ones that list <c>local</c>. Restart keeps the truth: a monitor
/// with an open incident starts down.</summary>
public sealed class StoredSchedule(MonitorStore monitors, IncidentStore incidents) : IScheduleSource
{
    public IEnumerable<StoredMonitor> LoadAll()
    {
        incidents.MarkOpenIncidentsDown();
        return monitors.List().Where(CheckedHere);
    }

    public StoredMonitor? Get(long key) => monitors.Get(key) is { } monitor && CheckedHere(monitor) ? monitor : null;

    static bool CheckedHere(StoredMonitor monitor) => monitor.View.Locations.Contains(LocationNames.Local);
}

/// <summary>One scheduler for every monitor: a heap of due times ticked by a
/// <see cref="PeriodicTimer"/>. Ticks coalesce and missed slots are skipped, so an overrun never
/// bursts; a monitor whose previous check still runs skips a slot rather than queueing up.</summary>
public sealed class Scheduler(IScheduleSource source, CheckTypes checkTypes, SchedulerHeartbeat heartbeat, TimeProvider time,
    ILogger<Scheduler> logger) : IMonitorChangeListener
{
    public Scheduler(MonitorStore monitors, IncidentStore incidents, CheckTypes checkTypes, SchedulerHeartbeat heartbeat, TimeProvider time, ILogger<Scheduler> logger)
        : this(new StoredSchedule(monitors, incidents), checkTypes, heartbeat, time, logger)
    {
    }

    // Short enough that a check starts within 25 ms of its due time; a tick with nothing due costs microseconds.
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(25);

    readonly Dictionary<long, ScheduledMonitor> scheduled = [];
    // Lazy deletion: an entry whose due time no longer matches its monitor's is stale and skipped.
    readonly PriorityQueue<ScheduledMonitor, long> heap = new();
    readonly System.Collections.Concurrent.ConcurrentQueue<long> changes = new();

    public int Count => scheduled.Count;
    public long SkippedSlots { get; private set; }

    readonly System.Collections.Concurrent.ConcurrentQueue<long> soon = new();

    /// <summary>After a create, update or delete commits; applied on the next tick.</summary>
    public void MonitorChanged(long key)
    {
        Interlocked.Increment(ref pendingChanges);
        changes.Enqueue(key);
    }

    long pendingChanges;

    /// <summary>Changes told to the scheduler that it has not finished reading from the database yet
    /// (tests that then write the monitors table directly wait for 0).</summary>
    internal long PendingChanges => Interlocked.Read(ref pendingChanges);

    /// <summary>Checks the monitor on the next tick (its grid moves to now), e.g. when a maintenance
    /// window that held back its alerts ends.</summary>
    public void CheckNow(long key) => soon.Enqueue(key);

    public async Task RunAsync(Func<ProbeJob, bool> dispatch, CancellationToken stoppingToken)
    {
        LoadAll(Database.Now(time));
        using var timer = new PeriodicTimer(Tick, time);
        heartbeat.Beat(Database.Now(time));
        try
        {
            do
            {
                var now = Database.Now(time);
                ApplyChanges(now);
                while (soon.TryDequeue(out var key))
                    if (scheduled.TryGetValue(key, out var entry)) Enqueue(entry, now);
                DispatchDue(now, dispatch);
                // After the work: a beat means the scheduler got through a whole tick.
                heartbeat.Beat(now);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>At start-up each monitor's first check falls on its own phase within its interval
    /// (stable across restarts), so thousands of monitors never start at once.</summary>
    void LoadAll(long now)
    {
        foreach (var monitor in source.LoadAll())
        {
            if (!Polled(monitor)) continue;
            var entry = Upsert(monitor);
            var interval = entry.IntervalMs;
            var phase = (long)(StablePhase(entry.Uid) % (ulong)interval);
            var due = now - (now % interval) + phase;
            if (due < now) due += interval;
            Enqueue(entry, due);
        }
        SchedulerLog.Loaded(logger, scheduled.Count);
    }

    void ApplyChanges(long now)
    {
        while (changes.TryDequeue(out var key))
        {
            try
            {
                var monitor = source.Get(key);
                if (monitor is null || !Polled(monitor))
                {
                    scheduled.Remove(key);
                    continue;
                }
                var known = scheduled.TryGetValue(key, out var existing);
                var previousRevision = existing?.Revision;
                var entry = Upsert(monitor);
                // New, re-enabled or re-configured: check now. A rename keeps the schedule as it is.
                if (!known || previousRevision != entry.Revision) Enqueue(entry, now);
            }
            finally
            {
                Interlocked.Decrement(ref pendingChanges);
            }
        }
    }

    /// <summary>Enabled, and of a type the probe pool checks (a push monitor's results come to it).</summary>
    bool Polled(StoredMonitor monitor) => monitor.View.Enabled && checkTypes[monitor.View.Config].Probe is not null;

    ScheduledMonitor Upsert(StoredMonitor monitor)
    {
        if (!scheduled.TryGetValue(monitor.Key, out var entry))
        {
            entry = new ScheduledMonitor(monitor.Key, monitor.View.Id);
            scheduled[monitor.Key] = entry;
        }
        entry.Revision = monitor.Revision;
        entry.IntervalMs = monitor.View.Interval * 1000;
        var checkType = checkTypes[monitor.View.Config];
        entry.Probe = checkType.Probe!;
        entry.Spec = checkType.Compile(monitor.View.Config, TimeSpan.FromSeconds(monitor.View.Timeout));
        return entry;
    }

    void Enqueue(ScheduledMonitor entry, long due)
    {
        entry.NextDueMs = due;
        heap.Enqueue(entry, due);
    }

    void DispatchDue(long now, Func<ProbeJob, bool> dispatch)
    {
        while (heap.TryPeek(out var entry, out var due) && due <= now)
        {
            heap.Dequeue();
            if (!scheduled.TryGetValue(entry.Key, out var current) || !ReferenceEquals(current, entry) || entry.NextDueMs != due)
                continue;
            if (entry.TryStart())
            {
                if (!dispatch(new ProbeJob(entry, entry.Revision, entry.Probe, entry.Spec, due)))
                {
                    entry.Finish();
                    SkippedSlots++;
                }
            }
            else SkippedSlots++;
            Enqueue(entry, NextSlot(due, entry.IntervalMs, now));
        }
    }

    /// <summary>The first slot after <paramref name="now"/> on this monitor's grid: slots missed
    /// during an overrun are skipped, never caught up.</summary>
    public static long NextSlot(long due, long interval, long now)
    {
        var next = due + interval;
        if (next <= now) next += ((now - next) / interval + 1) * interval;
        return next;
    }

    // FNV-1a: string.GetHashCode is randomised per process and would move phases on every restart.
    static ulong StablePhase(string uid)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in uid)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}

static partial class SchedulerLog
{
    [LoggerMessage(10, LogLevel.Information, "Scheduler started with {Count} enabled monitors")]
    public static partial void Loaded(ILogger logger, int count);
}
