using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Flatline.Tests.Engine;

/// <summary>The scheduler on fake time, against a real SQLite file: what it dispatches, and when.</summary>
public sealed class SchedulerTests : IAsyncDisposable
{
    readonly TempFolder folder = new();
    readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    readonly SchedulerHeartbeat heartbeat = new();
    readonly ConcurrentQueue<(long Key, long At, long Due)> dispatched = new();
    readonly CancellationTokenSource stop = new();
    readonly CheckTypes checkTypes = CheckTypes.Create(TimeProvider.System);
    Database database = null!;
    MonitorStore store = null!;
    Scheduler scheduler = null!;
    Task loop = Task.CompletedTask;

    async Task StartAsync(bool finishImmediately = true)
    {
        scheduler = new Scheduler(store, new IncidentStore(database), checkTypes, heartbeat, time, NullLogger<Scheduler>.Instance);
        loop = Task.Run(() => scheduler.RunAsync(job =>
        {
            dispatched.Enqueue((job.Monitor.Key, time.GetUtcNow().ToUnixTimeMilliseconds(), job.DueMs));
            if (finishImmediately) job.Monitor.Finish();
            return true;
        }, stop.Token));
        await WaitForTick();
    }

    MonitorStore Store()
    {
        database = new Database(folder.File("flatline.db"));
        database.Initialize();
        return store = new MonitorStore(database, time);
    }

    StoredMonitor Add(string name, int interval = 10, string url = "http://127.0.0.1:9/") =>
        store.Create(new MonitorDraft(name, Config(url), interval, Math.Min(5, interval - 1), 0, true));

    static HttpMonitorConfig Config(string url) =>
        new(url, "GET", [System.Text.Json.JsonSerializer.SerializeToElement("2xx", FlatlineJson.Default.String)], null, null, null, true, true);

    async Task WaitForTick()
    {
        var target = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 0; i < 2000 && !scheduler.CaughtUp(target); i++) await Task.Delay(1);
        if (!scheduler.CaughtUp(target)) throw new TimeoutException("the scheduler did not catch up");
    }

    async Task Run(TimeSpan duration)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Scheduler.Tick)
        {
            time.Advance(Scheduler.Tick);
            await WaitForTick();
        }
    }

    /// <summary>Runs until the monitor's first dispatch (its phase is somewhere in its first interval): the
    /// next slot is then a whole interval away.</summary>
    async Task RunUntilFirstDispatch(long key)
    {
        for (var i = 0; i < 4000 && !dispatched.Any(d => d.Key == key); i++)
        {
            time.Advance(Scheduler.Tick);
            await WaitForTick();
        }
        await Assert.That(dispatched.Count(d => d.Key == key)).IsEqualTo(1);
    }

    [Test]
    public async Task Slots_skipped_by_an_overrun_are_not_caught_up()
    {
        await Assert.That(Scheduler.NextSlot(due: 1000, interval: 100, now: 1000)).IsEqualTo(1100L);
        await Assert.That(Scheduler.NextSlot(due: 1000, interval: 100, now: 1100)).IsEqualTo(1200L);
        await Assert.That(Scheduler.NextSlot(due: 1000, interval: 100, now: 1350)).IsEqualTo(1400L);
        await Assert.That(Scheduler.NextSlot(due: 1000, interval: 100, now: 1399)).IsEqualTo(1400L);
    }

    [Test]
    public async Task Each_monitor_is_dispatched_once_per_interval_on_its_own_grid()
    {
        Store();
        var a = Add("a", 10);
        var b = Add("b", 30);
        var start = time.GetUtcNow().ToUnixTimeMilliseconds();
        await StartAsync();
        await Run(TimeSpan.FromSeconds(91));

        var aTimes = dispatched.Where(d => d.Key == a.Key).Select(d => d.At).ToList();
        var bTimes = dispatched.Where(d => d.Key == b.Key).Select(d => d.At).ToList();
        // Every slot from the first one (its phase falls anywhere in the first interval) to the end.
        var end = time.GetUtcNow().ToUnixTimeMilliseconds();
        await Assert.That(aTimes.Count).IsEqualTo((int)((end - aTimes[0]) / 10_000) + 1);
        await Assert.That(bTimes.Count).IsEqualTo((int)((end - bTimes[0]) / 30_000) + 1);
        await Assert.That(aTimes[0] - start).IsLessThan(10_000L);
        await Assert.That(bTimes[0] - start).IsLessThan(30_000L);
        for (var i = 1; i < aTimes.Count; i++) await Assert.That(aTimes[i] - aTimes[i - 1]).IsEqualTo(10_000L);
        for (var i = 1; i < bTimes.Count; i++) await Assert.That(bTimes[i] - bTimes[i - 1]).IsEqualTo(30_000L);
        // Dispatched on the tick at or just after the due time, never before it.
        foreach (var d in dispatched) await Assert.That(d.At - d.Due).IsBetween(0L, (long)Scheduler.Tick.TotalMilliseconds);
    }

    [Test]
    public async Task Start_up_spreads_first_checks_across_the_interval()
    {
        Store();
        for (var i = 0; i < 600; i++) Add($"m{i}", 60);
        var start = time.GetUtcNow().ToUnixTimeMilliseconds();
        await StartAsync();
        await Run(TimeSpan.FromSeconds(60));

        var first = dispatched.GroupBy(d => d.Key).Select(g => g.Min(d => d.At)).ToList();
        await Assert.That(first.Count).IsEqualTo(600);
        // Ten checks a second: the grid is a whole second, and 600 monitors share its 60 slots.
        await Assert.That(scheduler.SlotMs).IsEqualTo(1000L);
        var perSlot = first.GroupBy(t => t / 1000).Select(g => g.Count()).ToList();
        // No slot may carry more than a small fraction of them (ten on average).
        await Assert.That(perSlot.Max()).IsLessThanOrEqualTo(25);
        await Assert.That(perSlot.Count).IsGreaterThanOrEqualTo(55);
        // And each was checked exactly once in its first interval. (A monitor whose slot falls right on
        // the start time is due again on the last tick, at the start of its second interval.)
        var firstInterval = dispatched.Where(d => d.Due < start + 60_000).ToList();
        await Assert.That(firstInterval.Count).IsEqualTo(600);
        await Assert.That(firstInterval.Select(d => d.Key).Distinct().Count()).IsEqualTo(600);
    }

    [Test]
    public async Task The_grid_is_as_coarse_as_the_schedule_allows()
    {
        // 500 monitors every 20 s: 25 checks a second fit a whole-second slot.
        await Assert.That(Scheduler.SlotFor(25)).IsEqualTo(1000L);
        await Assert.That(Scheduler.SlotFor(0)).IsEqualTo(1000L);
        // 10,000 monitors every 60 s: 167 a second, a 100 ms grid keeps 17 in a slot.
        await Assert.That(Scheduler.SlotFor(10_000 / 60.0)).IsEqualTo(100L);
        // A throughput schedule gets the tick itself.
        await Assert.That(Scheduler.SlotFor(6000)).IsEqualTo((long)Scheduler.Tick.TotalMilliseconds);
        foreach (var rate in new[] { 1.0, 40, 100, 300, 1000, 5000 })
        {
            var slot = Scheduler.SlotFor(rate);
            await Assert.That(1000 % slot).IsEqualTo(0L);
            if (slot > (long)Scheduler.Tick.TotalMilliseconds) await Assert.That(rate * slot / 1000).IsLessThanOrEqualTo(Scheduler.ChecksPerSlot);
        }
        await Assert.That(Scheduler.OnGrid(12_000, 1000)).IsEqualTo(12_000L);
        await Assert.That(Scheduler.OnGrid(12_001, 1000)).IsEqualTo(13_000L);
        await Assert.That(Scheduler.OnGrid(12_999, 250)).IsEqualTo(13_000L);
    }

    [Test]
    public async Task Due_times_fall_on_the_grid_and_a_check_made_at_once_returns_to_it()
    {
        Store();
        for (var i = 0; i < 50; i++) Add($"m{i}", 20);
        await StartAsync();
        await Run(TimeSpan.FromMilliseconds(1100));
        var late = Add("late", 20);
        var createdAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        scheduler.MonitorChanged(late.Key);
        await Run(TimeSpan.FromSeconds(45));

        await Assert.That(scheduler.SlotMs).IsEqualTo(1000L);
        var lateDues = dispatched.Where(d => d.Key == late.Key).Select(d => d.Due).ToList();
        // The new monitor at once, off the grid; then on it, a whole interval apart.
        await Assert.That(lateDues[0] - createdAt).IsBetween(0L, (long)Scheduler.Tick.TotalMilliseconds);
        await Assert.That(lateDues[0] % 1000).IsNotEqualTo(0L);
        await Assert.That(lateDues.Count).IsEqualTo(3);
        await Assert.That(lateDues[1] % 1000).IsEqualTo(0L);
        await Assert.That(lateDues[1] - lateDues[0]).IsBetween(20_000L, 21_000L);
        await Assert.That(lateDues[2] - lateDues[1]).IsEqualTo(20_000L);
        // Every check but that first one was due on the grid, and the 50 share no more than 20 slots.
        var onGrid = dispatched.Where(d => d.Due != lateDues[0]).ToList();
        foreach (var d in onGrid) await Assert.That(d.Due % 1000).IsEqualTo(0L);
        await Assert.That(onGrid.Where(d => d.Key != late.Key).Select(d => d.Due % 20_000).Distinct().Count()).IsLessThanOrEqualTo(20);
    }

    [Test]
    public async Task Between_checks_it_sleeps_and_its_heartbeat_says_until_when()
    {
        Store();
        var m = Add("m", 60);
        await StartAsync();
        var wakesBefore = scheduler.Wakes;
        // Two minutes in 25 ms steps: a loop that ticked would wake 4,800 times, one beating a heartbeat every second 120.
        await Run(TimeSpan.FromSeconds(120));
        var wakes = scheduler.Wakes - wakesBefore;
        await Assert.That(dispatched.Count(d => d.Key == m.Key)).IsBetween(2, 3);
        // A wake per check, one at most every MaxSleep (10 s) with nothing due, and a few where a wait ends early.
        await Assert.That(wakes).IsBetween(12L, 24L);
        // Alive all along, though it sleeps for seconds: /healthz reads when the next wake is planned.
        await Assert.That(heartbeat.Problem(time.GetUtcNow().ToUnixTimeMilliseconds())).IsNull();
    }

    [Test]
    public async Task The_heartbeat_tells_a_stalled_loop_from_a_sleeping_one()
    {
        var beat = new SchedulerHeartbeat();
        await Assert.That(beat.Problem(1_000)).IsEqualTo("the scheduler has not started");
        // Woke at 10 s, sleeps until 20 s: alive until 5 s past that.
        beat.Beat(10_000, 20_000);
        await Assert.That(beat.Problem(19_000)).IsNull();
        await Assert.That(beat.Problem(25_000)).IsNull();
        await Assert.That(beat.Problem(25_001)).IsEqualTo("the scheduler has not ticked for 15 s");
        // A loop busy in one wake (no next time planned yet) is stalled 5 s after its last beat.
        beat.Beat(30_000);
        await Assert.That(beat.Problem(35_000)).IsNull();
        await Assert.That(beat.Problem(36_000)).IsEqualTo("the scheduler has not ticked for 6 s");
    }

    [Test]
    public async Task A_long_stall_dispatches_each_monitor_once_not_a_burst()
    {
        Store();
        var m = Add("m", 10);
        await StartAsync();
        await Run(TimeSpan.FromSeconds(11));
        var before = dispatched.Count(d => d.Key == m.Key);

        time.Advance(TimeSpan.FromSeconds(95)); // the timer coalesces: one tick for 95 s
        await WaitForTick();
        await Assert.That(dispatched.Count(d => d.Key == m.Key) - before).IsEqualTo(1);
        await Run(TimeSpan.FromSeconds(10));
        await Assert.That(dispatched.Count(d => d.Key == m.Key) - before).IsEqualTo(2);
    }

    [Test]
    public async Task A_check_still_running_skips_the_slot_instead_of_queueing()
    {
        Store();
        var m = Add("m", 10);
        await StartAsync(finishImmediately: false);
        // The first slot falls somewhere in the first 10 s; 45 s hold at least four slots.
        await Run(TimeSpan.FromSeconds(45));
        await Assert.That(dispatched.Count(d => d.Key == m.Key)).IsEqualTo(1);
        await Assert.That(scheduler.SkippedSlots).IsGreaterThanOrEqualTo(3L);
    }

    [Test]
    public async Task A_new_monitor_is_dispatched_on_the_next_tick_and_a_deleted_one_never_again()
    {
        Store();
        await StartAsync();
        await Run(TimeSpan.FromSeconds(1));
        var m = Add("late", 60);
        var createdAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        scheduler.MonitorChanged(m.Key);
        await Run(TimeSpan.FromMilliseconds(200));
        var first = dispatched.Single(d => d.Key == m.Key);
        await Assert.That(first.At - createdAt).IsLessThanOrEqualTo((long)Scheduler.Tick.TotalMilliseconds);

        store.Delete(m.View.Id);
        scheduler.MonitorChanged(m.Key);
        await Run(TimeSpan.FromSeconds(125));
        await Assert.That(dispatched.Count(d => d.Key == m.Key)).IsEqualTo(1);
    }

    [Test]
    public async Task Monitors_taken_on_their_phase_are_spread_across_the_interval_as_at_start_up()
    {
        // An agent's first assignments: six hundred monitors arrive together while it runs.
        Store();
        await StartAsync();
        await Run(TimeSpan.FromSeconds(1));
        var added = Enumerable.Range(0, 600).Select(i => Add($"m{i}", 60)).ToList();
        var takenAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var m in added) scheduler.MonitorChanged(m.Key, atOnce: false);
        await Run(TimeSpan.FromSeconds(60));

        var first = dispatched.GroupBy(d => d.Key).Select(g => g.Min(d => d.At)).ToList();
        await Assert.That(first.Count).IsEqualTo(600);
        await Assert.That(first.All(t => t >= takenAt && t < takenAt + 60_000 + (long)Scheduler.Tick.TotalMilliseconds)).IsTrue();
        var perSlot = first.GroupBy(t => t / 1000).Select(g => g.Count()).ToList();
        await Assert.That(perSlot.Max()).IsLessThanOrEqualTo(25);
        await Assert.That(perSlot.Count).IsGreaterThanOrEqualTo(55);

        // The same change at once (a monitor edited while the agent runs) is checked on the next tick.
        var late = Add("late", 60);
        var changedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        scheduler.MonitorChanged(late.Key, atOnce: true);
        await Run(TimeSpan.FromMilliseconds(200));
        await Assert.That(dispatched.Single(d => d.Key == late.Key).At - changedAt).IsLessThanOrEqualTo((long)Scheduler.Tick.TotalMilliseconds);
    }

    [Test]
    public async Task A_rename_keeps_the_schedule_and_a_config_change_checks_at_once()
    {
        Store();
        var m = Add("m", 60);
        await StartAsync();
        await RunUntilFirstDispatch(m.Key);

        store.Update(m.View.Id, m.Draft with { Name = "renamed" });
        scheduler.MonitorChanged(m.Key);
        await Run(TimeSpan.FromSeconds(1));
        await Assert.That(dispatched.Count(d => d.Key == m.Key)).IsEqualTo(1);

        store.Update(m.View.Id, m.Draft with { Name = "renamed", Config = Config("http://127.0.0.1:10/") });
        scheduler.MonitorChanged(m.Key);
        await Run(TimeSpan.FromMilliseconds(200));
        await Assert.That(dispatched.Count(d => d.Key == m.Key)).IsEqualTo(2);
    }

    [Test]
    public async Task A_paused_monitor_is_not_dispatched_and_a_resumed_one_is_at_once()
    {
        Store();
        var m = Add("m", 60);
        await StartAsync();
        await RunUntilFirstDispatch(m.Key);
        store.Update(m.View.Id, m.Draft with { Enabled = false });
        scheduler.MonitorChanged(m.Key);
        await Run(TimeSpan.FromSeconds(130));
        await Assert.That(dispatched.Count(d => d.Key == m.Key)).IsEqualTo(1);

        store.Update(m.View.Id, m.Draft with { Enabled = true });
        scheduler.MonitorChanged(m.Key);
        await Run(TimeSpan.FromMilliseconds(200));
        await Assert.That(dispatched.Count(d => d.Key == m.Key)).IsEqualTo(2);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
        checkTypes.Dispose();
        database.ReleaseConnections();
        folder.Dispose();
    }
}
