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
        var perTick = first.GroupBy(t => t / 100).Select(g => g.Count()).ToList();
        // 600 monitors over 600 ticks: no tick may carry more than a small fraction of them.
        await Assert.That(perTick.Max()).IsLessThanOrEqualTo(12);
        await Assert.That(perTick.Count).IsGreaterThanOrEqualTo(250);
        // And each was checked exactly once in its first interval. (A monitor whose slot falls right on
        // the start time is due again on the last tick, at the start of its second interval.)
        var firstInterval = dispatched.Where(d => d.Due < start + 60_000).ToList();
        await Assert.That(firstInterval.Count).IsEqualTo(600);
        await Assert.That(firstInterval.Select(d => d.Key).Distinct().Count()).IsEqualTo(600);
    }

    [Test]
    public async Task Between_checks_it_sleeps_waking_once_a_second_at_most_to_beat_its_heartbeat()
    {
        Store();
        var m = Add("m", 60);
        await StartAsync();
        var wakesBefore = scheduler.Wakes;
        // Two minutes in 25 ms steps: a loop that ticked would wake 4,800 times.
        await Run(TimeSpan.FromSeconds(120));
        var wakes = scheduler.Wakes - wakesBefore;
        await Assert.That(dispatched.Count(d => d.Key == m.Key)).IsBetween(2, 3);
        // Once a second for the heartbeat, plus a wake per check and a few where a wait ends early.
        await Assert.That(wakes).IsBetween(110L, 130L);
        await Assert.That(heartbeat.Problem(time.GetUtcNow().ToUnixTimeMilliseconds())).IsNull();
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
