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

/// <summary>One scheduler for every monitor: a heap of due times, and a loop that sleeps until the
/// earliest of them or a change. Missed slots are skipped, so an overrun never bursts; a monitor
/// whose previous check still runs skips a slot rather than queueing up.</summary>
/// <remarks>Between two wakes at least <see cref="Tick"/> passes, so a busy schedule is served in
/// batches (a check starts at most one tick after its due time) and a quiet one costs nothing
/// between its checks, however far apart (up to <see cref="MaxSleep"/>); each wake beats the
/// heartbeat /healthz reads, with the time of the next. Due times fall on a grid
/// (<see cref="SlotMs"/>, a second for a small schedule) so that monitors due within a slot are
/// served by one wake and one commit; a check made at once (new, re-configured, CheckNow) is off
/// the grid, and its next one is back on it.</remarks>
public sealed class Scheduler(IScheduleSource source, CheckTypes checkTypes, SchedulerHeartbeat heartbeat, TimeProvider time,
    ILogger<Scheduler> logger) : IMonitorChangeListener
{
    public Scheduler(MonitorStore monitors, IncidentStore incidents, CheckTypes checkTypes, SchedulerHeartbeat heartbeat, TimeProvider time, ILogger<Scheduler> logger)
        : this(new StoredSchedule(monitors, incidents), checkTypes, heartbeat, time, logger)
    {
    }

    /// <summary>The least time between two wakes: a check starts within this of its due time.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(25);

    /// <summary>Due times fall on a grid of this many ms, chosen from how many checks a second the
    /// schedule holds: the coarsest of <see cref="Slots"/> that keeps about <see cref="ChecksPerSlot"/>
    /// checks in a slot. Checks due close together then start in one wake and commit in one batch,
    /// instead of a wake, a probe and a commit each; a busy schedule gets the finest grid, so a slot's
    /// checks never queue long enough to be late.</summary>
    public long SlotMs => SlotFor(checksPerSecond);

    /// <summary>The grids a schedule may use, coarsest first: each divides a whole second, so a monitor
    /// keeps its place on the grid from one check to the next (intervals are whole seconds).</summary>
    public static readonly int[] Slots = [1000, 500, 250, 100, 50, 25];

    /// <summary>How many checks a slot may hold before the grid gets finer.</summary>
    public const int ChecksPerSlot = 32;

    /// <summary>The grid for a schedule of <paramref name="checksPerSecond"/> checks a second.</summary>
    public static long SlotFor(double checksPerSecond)
    {
        foreach (var slot in Slots)
            if (checksPerSecond * slot / 1000 <= ChecksPerSlot) return slot;
        return Slots[^1];
    }

    /// <summary>The first time on a grid of <paramref name="slot"/> ms at or after <paramref name="ms"/>.</summary>
    public static long OnGrid(long ms, long slot)
    {
        var rest = ms % slot;
        return rest == 0 ? ms : ms - rest + slot;
    }

    // The sum of 1/interval over the scheduled monitors, kept by Upsert and Remove.
    double checksPerSecond;

    /// <summary>The longest sleep, with nothing due (a change or a CheckNow wakes it sooner). The heartbeat
    /// says when the next wake is planned, so /healthz needs no wake in between; the bound is for the
    /// wall clock, should it step forward while the loop sleeps on a relative timer.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(10);

    readonly Dictionary<long, ScheduledMonitor> scheduled = [];
    // Lazy deletion: an entry whose due time no longer matches its monitor's is stale and skipped.
    readonly PriorityQueue<ScheduledMonitor, long> heap = new();
    readonly System.Collections.Concurrent.ConcurrentQueue<(long Key, bool AtOnce)> changes = new();

    public int Count => scheduled.Count;
    public long SkippedSlots { get; private set; }

    /// <summary>How often the loop has woken since it started.</summary>
    public long Wakes { get; private set; }

    readonly System.Collections.Concurrent.ConcurrentQueue<long> soon = new();

    // The loop waits on this; a change, a CheckNow, the timer and stopping complete it.
    TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Requests (changes and CheckNows) made, and the count the last finished wake had seen.
    // handled starts behind: nothing is caught up before the first wake has loaded the schedule.
    long requested, handled = -1;
    // When the loop sleeps: the time it will look again; long.MinValue while it works.
    long sleepingUntil = long.MinValue;

    /// <summary>After a create, update or delete commits; applied within a tick.</summary>
    public void MonitorChanged(long key) => MonitorChanged(key, atOnce: true);

    /// <summary>As <see cref="MonitorChanged(long)"/>; a new or re-configured monitor is checked at once, or,
    /// without <paramref name="atOnce"/>, first on its own phase as at start-up (an agent taking its
    /// monitors: hundreds arrive together and must not all start in one tick).</summary>
    public void MonitorChanged(long key, bool atOnce)
    {
        Interlocked.Increment(ref pendingChanges);
        changes.Enqueue((key, atOnce));
        Request();
    }

    long pendingChanges;

    /// <summary>Changes told to the scheduler that it has not finished reading from the database yet
    /// (tests that then write the monitors table directly wait for 0).</summary>
    internal long PendingChanges => Interlocked.Read(ref pendingChanges);

    /// <summary>Whether the loop has done everything asked of it and everything due by
    /// <paramref name="target"/> (Unix ms): it woke at or after it, or sleeps past it.</summary>
    internal bool CaughtUp(long target) =>
        Interlocked.Read(ref handled) == Interlocked.Read(ref requested)
        && (heartbeat.LastTickMs >= target || Interlocked.Read(ref sleepingUntil) > target);

    /// <summary>Checks the monitor within a tick (its grid moves to then), e.g. when a maintenance
    /// window that held back its alerts ends.</summary>
    public void CheckNow(long key)
    {
        soon.Enqueue(key);
        Request();
    }

    // Counted after the queue holds the item: a wake that saw the count drains the item too. Taken
    // in on the next tick, as the loop's own timer brings it (under fake time too), at once or
    // at most a tick later; never later than the wake already set, however many requests come.
    void Request()
    {
        Interlocked.Increment(ref requested);
        Arm(Database.Now(time) + (long)Tick.TotalMilliseconds);
    }

    void Wake() => Volatile.Read(ref signal).TrySetResult();

    ITimer? timer;
    long armedFor = long.MaxValue; // when the timer fires next (Unix ms); MaxValue when not set

    // Sets the timer to fire at `at` unless it fires sooner already (or always). No lock: the timer's
    // callback may run inside Change (a fake clock does that), and two Changes that cross can only
    // make a wake early, never lose a request: the loop re-arms for requests it did not take in.
    void Arm(long at, bool always = false)
    {
        if (Volatile.Read(ref timer) is not { } current) return;
        while (true)
        {
            var armed = Interlocked.Read(ref armedFor);
            if (!always && at >= armed) return;
            if (Interlocked.CompareExchange(ref armedFor, at, armed) == armed) break;
        }
        current.Change(TimeSpan.FromMilliseconds(Math.Max(0, at - Database.Now(time))), Timeout.InfiniteTimeSpan);
    }

    void Fired()
    {
        Interlocked.Exchange(ref armedFor, long.MaxValue);
        Wake();
    }

    public async Task RunAsync(Func<ProbeJob, bool> dispatch, CancellationToken stoppingToken)
    {
        // Alive from here: /healthz answers while the schedule loads (a few hundred ms at ten thousand monitors).
        heartbeat.Beat(Database.Now(time));
        LoadAll(Database.Now(time));
        var clock = time.CreateTimer(_ => Fired(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref timer, clock);
        using var stopping = stoppingToken.Register(Wake);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Interlocked.Exchange(ref sleepingUntil, long.MinValue);
                Wakes++;
                var seen = Interlocked.Read(ref requested);
                // A fresh signal before the queues are read: whatever comes after the reads wakes the next wait.
                var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref signal, woken);

                var now = Database.Now(time);
                ApplyChanges(now);
                while (soon.TryDequeue(out var key))
                    if (scheduled.TryGetValue(key, out var entry)) Enqueue(entry, now);
                DispatchDue(now, dispatch);
                var wait = (long)MaxSleep.TotalMilliseconds;
                if (NextDue() is { } due) wait = Math.Clamp(due - now, (long)Tick.TotalMilliseconds, wait);
                // After the work: a beat means the scheduler got through a whole wake, and says when the next is.
                heartbeat.Beat(now, now + wait);
                Interlocked.Exchange(ref handled, seen);
                Interlocked.Exchange(ref sleepingUntil, now + wait);
                Arm(now + wait, always: true);
                // A request that came while this wake worked, after its count was read: a tick from now.
                if (Interlocked.Read(ref requested) != seen) Arm(now + (long)Tick.TotalMilliseconds, always: true);
                await woken.Task;
            }
        }
        finally
        {
            Volatile.Write(ref timer, null);
            clock.Dispose();
        }
    }

    // The earliest due time in the heap, stale entries dropped on the way.
    long? NextDue()
    {
        while (heap.TryPeek(out var entry, out var due))
        {
            if (scheduled.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry) && entry.NextDueMs == due) return due;
            heap.Dequeue();
        }
        return null;
    }

    /// <summary>At start-up each monitor's first check falls on its own phase within its interval
    /// (stable across restarts), so thousands of monitors never start at once.</summary>
    void LoadAll(long now)
    {
        foreach (var monitor in source.LoadAll())
            if (Polled(monitor)) Upsert(monitor);
        // The grid once the whole schedule is known.
        var slot = SlotMs;
        foreach (var entry in scheduled.Values) Enqueue(entry, PhaseDue(entry, now, slot));
        SchedulerLog.Loaded(logger, scheduled.Count);
    }

    /// <summary>The monitor's next slot on its own phase, within one interval from <paramref name="now"/>.</summary>
    static long PhaseDue(ScheduledMonitor entry, long now, long slot)
    {
        var interval = entry.IntervalMs;
        var due = OnGrid(now - (now % interval) + (long)(StablePhase(entry.Uid) % (ulong)interval), slot);
        if (due < now) due += interval;
        // Rounded up past the interval's end: the slot at the start of it is the same place.
        if (due >= now + interval) due -= interval;
        return due;
    }

    void ApplyChanges(long now)
    {
        while (changes.TryDequeue(out var change))
        {
            var key = change.Key;
            try
            {
                var monitor = source.Get(key);
                if (monitor is null || !Polled(monitor))
                {
                    if (scheduled.Remove(key, out var gone)) checksPerSecond -= 1000.0 / gone.IntervalMs;
                    continue;
                }
                var known = scheduled.TryGetValue(key, out var existing);
                var previousRevision = existing?.Revision;
                var entry = Upsert(monitor);
                // New, re-enabled or re-configured: check now (or on its phase). A rename keeps the schedule as it is.
                if (!known || previousRevision != entry.Revision) Enqueue(entry, change.AtOnce ? now : PhaseDue(entry, now, SlotMs));
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
        else checksPerSecond -= 1000.0 / entry.IntervalMs;
        entry.Revision = monitor.Revision;
        entry.IntervalMs = monitor.View.Interval * 1000;
        checksPerSecond += 1000.0 / entry.IntervalMs;
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
        var slot = SlotMs;
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
            // A check made at once (new, changed, CheckNow) puts the monitor back on the grid.
            Enqueue(entry, OnGrid(NextSlot(due, entry.IntervalMs, now), slot));
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
