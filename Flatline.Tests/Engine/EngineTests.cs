using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Flatline.Tests.Engine;

/// <summary>The whole engine in the real server, probing a real local target, with SQLite underneath.
/// Fake time drives the scheduler where a test needs many intervals; probes run in real time.</summary>
public class EngineTests
{
    static FakeTimeProvider FakeTime() => new(DateTimeOffset.UtcNow);

    /// <summary>A real target answering <c>/health</c> with <paramref name="health"/>, and the server on fake time.</summary>
    sealed class Rig(TargetServer target, FakeTimeProvider time, FlatlineServer server, HttpClient client) : IAsyncDisposable
    {
        public static async Task<Rig> StartAsync(int health = 200)
        {
            var target = await TargetServer.StartAsync();
            target.HealthStatus = health;
            var time = FakeTime();
            var server = await FlatlineServer.StartAsync(time: time);
            return new Rig(target, time, server, server.CreateClient());
        }

        public void Deconstruct(out TargetServer target, out FakeTimeProvider time, out FlatlineServer server, out HttpClient client) =>
            (target, time, server, client) = (Target, Time, Server, Client);

        public TargetServer Target { get; } = target;
        public FakeTimeProvider Time { get; } = time;
        public FlatlineServer Server { get; } = server;
        public HttpClient Client { get; } = client;

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Server.DisposeAsync();
            await Target.DisposeAsync();
        }
    }

    static string MonitorJson(string url, int retries = 0, int interval = 10, int timeout = 2) =>
        $$$"""{"name":"target","interval":{{{interval}}},"timeout":{{{timeout}}},"retries":{{{retries}}},"config":{"type":"http","url":"{{{url}}}"}}""";

    static async Task<string> Create(HttpClient client, string json)
    {
        using var response = await client.PostJsonAsync("/api/v1/monitors", json);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    static StoredMonitor Monitor(FlatlineServer server, string id) => server.Services.GetRequiredService<MonitorStore>().Get(id)!;

    static (int Failures, int Checks, int OpenIncidents, int Incidents) Row(FlatlineServer server, string id)
    {
        using var connection = server.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT m.consecutive_failures,
                   (SELECT count(*) FROM checks c WHERE c.monitor_id = m.id),
                   (SELECT count(*) FROM incidents i WHERE i.monitor_id = m.id AND i.resolved_at IS NULL),
                   (SELECT count(*) FROM incidents i WHERE i.monitor_id = m.id)
            FROM monitors m WHERE m.uid = $uid
            """;
        command.Parameters.AddWithValue("$uid", id);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
    }

    /// <summary>Advances fake time tick by tick until the monitor has <paramref name="checks"/> checks.</summary>
    static async Task AdvanceUntilChecks(FlatlineServer server, FakeTimeProvider time, string id, int checks)
    {
        for (var i = 0; i < 3000; i++)
        {
            if (Row(server, id).Checks >= checks) return;
            time.Advance(Scheduler.Tick);
            await Task.Delay(2);
        }
        throw new TimeoutException($"monitor {id} did not reach {checks} checks (has {Row(server, id).Checks})");
    }

    [Test]
    public async Task A_result_submitted_from_outside_the_probe_pool_is_recorded_like_a_check()
    {
        // What a push endpoint does: no probe runs, the result goes into the same writer and pipeline.
        await using var rig = await Rig.StartAsync();
        var (_, time, server, client) = rig;
        var id = await Create(client, """{"name":"backup job","interval":3600,"timeout":10,"config":{"type":"http","url":"http://127.0.0.1:9/"}}""");
        var monitor = Monitor(server, id);
        await using var stream = await EventStream.OpenAsync(client);
        var engine = server.Services.GetRequiredService<ProbeEngine>();
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();

        await engine.SubmitAsync(new ProbeResult(monitor.Key, monitor.Revision, at, ProbeOutcome.Failure("backup failed: disk full")), CancellationToken.None);
        var opened = await stream.NextOfTypeAsync("incident_opened", TimeSpan.FromSeconds(10));
        await Assert.That(opened.GetProperty("monitor_id").GetString()).IsEqualTo(id);
        await Assert.That(Monitor(server, id).View.Status).IsEqualTo(MonitorStatus.Down);
        var check = (await (await client.GetAsync($"/api/v1/monitors/{id}/checks")).ReadJsonAsync())[0];
        await Assert.That(check.GetProperty("error").GetString()).IsEqualTo("backup failed: disk full");

        // A result for a revision that no longer exists is dropped, as a stale probe's would be.
        await engine.SubmitAsync(new ProbeResult(monitor.Key, monitor.Revision - 1, at + 1000, new ProbeOutcome(true, null, 1000, null, null)), CancellationToken.None);
        await engine.SubmitAsync(new ProbeResult(monitor.Key, monitor.Revision, at + 2000, new ProbeOutcome(true, null, 1000, null, null)), CancellationToken.None);
        await stream.NextOfTypeAsync("incident_resolved", TimeSpan.FromSeconds(10));
        await Assert.That(Row(server, id).Checks).IsEqualTo(2);
        await Assert.That(Monitor(server, id).View.Status).IsEqualTo(MonitorStatus.Up);
    }

    [Test]
    public async Task A_new_monitor_is_checked_within_a_second_and_comes_up()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var started = DateTime.UtcNow;
        var id = await Create(client, MonitorJson(target.Url("/health").ToString(), interval: 60));

        JsonElement monitor = default;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(3))
        {
            monitor = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadJsonAsync();
            if (monitor.GetProperty("status").GetString() == "up") break;
            await Task.Delay(10);
        }
        var checkedAt = monitor.GetProperty("last_checked_at").GetDateTime();
        var created = monitor.GetProperty("created_at").GetDateTime();
        await Assert.That(monitor.GetProperty("status").GetString()).IsEqualTo("up");
        await Assert.That((checkedAt - created).TotalMilliseconds).IsLessThanOrEqualTo(1000);

        var checks = await (await client.GetAsync($"/api/v1/monitors/{id}/checks")).ReadJsonAsync();
        await Assert.That(checks.GetArrayLength()).IsEqualTo(1);
        await Assert.That(checks[0].GetProperty("status_code").GetInt32()).IsEqualTo(200);
        // latency_ms is the measured time; response_time_ms is it in whole ms, which a fast loopback answer rounds to 0.
        var latency = checks[0].GetProperty("latency_ms").GetDouble();
        await Assert.That(latency).IsGreaterThan(0);
        await Assert.That(checks[0].GetProperty("response_time_ms").GetInt64()).IsEqualTo(ResponseTimes.WholeMs((long)Math.Round(latency * 1000)));
    }

    [Test]
    public async Task A_monitor_that_was_never_up_goes_down_opens_one_incident_and_recovers()
    {
        await using var rig = await Rig.StartAsync(health: 503);
        var (target, time, server, client) = rig;
        var id = await Create(client, MonitorJson(target.Url("/health").ToString()));

        await AdvanceUntilChecks(server, time, id, 1);
        await Assert.That(Monitor(server, id).View.Status).IsEqualTo(MonitorStatus.Down);
        var incidents = await (await client.GetAsync($"/api/v1/monitors/{id}/incidents")).ReadJsonAsync();
        await Assert.That(incidents.GetArrayLength()).IsEqualTo(1);
        await Assert.That(incidents[0].GetProperty("cause").GetString()).IsEqualTo("unexpected status 503 (expected 2xx)");
        await Assert.That(incidents[0].GetProperty("resolved_at").ValueKind).IsEqualTo(JsonValueKind.Null);

        await AdvanceUntilChecks(server, time, id, 3);
        await Assert.That(Row(server, id).Incidents).IsEqualTo(1);

        target.HealthStatus = 200;
        await AdvanceUntilChecks(server, time, id, 4);
        await Assert.That(Monitor(server, id).View.Status).IsEqualTo(MonitorStatus.Up);
        var resolved = await (await client.GetAsync($"/api/v1/monitors/{id}/incidents")).ReadJsonAsync();
        await Assert.That(resolved.GetArrayLength()).IsEqualTo(1);
        await Assert.That(resolved[0].GetProperty("resolution").GetString()).IsEqualTo("recovered");
        await Assert.That(resolved[0].GetProperty("duration_seconds").GetInt64()).IsGreaterThanOrEqualTo(29L);
    }

    [Test]
    public async Task An_up_monitor_goes_down_only_after_retries_plus_one_failures()
    {
        await using var rig = await Rig.StartAsync();
        var (target, time, server, client) = rig;
        var id = await Create(client, MonitorJson(target.Url("/health").ToString(), retries: 2));
        await AdvanceUntilChecks(server, time, id, 1);
        await Assert.That(Monitor(server, id).View.Status).IsEqualTo(MonitorStatus.Up);

        target.HealthStatus = 500;
        await AdvanceUntilChecks(server, time, id, 3);
        await Assert.That(Monitor(server, id).View.Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That(Row(server, id).Failures).IsEqualTo(2);
        await Assert.That(Row(server, id).Incidents).IsEqualTo(0);

        await AdvanceUntilChecks(server, time, id, 4);
        await Assert.That(Monitor(server, id).View.Status).IsEqualTo(MonitorStatus.Down);
        await Assert.That(Row(server, id).OpenIncidents).IsEqualTo(1);
    }

    [Test]
    public async Task A_restart_keeps_failure_counts_and_open_incidents()
    {
        using var folder = new TempFolder();
        var path = folder.File("flatline.db");
        await using var target = await TargetServer.StartAsync();
        string id;
        var time = FakeTime();
        await using (var first = await FlatlineServer.StartOnAsync(path, time))
        {
            using var client = first.CreateClient();
            id = await Create(client, MonitorJson(target.Url("/health").ToString(), retries: 2));
            await AdvanceUntilChecks(first, time, id, 1);
            target.HealthStatus = 502;
            await AdvanceUntilChecks(first, time, id, 3);
            await Assert.That(Row(first, id).Failures).IsEqualTo(2);
        }

        // The third failure after the restart crosses the threshold: the count survived.
        await using (var second = await FlatlineServer.StartOnAsync(path, time))
        {
            await Assert.That(Monitor(second, id).View.Status).IsEqualTo(MonitorStatus.Up);
            await AdvanceUntilChecks(second, time, id, 4);
            await Assert.That(Monitor(second, id).View.Status).IsEqualTo(MonitorStatus.Down);
            await Assert.That(Row(second, id).OpenIncidents).IsEqualTo(1);
        }

        // Down with an open incident before the restart: down at once after it, before any check.
        // Half an interval on, no monitor's phase slot falls on the start time, so no check can run
        // before the request (the clock stopped right on one slot when the second server stopped).
        target.HealthStatus = 200;
        time.Advance(TimeSpan.FromSeconds(5));
        await using (var third = await FlatlineServer.StartOnAsync(path, time))
        {
            using var client = third.CreateClient();
            var monitor = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadJsonAsync();
            await Assert.That(monitor.GetProperty("status").GetString()).IsEqualTo("down");
            await Assert.That(Row(third, id).OpenIncidents).IsEqualTo(1);
        }
        new Database(path).ReleaseConnections();
    }

    [Test]
    public async Task A_rename_keeps_state_and_the_open_incident()
    {
        await using var rig = await Rig.StartAsync(health: 500);
        var (target, time, server, client) = rig;
        var id = await Create(client, MonitorJson(target.Url("/health").ToString()));
        await AdvanceUntilChecks(server, time, id, 2);
        var before = Row(server, id);

        using var renamed = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"name":"new name"}""");
        await Assert.That(renamed.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That((await renamed.ReadJsonAsync()).GetProperty("status").GetString()).IsEqualTo("down");
        await Assert.That(Row(server, id)).IsEqualTo(before);
    }

    [Test]
    public async Task Pausing_resolves_the_incident_without_recovery_and_stops_checks_and_resuming_checks_at_once()
    {
        await using var rig = await Rig.StartAsync(health: 500);
        var (target, time, server, client) = rig;
        var id = await Create(client, MonitorJson(target.Url("/health").ToString()));
        await AdvanceUntilChecks(server, time, id, 1);
        await Assert.That(Row(server, id).OpenIncidents).IsEqualTo(1);

        using var paused = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"enabled":false}""");
        await Assert.That((await paused.ReadJsonAsync()).GetProperty("status").GetString()).IsEqualTo("paused");
        var incidents = await (await client.GetAsync($"/api/v1/monitors/{id}/incidents")).ReadJsonAsync();
        await Assert.That(incidents[0].GetProperty("resolution").GetString()).IsEqualTo("paused");
        await Assert.That(incidents[0].GetProperty("resolved_at").ValueKind).IsEqualTo(JsonValueKind.String);

        var checks = Row(server, id).Checks;
        for (var i = 0; i < 400; i++) { time.Advance(Scheduler.Tick); await Task.Delay(1); }
        await Assert.That(Row(server, id).Checks).IsEqualTo(checks);

        target.HealthStatus = 200;
        using var resumed = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"enabled":true}""");
        await Assert.That((await resumed.ReadJsonAsync()).GetProperty("status").GetString()).IsEqualTo("unknown");
        await AdvanceUntilChecks(server, time, id, checks + 1);
        await Assert.That(Monitor(server, id).View.Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That(Row(server, id).Incidents).IsEqualTo(1);
    }

    [Test]
    public async Task A_monitor_deleted_during_its_check_leaves_nothing_behind()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var id = await Create(client, MonitorJson(target.Url("/hang").ToString(), timeout: 2));
        for (var i = 0; i < 200 && target.Requests == 0; i++) await Task.Delay(10);
        await Assert.That(target.Requests).IsEqualTo(1);

        await Assert.That((await client.DeleteAsync($"/api/v1/monitors/{id}")).StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        await Task.Delay(2500); // the check times out and its result reaches the writer
        using var connection = server.Database.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT (SELECT count(*) FROM checks) + (SELECT count(*) FROM incidents) + (SELECT count(*) FROM monitors)";
        await Assert.That((long)count.ExecuteScalar()!).IsEqualTo(0L);
    }

    [Test]
    public async Task Hung_targets_delay_no_other_monitor()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        for (var i = 0; i < 5; i++) await Create(client, MonitorJson(target.Url("/hang").ToString(), interval: 10, timeout: 9).Replace("\"target\"", $"\"hung {i}\""));
        var healthy = new List<string>();
        for (var i = 0; i < 60; i++) healthy.Add(await Create(client, MonitorJson(target.Url("/health").ToString(), interval: 10, timeout: 5).Replace("\"target\"", $"\"ok {i}\"")));

        // Three checks each: created (at once), +10 s, +20 s.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && healthy.Any(id => Row(server, id).Checks < 3)) await Task.Delay(200);

        List<double> gaps = [], firstGaps = [];
        foreach (var id in healthy)
        {
            var checks = await (await client.GetAsync($"/api/v1/monitors/{id}/checks?limit=3")).ReadJsonAsync();
            await Assert.That(checks.GetArrayLength()).IsEqualTo(3);
            var times = checks.EnumerateArray().Select(c => c.GetProperty("checked_at").GetDateTime()).ToList();
            // The check made at creation is off the scheduler's grid (a second here), the next ones are on it.
            firstGaps.Add((times[1] - times[2]).TotalMilliseconds);
            gaps.Add((times[0] - times[1]).TotalMilliseconds);
            foreach (var c in checks.EnumerateArray()) await Assert.That(c.GetProperty("status").GetString()).IsEqualTo("up");
        }
        // Every gap is the interval, give or take a scheduler tick and dispatch; the first one, up to a slot more.
        foreach (var gap in gaps) await Assert.That(gap).IsBetween(9_800d, 10_200d);
        foreach (var gap in firstGaps) await Assert.That(gap).IsBetween(9_800d, 11_200d);
    }

    [Test]
    public async Task An_https_monitor_exposes_the_certificate_expiry()
    {
        using var certificate = TestCertificates.Valid(days: 45);
        await using var target = await TargetServer.StartAsync(certificate);
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var json = MonitorJson(target.Url("/ok").ToString(), interval: 60).Replace("\"url\"", "\"verify_tls\":false,\"url\"");
        var id = await Create(client, json);
        for (var i = 0; i < 300 && Row(server, id).Checks == 0; i++) await Task.Delay(10);

        var monitor = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadJsonAsync();
        await Assert.That(monitor.GetProperty("status").GetString()).IsEqualTo("up");
        var expires = monitor.GetProperty("tls_expires_at").GetDateTime();
        await Assert.That(Math.Abs((expires - certificate.NotAfter.ToUniversalTime()).TotalSeconds)).IsLessThan(1);
    }

    [Test]
    public async Task Stopping_lets_an_in_flight_check_finish_and_flushes_its_result()
    {
        using var folder = new TempFolder();
        var path = folder.File("flatline.db");
        await using var target = await TargetServer.StartAsync();
        string id;
        await using (var server = await FlatlineServer.StartOnAsync(path))
        {
            using var client = server.CreateClient();
            id = await Create(client, MonitorJson(target.Url("/slow/1500").ToString(), interval: 60, timeout: 5));
            for (var i = 0; i < 300 && target.Requests == 0; i++) await Task.Delay(10);
            await Assert.That(target.Requests).IsEqualTo(1);
        } // stops the host while the check still waits for its response

        var database = new Database(path);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT ok, status_code FROM checks";
        using var reader = command.ExecuteReader();
        await Assert.That(reader.Read()).IsTrue();
        await Assert.That(reader.GetBoolean(0)).IsTrue();
        await Assert.That(reader.GetInt32(1)).IsEqualTo(200);
        new Database(path).ReleaseConnections();
    }

    [Test]
    public async Task The_rollups_down_time_is_exactly_the_incident_and_paused_time_is_not_counted()
    {
        await using var rig = await Rig.StartAsync(health: 503);
        var (target, time, server, client) = rig;
        var id = await Create(client, MonitorJson(target.Url("/health").ToString()));
        await AdvanceUntilChecks(server, time, id, 4);
        target.HealthStatus = 200;
        await AdvanceUntilChecks(server, time, id, 6);

        var incident = (await (await client.GetAsync($"/api/v1/monitors/{id}/incidents")).ReadJsonAsync())[0];
        var stats = (await (await client.GetAsync($"/api/v1/monitors/{id}/stats")).ReadJsonAsync()).GetProperty("windows").GetProperty("24h");
        await Assert.That(stats.GetProperty("downtime_seconds").GetInt64()).IsEqualTo(incident.GetProperty("duration_seconds").GetInt64());
        await Assert.That(stats.GetProperty("checks").GetInt64()).IsEqualTo(6L);
        await Assert.That(stats.GetProperty("failures").GetInt64()).IsEqualTo(4L);
        await Assert.That(stats.GetProperty("p50").GetDouble()).IsGreaterThan(0);

        using var paused = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"enabled":false}""");
        var atPause = (await (await client.GetAsync($"/api/v1/monitors/{id}/stats")).ReadJsonAsync()).GetProperty("windows").GetProperty("24h").GetProperty("uptime").GetDouble();
        time.Advance(TimeSpan.FromHours(2));
        var later = (await (await client.GetAsync($"/api/v1/monitors/{id}/stats")).ReadJsonAsync()).GetProperty("windows").GetProperty("24h").GetProperty("uptime").GetDouble();
        await Assert.That(later).IsEqualTo(atPause);
        await Assert.That(atPause).IsLessThan(1.0);
    }
}
