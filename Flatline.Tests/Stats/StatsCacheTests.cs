using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Flatline.Tests.Stats;

/// <summary>The running windows must always equal windows loaded afresh from the rollups, across
/// hour and day rollovers, outages and a long gap.</summary>
public sealed class StatsCacheTests : IDisposable
{
    readonly TempFolder folder = new();

    [Test]
    public async Task Running_windows_equal_a_fresh_load_at_every_step_over_four_days()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 22, 0, 0, TimeSpan.Zero));
        var database = new Database(folder.File("flatline.db"));
        database.Initialize();
        var config = new HttpMonitorConfig("http://127.0.0.1:9/", "GET",
            [JsonSerializer.SerializeToElement("2xx", FlatlineJson.Default.String)], null, null, null, true, true);
        var monitor = new MonitorStore(database, time).Create(new MonitorDraft("m", config, 600, 10, 0, true));
        var cache = new StatsCache(database, time);
        await Assert.That(cache.Get(monitor.Key, monitor.View.Id)).IsNotNull();

        var random = new Random(7);
        var state = new MonitorState(MonitorStatus.Unknown, 0);
        var accounted = time.GetUtcNow().ToUnixTimeMilliseconds();
        var compared = 0;
        for (var step = 0; step < 4 * 144; step++)
        {
            // Ten minutes on, sometimes hours (as if Flatline had been stopped).
            time.Advance(TimeSpan.FromMinutes(step switch { 150 => 5 * 60 + 20, 300 => 26 * 60, 420 => 23 * 60 + 50, _ => 10 }));
            var at = time.GetUtcNow().ToUnixTimeMilliseconds();
            var ok = !(step % 97 is > 40 and < 50);
            long? latency = ok ? 20_000 + random.Next(200_000) : null;
            var (next, transition) = StateMachine.Apply(state, ok, 0);

            using (var connection = database.Open())
            {
                var transaction = connection.BeginTransaction();
                using (var rollups = new RollupWriter(connection, transaction))
                {
                    rollups.AddSpan(monitor.Key, accounted, at, state.Status == MonitorStatus.Down);
                    rollups.AddCheck(monitor.Key, at, ok, latency);
                }
                using (var update = connection.CreateCommand())
                {
                    update.Transaction = transaction;
                    update.CommandText = $"UPDATE monitors SET status = {(int)next.Status}, accounted_until = {at} WHERE id = {monitor.Key}";
                    update.ExecuteNonQuery();
                }
                // As the writer does: the batch's sequence number in its transaction, the cache told after the commit.
                ResultWriter.StoreSequence(connection, transaction, step + 1);
                transaction.Commit();
                transaction.Dispose();
                var outcome = ok ? new ProbeOutcome(true, 200, latency, null, null) : ProbeOutcome.Failure("connection refused");
                cache.OnCommitted(new CommittedBatch(step + 1,
                    [new CommittedCheck(monitor.Key, monitor.View.Id, at, outcome, next, transition, null, accounted, state.Status == MonitorStatus.Down)], 0));
            }
            state = next;
            accounted = at;

            if (step % 7 == 0 || step is 150 or 300 or 420)
            {
                time.Advance(TimeSpan.FromMinutes(3)); // read between checks: the live span counts too
                var running = JsonSerializer.Serialize(cache.Get(monitor.Key, monitor.View.Id)!, FlatlineJson.Default.MonitorStats);
                var fresh = JsonSerializer.Serialize(new StatsCache(database, time).Get(monitor.Key, monitor.View.Id)!, FlatlineJson.Default.MonitorStats);
                await Assert.That(running).IsEqualTo(fresh).Because($"step {step}: running {running} fresh {fresh}");
                compared++;
            }
        }
        await Assert.That(compared).IsGreaterThan(80);
        var final = cache.Get(monitor.Key, monitor.View.Id)!.Windows;
        await Assert.That(final.Last7Days.Failures).IsGreaterThan(0L);
        await Assert.That(final.Last7Days.Uptime!.Value).IsLessThan(1.0);
    }

    [Test]
    public async Task Warming_loads_every_monitor_as_a_fresh_load_would_and_keeps_entries_already_in_memory()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 15, 30, 0, TimeSpan.Zero));
        var database = new Database(folder.File("flatline.db"));
        database.Initialize();
        var config = new HttpMonitorConfig("http://127.0.0.1:9/", "GET",
            [JsonSerializer.SerializeToElement("2xx", FlatlineJson.Default.String)], null, null, null, true, true);
        var store = new MonitorStore(database, time);
        var monitors = Enumerable.Range(0, 600).Select(i => store.Create(new MonitorDraft($"m{i}", config, 60, 10, 0, i % 5 != 0))).ToList();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        using (var connection = database.Open())
        using (var transaction = connection.BeginTransaction())
        {
            using (var rollups = new RollupWriter(connection, transaction))
                foreach (var (monitor, i) in monitors.Select((m, i) => (m, i)).Where(x => x.i % 3 != 0))
                    for (var day = 0; day < 40; day += 1 + i % 4)
                    {
                        var at = now - day * RollupWriter.DayMs - i * 1000;
                        rollups.AddSpan(monitor.Key, at - 60_000, at, down: day % 9 == i % 9);
                        rollups.AddCheck(monitor.Key, at, ok: day % 9 != i % 9, latencyUs: 1_000 + i * 37 + day * 11);
                    }
            transaction.Commit();
        }

        var cache = new StatsCache(database, time);
        var early = cache.Get(monitors[1].Key, monitors[1].View.Id)!;
        await Assert.That(cache.Count).IsEqualTo(1);
        await Assert.That(cache.Warmed.IsCompleted).IsFalse();

        cache.Warm(CancellationToken.None);

        await Assert.That(cache.Warmed.IsCompleted).IsTrue();
        await Assert.That(cache.Count).IsEqualTo(monitors.Count);
        var fresh = new StatsCache(database, time);
        foreach (var monitor in monitors)
        {
            var warm = JsonSerializer.Serialize(cache.Get(monitor.Key, monitor.View.Id)!, FlatlineJson.Default.MonitorStats);
            var loaded = JsonSerializer.Serialize(fresh.Get(monitor.Key, monitor.View.Id)!, FlatlineJson.Default.MonitorStats);
            await Assert.That(warm).IsEqualTo(loaded).Because(monitor.View.Name);
        }
        await Assert.That(early.Windows.Last30Days.Checks).IsGreaterThan(0L);
        await Assert.That(cache.Get(monitors[1].Key, monitors[1].View.Id)!.Windows.Last30Days.Failures).IsGreaterThan(0L);

        // The batch read /metrics makes (every monitor, live time since the last check included, and a key
        // that does not exist) gives each monitor the uptimes its own stats have.
        time.Advance(TimeSpan.FromMinutes(7));
        var keys = monitors.Select(m => m.Key).Append(long.MaxValue).ToArray();
        var uptimes = new double[keys.Length * 4];
        cache.Uptimes(keys, uptimes);
        static double Or(double? value) => value ?? double.NaN;
        for (var i = 0; i < monitors.Count; i++)
        {
            var windows = cache.Get(monitors[i].Key, monitors[i].View.Id)!.Windows;
            double[] expected = [Or(windows.Last24Hours.Uptime), Or(windows.Last7Days.Uptime), Or(windows.Last30Days.Uptime), Or(windows.Last90Days.Uptime)];
            await Assert.That(uptimes.Skip(i * 4).Take(4).ToArray()).IsEquivalentTo(expected).Because(monitors[i].View.Name);
        }
        await Assert.That(uptimes.Skip(monitors.Count * 4).All(double.IsNaN)).IsTrue();
        await Assert.That(uptimes.Count(u => !double.IsNaN(u) && u < 1)).IsGreaterThan(100);
    }

    [Test]
    public async Task A_started_server_loads_every_monitors_windows_before_any_request()
    {
        var database = new Database(folder.File("flatline.db"));
        database.Initialize();
        var config = new HttpMonitorConfig("http://127.0.0.1:9/", "GET",
            [JsonSerializer.SerializeToElement("2xx", FlatlineJson.Default.String)], null, null, null, true, true);
        var store = new MonitorStore(database, TimeProvider.System);
        for (var i = 0; i < 300; i++) store.Create(new MonitorDraft($"m{i}", config, 60, 10, 0, Enabled: false));

        await using var server = await FlatlineServer.StartOnAsync(database.Path);
        var cache = server.Services.GetRequiredService<StatsCache>();
        await cache.Warmed.WaitAsync(TimeSpan.FromSeconds(20));
        await Assert.That(cache.Count).IsEqualTo(300);
    }

    public void Dispose()
    {
        new Database(folder.File("flatline.db")).ReleaseConnections();
        folder.Dispose();
    }
}
