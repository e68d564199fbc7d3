using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Flatline.Tests.Stats;

/// <summary>Stats from rollups written the way the engine writes them, read through the real API,
/// with time fixed so that window edges are exact.</summary>
public sealed class StatsTests : IDisposable
{
    const long Hour = RollupWriter.HourMs, Day = RollupWriter.DayMs;
    // 15:30 UTC: today has 15.5 hours so far.
    static readonly DateTimeOffset Now = new(2026, 11, 25, 15, 30, 0, TimeSpan.Zero);
    static readonly long NowMs = Now.ToUnixTimeMilliseconds();
    static readonly long Today = NowMs / Day * Day;

    readonly TempFolder folder = new();
    readonly FakeTimeProvider time = new(Now);
    readonly Database database;

    public StatsTests()
    {
        database = new Database(folder.File("flatline.db"));
        database.Initialize();
    }

    /// <summary>A monitor created at <paramref name="created"/>, paused at once so the engine leaves it
    /// alone; the test writes its rollups and state itself.</summary>
    StoredMonitor Monitor(long created, string name = "m")
    {
        var config = new HttpMonitorConfig("http://127.0.0.1:9/", "GET",
            [JsonSerializer.SerializeToElement("2xx", FlatlineJson.Default.String)], null, null, null, true, true);
        var then = new MonitorStore(database, new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(created)));
        return then.Create(new MonitorDraft(name, config, 60, 10, 0, Enabled: false));
    }

    void Write(Action<RollupWriter> write, string? stateSql = null)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using (var rollups = new RollupWriter(connection, transaction)) write(rollups);
        if (stateSql is not null)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = stateSql;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    async Task<JsonElement> Get(string path)
    {
        await using var server = await FlatlineServer.StartOnAsync(database.Path, time);
        using var client = server.CreateClient();
        using var response = await client.GetAsync(path);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.OK);
        return await response.ReadJsonAsync();
    }

    static JsonElement Window(JsonElement stats, string window) => stats.GetProperty("windows").GetProperty(window);

    [Test]
    public async Task Downtime_straddling_window_edges_counts_only_inside_each_window()
    {
        var m = Monitor(NowMs - 100 * Day);
        // Enabled the whole time; down for 48 h from 12:00 eight days ago (straddles the 7d edge,
        // which is midnight six days ago) and for 2 h that straddle the 24h edge.
        var downStart = Today - 8 * Day + 12 * Hour;
        var edge24 = NowMs / Hour * Hour - 23 * Hour;
        Write(r =>
        {
            r.AddSpan(m.Key, NowMs - 100 * Day, downStart, down: false);
            r.AddSpan(m.Key, downStart, downStart + 48 * Hour, down: true);
            r.AddSpan(m.Key, downStart + 48 * Hour, edge24 - Hour, down: false);
            r.AddSpan(m.Key, edge24 - Hour, edge24 + Hour, down: true);
            r.AddSpan(m.Key, edge24 + Hour, NowMs, down: false);
        });
        var stats = await Get($"/api/v1/monitors/{m.View.Id}/stats");

        await Assert.That(Window(stats, "24h").GetProperty("downtime_seconds").GetInt64()).IsEqualTo(3600L);
        // 24h = the current partial hour (30 min) and 23 full hours before it.
        await Assert.That(Window(stats, "24h").GetProperty("uptime").GetDouble()).IsEqualTo(1 - 3600.0 / (23.5 * 3600)).Within(1e-9);
        // 7d starts at midnight six days ago: 12 h of the 48 h outage plus the 2 h one.
        await Assert.That(Window(stats, "7d").GetProperty("downtime_seconds").GetInt64()).IsEqualTo(14 * 3600L);
        await Assert.That(Window(stats, "30d").GetProperty("downtime_seconds").GetInt64()).IsEqualTo(50 * 3600L);
        await Assert.That(Window(stats, "90d").GetProperty("downtime_seconds").GetInt64()).IsEqualTo(50 * 3600L);
        var enabled30 = 29 * 24 + 15.5;
        await Assert.That(Window(stats, "30d").GetProperty("uptime").GetDouble()).IsEqualTo(1 - 50 / enabled30).Within(1e-9);
    }

    [Test]
    public async Task Paused_time_counts_neither_as_up_nor_as_down()
    {
        var m = Monitor(NowMs - 10 * Day);
        // Enabled 10 days ago for 2 days, down for 12 h of it; paused since then until 3 days ago.
        Write(r =>
        {
            r.AddSpan(m.Key, NowMs - 10 * Day, NowMs - 9 * Day, down: false);
            r.AddSpan(m.Key, NowMs - 9 * Day, NowMs - 9 * Day + 12 * Hour, down: true);
            r.AddSpan(m.Key, NowMs - 9 * Day + 12 * Hour, NowMs - 8 * Day, down: false);
            r.AddSpan(m.Key, NowMs - 3 * Day, NowMs - 2 * Day, down: false);
        });
        var stats = await Get($"/api/v1/monitors/{m.View.Id}/stats");
        // 30d: 3 enabled days, 12 h down.
        await Assert.That(Window(stats, "30d").GetProperty("uptime").GetDouble()).IsEqualTo(1 - 12.0 / 72).Within(1e-9);
        await Assert.That(Window(stats, "30d").GetProperty("downtime_seconds").GetInt64()).IsEqualTo(12 * 3600L);
        // 24h: paused all along: no uptime at all rather than 0 %.
        await Assert.That(Window(stats, "24h").GetProperty("uptime").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(Window(stats, "24h").GetProperty("downtime_seconds").GetInt64()).IsEqualTo(0L);
    }

    [Test]
    public async Task A_monitor_younger_than_the_window_is_judged_on_its_own_life_including_the_time_since_its_last_check()
    {
        var m = Monitor(NowMs - 2 * Hour);
        // Up for an hour, then down for the last hour: the last 30 minutes are not in the rollups yet.
        Write(r =>
        {
            r.AddSpan(m.Key, NowMs - 2 * Hour, NowMs - Hour, down: false);
            r.AddSpan(m.Key, NowMs - Hour, NowMs - 30 * 60_000, down: true);
        }, $"UPDATE monitors SET enabled = 1, status = 2, accounted_until = {NowMs - 30 * 60_000} WHERE id = {m.Key}");
        var stats = await Get($"/api/v1/monitors/{m.View.Id}/stats");
        foreach (var window in new[] { "24h", "7d", "30d", "90d" })
        {
            await Assert.That(Window(stats, window).GetProperty("uptime").GetDouble()).IsEqualTo(0.5).Within(1e-9);
            await Assert.That(Window(stats, window).GetProperty("downtime_seconds").GetInt64()).IsEqualTo(3600L);
        }
    }

    [Test]
    public async Task Percentiles_are_of_successful_checks_within_one_percent_of_the_exact_values()
    {
        var m = Monitor(NowMs - 5 * Day);
        var random = new Random(42);
        var latencies = new List<long>();
        Write(r =>
        {
            for (var i = 0; i < 5000; i++)
            {
                var at = NowMs - 4 * Day + i * 60_000L;
                // Log-normal around 80 ms, with a slow tail.
                var micros = (long)(80_000 * Math.Exp(0.6 * Normal(random)));
                latencies.Add(micros);
                r.AddCheck(m.Key, at, ok: true, micros);
                if (i % 50 == 0) r.AddCheck(m.Key, at + 1, ok: false, latencyUs: 9_000_000); // failures never count
            }
        });
        latencies.Sort();
        var stats = Window(await Get($"/api/v1/monitors/{m.View.Id}/stats"), "7d");
        await Assert.That(stats.GetProperty("checks").GetInt64()).IsEqualTo(5100L);
        await Assert.That(stats.GetProperty("failures").GetInt64()).IsEqualTo(100L);
        foreach (var (name, q) in new[] { ("p50", 0.50), ("p95", 0.95), ("p99", 0.99) })
        {
            var exact = latencies[(int)Math.Ceiling(q * latencies.Count) - 1] / 1000.0;
            var reported = stats.GetProperty(name).GetDouble();
            await Assert.That(Math.Abs(reported - exact) / exact).IsLessThanOrEqualTo(0.01);
        }
    }

    static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Test]
    public async Task A_window_without_successful_checks_has_null_percentiles()
    {
        var m = Monitor(NowMs - Day);
        Write(r => r.AddCheck(m.Key, NowMs - Hour, ok: false, latencyUs: null));
        var stats = Window(await Get($"/api/v1/monitors/{m.View.Id}/stats"), "24h");
        await Assert.That(stats.GetProperty("p50").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(stats.GetProperty("p99").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(stats.GetProperty("failures").GetInt64()).IsEqualTo(1L);
    }

    [Test]
    public async Task All_monitor_stats_list_every_monitor()
    {
        var a = Monitor(NowMs - Day, "a");
        var b = Monitor(NowMs - Day, "b");
        Write(r => r.AddSpan(b.Key, NowMs - 2 * Hour, NowMs - Hour, down: true));
        var all = await Get("/api/v1/stats");
        await Assert.That(all.GetArrayLength()).IsEqualTo(2);
        await Assert.That(all[0].GetProperty("monitor_id").GetString()).IsEqualTo(a.View.Id);
        await Assert.That(Window(all[1], "24h").GetProperty("uptime").GetDouble()).IsEqualTo(0);
    }

    [Test]
    public async Task Uptime_gives_one_row_per_utc_day_oldest_first()
    {
        var m = Monitor(NowMs - 10 * Day);
        Write(r =>
        {
            r.AddSpan(m.Key, Today - 2 * Day, Today - Day, down: false);
            r.AddSpan(m.Key, Today - Day, Today - Day + 6 * Hour, down: true);
            r.AddSpan(m.Key, Today - Day + 6 * Hour, Today, down: false);
            r.AddCheck(m.Key, Today - Day + Hour, ok: true, 150_000);
        });
        var days = await Get($"/api/v1/monitors/{m.View.Id}/uptime?days=3");
        await Assert.That(days.GetArrayLength()).IsEqualTo(3);
        await Assert.That(days[0].GetProperty("date").GetString()).IsEqualTo("2026-11-23");
        await Assert.That(days[0].GetProperty("uptime").GetDouble()).IsEqualTo(1);
        await Assert.That(days[1].GetProperty("uptime").GetDouble()).IsEqualTo(0.75);
        await Assert.That(days[1].GetProperty("downtime_seconds").GetInt64()).IsEqualTo(6 * 3600L);
        await Assert.That(days[1].GetProperty("p50").GetDouble()).IsEqualTo(150).Within(1.5);
        await Assert.That(days[2].GetProperty("date").GetString()).IsEqualTo("2026-11-25");
        await Assert.That(days[2].GetProperty("uptime").ValueKind).IsEqualTo(JsonValueKind.Null);

        var ninety = await Get($"/api/v1/monitors/{m.View.Id}/uptime");
        await Assert.That(ninety.GetArrayLength()).IsEqualTo(90);
    }

    [Test]
    public async Task The_latency_chart_never_has_more_than_500_points()
    {
        var m = Monitor(NowMs - 30 * Day);
        Write(r =>
        {
            for (var i = 0; i < 30 * 24; i++) r.AddCheck(m.Key, NowMs - 30 * Day + i * Hour, ok: true, 1000 + i);
        });
        var month = await Get($"/api/v1/monitors/{m.View.Id}/latency?from={Uri.EscapeDataString(Now.AddDays(-30).ToString("O"))}");
        await Assert.That(month.GetProperty("points").GetArrayLength()).IsLessThanOrEqualTo(500);
        await Assert.That(month.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("checks").GetInt64())).IsEqualTo(720L);
        var day = await Get($"/api/v1/monitors/{m.View.Id}/latency");
        await Assert.That(day.GetProperty("points").GetArrayLength()).IsLessThanOrEqualTo(500);
        await Assert.That(day.GetProperty("bucket_seconds").GetInt64()).IsEqualTo(173L);
    }

    [Test]
    [Arguments("uptime?days=0", "days")]
    [Arguments("uptime?days=401", "days")]
    [Arguments("latency?from=nope", "from")]
    [Arguments("latency?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z", "from")]
    [Arguments("latency?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    public async Task Bad_parameters_get_400_naming_the_parameter(string path, string field)
    {
        var m = Monitor(NowMs - Day);
        await using var server = await FlatlineServer.StartOnAsync(database.Path, time);
        using var client = server.CreateClient();
        using var response = await client.GetAsync($"/api/v1/monitors/{m.View.Id}/{path}");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _)).IsTrue();
        await Assert.That((await client.GetAsync($"/api/v1/monitors/{Guid.CreateVersion7()}/stats")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Retention_deletes_old_raw_checks_while_90_day_stats_stay_the_same()
    {
        var m = Monitor(NowMs - 80 * Day);
        using (var connection = database.Open())
        using (var transaction = connection.BeginTransaction())
        {
            using var rollups = new RollupWriter(connection, transaction);
            using var insert = Sql.Prepare(connection, transaction, "INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code) VALUES ($m, $t, 1, $l, 200)", "$m", "$t", "$l");
            for (var t = NowMs - 80 * Day; t < NowMs; t += 10 * 60_000)
            {
                var latency = 20_000 + t / 60_000 % 1000;
                insert.Bind(m.Key, t, latency).ExecuteNonQuery();
                rollups.AddCheck(m.Key, t, ok: true, latency);
            }
            rollups.AddSpan(m.Key, NowMs - 80 * Day, NowMs, down: false);
            transaction.Commit();
        }
        var before = (await Get($"/api/v1/monitors/{m.View.Id}/stats")).GetRawText();

        var settings = FlatlineServer.DefaultSettings(database.Path) with { RetentionDays = 30 };
        var sweeper = new RetentionSweeper(database, settings, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<RetentionSweeper>.Instance);
        var deleted = await sweeper.SweepAsync(CancellationToken.None);
        await Assert.That(deleted).IsEqualTo(50L * 144);

        using (var connection = database.Open())
        using (var oldest = connection.CreateCommand())
        {
            oldest.CommandText = "SELECT min(checked_at) FROM checks";
            await Assert.That((long)oldest.ExecuteScalar()!).IsGreaterThanOrEqualTo(NowMs - 30 * Day);
        }
        await Assert.That((await Get($"/api/v1/monitors/{m.View.Id}/stats")).GetRawText()).IsEqualTo(before);
    }

    public void Dispose()
    {
        new Database(folder.File("flatline.db")).ReleaseConnections();
        folder.Dispose();
    }
}
