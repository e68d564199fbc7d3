using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Notifications;

/// <summary>delay_minutes and remind_every_minutes through the real server, a real failing target,
/// real SQLite and a real receiver, on the fake clock: what is sent, when, and across a restart.</summary>
public class AlertTimingTests
{
    static async Task<string> CreateChannel(HttpClient client, string config)
    {
        using var response = await client.PostJsonAsync("/api/v1/notification-channels", $$"""{"name":"ops","config":{{config}}}""");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    /// <summary>A monitor of the target linked to the channel, enabled once the link is there.</summary>
    internal static async Task<string> WatchAsync(HttpClient client, TargetServer target, string channel)
    {
        var monitor = await OutboxTests.CreateMonitor(client, target.Url("/health").ToString(), enabled: false);
        await OutboxTests.Link(client, monitor, channel);
        using var enabled = await client.PatchJsonAsync($"/api/v1/monitors/{monitor}", """{"enabled":true}""");
        await Assert.That(enabled.StatusCode).IsEqualTo(HttpStatusCode.OK);
        return monitor;
    }

    static JsonElement Incidents(HttpClient client, string monitor) =>
        client.GetAsync($"/api/v1/monitors/{monitor}/incidents").Result.ReadJsonAsync().Result;

    static bool Resolved(JsonElement incidents, int count) =>
        incidents.GetArrayLength() >= count && incidents.EnumerateArray().All(i => i.GetProperty("resolved_at").ValueKind == JsonValueKind.String);

    [Test]
    public async Task A_flap_shorter_than_the_delay_sends_nothing_and_a_longer_outage_alerts_once_after_the_delay_then_recovers()
    {
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 503;
        await using var receiver = await Receiver.StartAsync();
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var client = server.CreateClient();
        var channel = await CreateChannel(client, $$"""{"type":"webhook","url":"{{receiver.Url("/hook")}}","delay_minutes":5}""");
        var monitor = await WatchAsync(client, target, channel);

        // Down for about two minutes, then back: no alert, and no recovery for an alert never sent.
        await clock.AdvanceUntilAsync(() => Incidents(client, monitor).GetArrayLength() == 1, TimeSpan.FromSeconds(1));
        await clock.AdvanceAsync(TimeSpan.FromSeconds(10), 12);
        target.HealthStatus = 200;
        await clock.AdvanceUntilAsync(() => Resolved(Incidents(client, monitor), 1), TimeSpan.FromSeconds(1));
        await clock.AdvanceAsync(TimeSpan.FromSeconds(30), 20);
        await Assert.That(receiver.Requests.Count).IsEqualTo(0);
        await Assert.That((await OutboxTests.Deliveries(client, channel)).GetArrayLength()).IsEqualTo(0);

        // Down for longer than the delay: the alert goes once the delay is over, then the recovery.
        target.HealthStatus = 503;
        await clock.AdvanceUntilAsync(() => Incidents(client, monitor).GetArrayLength() == 2, TimeSpan.FromSeconds(1));
        var started = Incidents(client, monitor)[0].GetProperty("started_at").GetDateTimeOffset();
        await clock.AdvanceUntilAsync(() => receiver.Requests.Count >= 1, TimeSpan.FromSeconds(5));
        var waited = clock.GetUtcNow() - started;
        await Assert.That(waited).IsBetween(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5.5));
        await Assert.That(receiver.Requests[0].Json().GetProperty("event").GetString()).IsEqualTo("monitor.down");
        target.HealthStatus = 200;
        await clock.AdvanceUntilAsync(() => receiver.Requests.Count >= 2, TimeSpan.FromSeconds(1));
        await clock.AdvanceAsync(TimeSpan.FromSeconds(30), 20);
        await Assert.That(receiver.Requests.Count).IsEqualTo(2);
        await Assert.That(receiver.Requests[1].Json().GetProperty("event").GetString()).IsEqualTo("monitor.up");
    }

    [Test]
    public async Task Reminders_repeat_the_down_alert_survive_a_restart_and_stop_at_recovery()
    {
        using var folder = new TempFolder();
        var path = folder.File("flatline.db");
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 503;
        await using var receiver = await Receiver.StartAsync();
        var clock = new FakeClock();
        string channel, monitor;
        await using (var first = await FlatlineServer.StartOnAsync(path, clock))
        {
            using var client = first.CreateClient();
            channel = await CreateChannel(client, $$"""{"type":"slack","url":"{{receiver.Url("/slack")}}","remind_every_minutes":10}""");
            monitor = await WatchAsync(client, target, channel);
            await clock.AdvanceUntilAsync(() => receiver.Requests.Count >= 1, TimeSpan.FromSeconds(1));
            await clock.AdvanceUntilAsync(() => receiver.Requests.Count >= 2, TimeSpan.FromSeconds(10));
            // Stopped mid-send, an attempt is sent again after the restart (at least once); here the
            // reminder's attempt is recorded first, so the count below is exact.
            for (var i = 0; i < 200 && (await OutboxTests.Deliveries(client, channel)).GetArrayLength() < 2; i++) await Task.Delay(20);
        }

        await using (var second = await FlatlineServer.StartOnAsync(path, clock))
        {
            using var client = second.CreateClient();
            await clock.AdvanceUntilAsync(() => receiver.Requests.Count >= 3, TimeSpan.FromSeconds(10));
            target.HealthStatus = 200;
            await clock.AdvanceUntilAsync(() => receiver.Requests.Count >= 4, TimeSpan.FromSeconds(1));
            await clock.AdvanceAsync(TimeSpan.FromMinutes(1), 40);

            var texts = receiver.Requests.Select(r => r.Json().GetProperty("text").GetString()).ToList();
            await Assert.That(texts.Count).IsEqualTo(4).Because(string.Join(" | ", texts));
            await Assert.That(texts[0]).IsEqualTo("api is down: unexpected status 503 (expected 2xx)");
            await Assert.That(texts[1]).IsEqualTo("api is still down: unexpected status 503 (expected 2xx) (down for 10 min)");
            await Assert.That(texts[2]).IsEqualTo("api is still down: unexpected status 503 (expected 2xx) (down for 20 min)");
            await Assert.That(texts[3]).StartsWith("api is up: back up after 2");

            var log = (await OutboxTests.Deliveries(client, channel)).EnumerateArray().Reverse().ToList();
            await Assert.That(string.Join(",", log.Select(a => a.GetProperty("event").GetString()))).IsEqualTo("down,reminder,reminder,up");
            // Each reminder is due a whole period after the incident began (the fake clock runs on while one is sent, hence the slack).
            var started = Incidents(client, monitor)[0].GetProperty("started_at").GetDateTimeOffset();
            var times = log.Select(a => a.GetProperty("attempted_at").GetDateTimeOffset() - started).ToList();
            await Assert.That(times[1]).IsBetween(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(11));
            await Assert.That(times[2]).IsBetween(TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(21));
        }
        new Database(path).ReleaseConnections();
    }

    [Test]
    public async Task Pausing_a_monitor_ends_its_reminders_and_a_held_back_alert_without_a_word()
    {
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 503;
        await using var receiver = await Receiver.StartAsync();
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var client = server.CreateClient();
        var reminding = await CreateChannel(client, $$"""{"type":"webhook","url":"{{receiver.Url("/remind")}}","remind_every_minutes":5}""");
        var delayed = await CreateChannel(client, $$"""{"type":"webhook","url":"{{receiver.Url("/delay")}}","delay_minutes":10}""");
        var monitor = await WatchAsync(client, target, reminding);
        await OutboxTests.Link(client, monitor, delayed);

        await clock.AdvanceUntilAsync(() => receiver.Requests.Count >= 1, TimeSpan.FromSeconds(1));
        using var paused = await client.PatchJsonAsync($"/api/v1/monitors/{monitor}", """{"enabled":false}""");
        await Assert.That(paused.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await clock.AdvanceAsync(TimeSpan.FromMinutes(1), 30);
        await Assert.That(string.Join(",", receiver.Requests.Select(r => r.Path))).IsEqualTo("/remind");
    }
}
