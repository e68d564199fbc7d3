using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Maintenance;

/// <summary>Maintenance windows through the real server and engine, with fake time: what a window
/// holds back, what it lets through, and how its time counts.</summary>
public sealed class MaintenanceTests
{
    static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    static string Once(string monitorId, DateTimeOffset start, DateTimeOffset end) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["title"] = "Upgrade",
        ["monitors"] = new[] { monitorId },
        ["schedule"] = new Dictionary<string, string> { ["type"] = "once", ["start"] = start.UtcDateTime.ToString("O"), ["end"] = end.UtcDateTime.ToString("O") },
    });

    static long Count(FlatlineServer server, string sql) => server.Scalar<long>(sql);

    static async Task<(TargetServer Target, FakeClock Clock, FlatlineServer Server, FlatlineClient Api, string Id)> Failing(int health = 500)
    {
        var target = await TargetServer.StartAsync();
        target.HealthStatus = health;
        var clock = new FakeClock();
        var server = await FlatlineServer.StartAsync(time: clock);
        var api = server.CreateApiClient();
        var id = (await api.CreateMonitorAsync(MonitorBody.Http(target.Url("/health")).Interval(10).Timeout(2).Paused())).Value.Id;
        // A channel that cannot be reached: the outbox rows are what the test counts.
        var channel = (await api.CreateNotificationChannelAsync(ChannelBody.Webhook(new Uri("http://127.0.0.1:9/hook")))).Value.Id;
        (await api.LinkMonitorChannelAsync(id, channel, onRecovery: true)).Expect(HttpStatusCode.Created);
        return (target, clock, server, api, id);
    }

    static async Task Enable(FlatlineClient api, string id) => (await api.UpdateMonitorAsync(id, MonitorBody.Change().Enabled())).Expect(HttpStatusCode.OK);

    [Test]
    public async Task A_window_that_ends_while_the_monitor_still_fails_opens_the_incident_at_its_end_once()
    {
        var (target, clock, server, api, id) = await Failing();
        await using var _ = target;
        await using var __ = server;
        using var ___ = api;
        // Whole milliseconds, as Flatline keeps times.
        var end = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().AddSeconds(60).ToUnixTimeMilliseconds());
        (await api.PostAsync("/api/v1/maintenance", Once(id, clock.GetUtcNow().AddMinutes(-1), end))).Expect(HttpStatusCode.Created);
        await Enable(api, id);

        await clock.AdvanceUntilAsync(() => Count(server, "SELECT count(*) FROM checks WHERE ok = 0") >= 3, Step, 60);
        await Assert.That(Count(server, "SELECT count(*) FROM incidents")).IsEqualTo(0L);
        await Assert.That(Count(server, "SELECT count(*) FROM outbox WHERE kind = 'down'")).IsEqualTo(0L);
        var held = (await api.GetMonitorAsync(id)).Value;
        await Assert.That(held.Status).IsEqualTo(MonitorStatus.Down);
        await Assert.That(held.InMaintenance).IsTrue();

        await clock.AdvanceUntilAsync(() => Count(server, "SELECT count(*) FROM incidents") > 0, Step, 120);
        await clock.AdvanceAsync(Step, 30);
        var incidents = (await api.ListIncidentsAsync(id)).Value;
        await Assert.That(incidents.Count).IsEqualTo(1);
        await Assert.That(incidents[0].StartedAt).IsGreaterThanOrEqualTo(end.UtcDateTime);
        await Assert.That(incidents[0].StartedAt).IsLessThanOrEqualTo(end.UtcDateTime.AddSeconds(3));
        await Assert.That(Count(server, "SELECT count(*) FROM outbox WHERE kind = 'down'")).IsEqualTo(1L);
        await Assert.That((await api.GetMonitorAsync(id)).Value.InMaintenance).IsFalse();
    }

    [Test]
    public async Task A_window_that_starts_while_an_incident_is_open_keeps_it_open_and_still_sends_its_recovery()
    {
        var (target, clock, server, api, id) = await Failing();
        await using var _ = target;
        await using var __ = server;
        using var ___ = api;
        await Enable(api, id);
        await clock.AdvanceUntilAsync(() => Count(server, "SELECT count(*) FROM incidents") == 1, Step, 60);

        (await api.PostAsync("/api/v1/maintenance", Once(id, clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(10)))).Expect(HttpStatusCode.Created);
        var checks = Count(server, "SELECT count(*) FROM checks");
        await clock.AdvanceUntilAsync(() => Count(server, "SELECT count(*) FROM checks") >= checks + 3, Step, 60);
        await Assert.That(Count(server, "SELECT count(*) FROM incidents WHERE resolved_at IS NULL")).IsEqualTo(1L);
        await Assert.That(Count(server, "SELECT count(*) FROM outbox WHERE kind = 'down'")).IsEqualTo(1L);

        target.HealthStatus = 200;
        await clock.AdvanceUntilAsync(() => Count(server, "SELECT count(*) FROM incidents WHERE resolved_at IS NOT NULL") == 1, Step, 60);
        await Assert.That(Count(server, "SELECT count(*) FROM outbox WHERE kind = 'up'")).IsEqualTo(1L);
        await Assert.That(Count(server, "SELECT count(*) FROM incidents")).IsEqualTo(1L);
    }

    [Test]
    public async Task Maintenance_time_is_left_out_of_downtime_and_uptime_to_the_second()
    {
        var (target, clock, server, api, id) = await Failing();
        await using var _ = target;
        await using var __ = server;
        using var ___ = api;
        var start = clock.GetUtcNow().AddSeconds(30);
        (await api.PostAsync("/api/v1/maintenance", Once(id, start, start.AddSeconds(60)))).Expect(HttpStatusCode.Created);
        await Enable(api, id);
        await clock.AdvanceUntilAsync(() => clock.GetUtcNow() > start.AddSeconds(120), Step, 200);

        var incident = (await api.ListIncidentsAsync(id)).Value.Single();
        var now = clock.GetUtcNow().UtcDateTime;
        var window = (await api.GetMonitorStatsAsync(id)).Value.Windows.Last24Hours;
        await Assert.That(window.MaintenanceSeconds).IsEqualTo(60L);
        await Assert.That(window.DowntimeSeconds).IsEqualTo(((long)(now - incident.StartedAt).TotalMilliseconds - 60_000) / 1000);
        await Assert.That(window.Uptime!.Value).IsLessThan(1.0);
        var days = (await api.GetMonitorUptimeAsync(id, "days=2")).Value;
        await Assert.That(days.Sum(d => d.MaintenanceSeconds)).IsGreaterThanOrEqualTo(59L);
        // The rollups hold the same once the next check has written the span.
        await Assert.That(Count(server, "SELECT coalesce(sum(maintenance_ms), 0) FROM rollups_hourly")).IsEqualTo(60_000L);
    }

    [Test]
    public async Task The_time_up_to_a_pause_inside_a_window_counts_as_maintenance_too()
    {
        var (target, clock, server, api, id) = await Failing();
        await using var _ = target;
        await using var __ = server;
        using var ___ = api;
        (await api.PostAsync("/api/v1/maintenance", Once(id, clock.GetUtcNow().AddMinutes(-1), clock.GetUtcNow().AddMinutes(10)))).Expect(HttpStatusCode.Created);
        await Enable(api, id);
        await clock.AdvanceAsync(Step, 35);
        (await api.UpdateMonitorAsync(id, MonitorBody.Change().Enabled(false))).Expect(HttpStatusCode.OK);

        // Enabled for 35 s, all of it in the window: none of it up or down, whatever the last check was.
        await Assert.That(Count(server, "SELECT sum(maintenance_ms) FROM rollups_hourly")).IsEqualTo(35_000L);
        await Assert.That(Count(server, "SELECT sum(enabled_ms) FROM rollups_hourly")).IsEqualTo(0L);
        await Assert.That(Count(server, "SELECT sum(down_ms) FROM rollups_hourly")).IsEqualTo(0L);
        await Assert.That((await api.GetMonitorStatsAsync(id)).Value.Windows.Last24Hours.MaintenanceSeconds).IsEqualTo(35L);
    }

    [Test]
    public async Task Each_schedule_reads_back_with_active_and_its_next_five_occurrences()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var id = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Paused())).Value.Id;
        var cron = (await api.PostAsync("/api/v1/maintenance", $$$"""
            {"title":"Every minute","monitors":["{{{id}}}"],"schedule":{"type":"cron","expression":"* * * * *","duration_minutes":1,"timezone":"UTC"}}
            """)).Expect(HttpStatusCode.Created).Json;
        await Assert.That(cron.GetProperty("active").GetBoolean()).IsTrue();
        var next = cron.GetProperty("next_occurrences").EnumerateArray().ToList();
        await Assert.That(next.Count).IsEqualTo(5);
        await Assert.That(next[1].GetProperty("start").GetDateTime() - next[0].GetProperty("start").GetDateTime()).IsEqualTo(TimeSpan.FromMinutes(1));

        var weekly = (await api.PostAsync("/api/v1/maintenance", $$$"""
            {"title":"Patch night","monitors":["{{{id}}}"],"schedule":{"type":"weekly","days":["tue","thu"],"start_time":"02:30","duration_minutes":45,"timezone":"Europe/Berlin"}}
            """)).Expect(HttpStatusCode.Created).Json;
        var wid = weekly.GetProperty("id").GetString();
        await Assert.That(weekly.GetProperty("next_occurrences").GetArrayLength()).IsEqualTo(5);
        var monthly = (await api.PatchAsync($"/api/v1/maintenance/{wid}", """
            {"schedule":{"type":"monthly","last_day":true,"start_time":"23:00","duration_minutes":60,"timezone":"UTC"}}
            """)).Expect(HttpStatusCode.OK).Json;
        foreach (var occurrence in monthly.GetProperty("next_occurrences").EnumerateArray())
        {
            var start = occurrence.GetProperty("start").GetDateTime();
            await Assert.That(start.Day).IsEqualTo(DateTime.DaysInMonth(start.Year, start.Month));
        }
        await Assert.That(monthly.GetProperty("title").GetString()).IsEqualTo("Patch night");
        (await api.GetAsync($"/api/v1/maintenance/{wid}")).Expect(HttpStatusCode.OK);
        await Assert.That((await api.GetAsync("/api/v1/maintenance")).Json.GetArrayLength()).IsEqualTo(2);
        (await api.DeleteAsync($"/api/v1/maintenance/{wid}")).Expect(HttpStatusCode.NoContent);
        (await api.GetAsync($"/api/v1/maintenance/{wid}")).Expect(HttpStatusCode.NotFound);
    }

    [Test]
    [Arguments("""{"type":"once","start":"2030-01-01T00:00:00Z","end":"2030-01-01T00:00:00Z"}""", "schedule.end")]
    [Arguments("""{"type":"once","start":"2030-01-01T00:00:00Z","end":"2030-02-02T00:00:00Z"}""", "schedule.end")]
    [Arguments("""{"type":"weekly","days":["mon"],"start_time":"02:00","duration_minutes":0,"timezone":"UTC"}""", "schedule.duration_minutes")]
    [Arguments("""{"type":"weekly","days":["mon"],"start_time":"02:00","duration_minutes":60,"timezone":"Mars/Olympus"}""", "schedule.timezone")]
    [Arguments("""{"type":"weekly","days":["mon","tue"],"start_time":"02:00","duration_minutes":1500,"timezone":"UTC"}""", "schedule")]
    [Arguments("""{"type":"cron","expression":"*/5 * * * *","duration_minutes":10,"timezone":"UTC"}""", "schedule")]
    [Arguments("""{"type":"cron","expression":"not a cron","duration_minutes":10,"timezone":"UTC"}""", "schedule.expression")]
    [Arguments("""{"type":"monthly","start_time":"02:00","duration_minutes":10,"timezone":"UTC"}""", "schedule.day_of_month")]
    [Arguments("""{"type":"weekly","days":["mon"],"start_time":"25:00","duration_minutes":60,"timezone":"UTC"}""", "schedule.start_time")]
    [Arguments("""{"type":"daily"}""", "schedule.type")]
    public async Task A_bad_schedule_is_refused_field_by_field_and_nothing_is_stored(string schedule, string field)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var id = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Paused())).Value.Id;
        var refused = (await api.PostAsync("/api/v1/maintenance", $$$"""{"title":"x","monitors":["{{{id}}}"],"schedule":{{{schedule}}}}""")).Expect(HttpStatusCode.BadRequest);
        await Assert.That(refused.HasErrorFor(field)).IsTrue();
        await Assert.That(Count(server, "SELECT count(*) FROM maintenance_windows")).IsEqualTo(0L);
    }

    [Test]
    public async Task Unknown_monitors_tags_and_channels_are_refused_and_nothing_is_stored()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var refused = (await api.PostAsync("/api/v1/maintenance", """
            {"title":"x","monitors":["0190aaaa-0000-7000-8000-000000000000"],"tags":["nope"],"notify_channels":["0190aaaa-0000-7000-8000-000000000001"],
             "schedule":{"type":"once","start":"2030-01-01T00:00:00Z","end":"2030-01-01T01:00:00Z"}}
            """)).Expect(HttpStatusCode.BadRequest);
        await Assert.That(refused.HasErrorFor("monitors")).IsTrue();
        await Assert.That(refused.HasErrorFor("tags")).IsTrue();
        await Assert.That(refused.HasErrorFor("notify_channels")).IsTrue();
        var empty = (await api.PostAsync("/api/v1/maintenance", """
            {"title":"x","schedule":{"type":"once","start":"2030-01-01T00:00:00Z","end":"2030-01-01T01:00:00Z"}}
            """)).Expect(HttpStatusCode.BadRequest);
        await Assert.That(empty.HasErrorFor("monitors")).IsTrue();
        await Assert.That(Count(server, "SELECT count(*) FROM maintenance_windows")).IsEqualTo(0L);
    }
}
