using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Flatline.Tests.Notifications;

/// <summary>Notifications end to end: a real target fails, the engine opens an incident, the
/// outbox delivers to a real local receiver, through faults and restarts.</summary>
public class OutboxTests
{
    internal static async Task<string> CreateMonitor(HttpClient client, string url, string name = "api", bool enabled = true)
    {
        using var response = await client.PostJsonAsync("/api/v1/monitors",
            $$$"""{"name":"{{{name}}}","interval":10,"timeout":2,"retries":0,"enabled":{{{(enabled ? "true" : "false")}}},"config":{"type":"http","url":"{{{url}}}"}}""");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    internal static async Task<string> CreateWebhook(HttpClient client, string url)
    {
        using var response = await client.PostJsonAsync("/api/v1/notification-channels",
            $$$"""{"name":"hook","config":{"type":"webhook","url":"{{{url}}}","secret":"a-long-enough-secret"}}""");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    internal static async Task Link(HttpClient client, string monitor, string channel, bool onRecovery = true)
    {
        using var response = await client.PostJsonAsync($"/api/v1/monitors/{monitor}/notification-channels",
            $$$"""{"channel_id":"{{{channel}}}","on_recovery":{{{(onRecovery ? "true" : "false")}}}}""");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
    }

    /// <summary>Moves fake time on in steps of <paramref name="step"/>, giving the server a moment after
    /// each, until <paramref name="done"/> holds.</summary>
    static async Task AdvanceUntil(FakeTimeProvider time, Func<bool> done, TimeSpan step, int maxSteps = 3000)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            if (done()) return;
            time.Advance(step);
            await Task.Delay(3);
        }
        if (!done()) throw new TimeoutException("the condition did not hold in time");
    }

    /// <summary>Moves fake time on by <paramref name="steps"/> steps, giving the server a moment after each.</summary>
    static async Task Advance(FakeTimeProvider time, TimeSpan step, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            time.Advance(step);
            await Task.Delay(3);
        }
    }

    internal static async Task<JsonElement> Deliveries(HttpClient client, string channel) =>
        await (await client.GetAsync($"/api/v1/notification-channels/{channel}/deliveries?limit=100")).ReadJsonAsync();

    [Test]
    public async Task A_down_event_survives_a_dead_receiver_a_500_and_a_429_and_is_delivered_exactly_once()
    {
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 503;
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(500).Answer(429, retryAfter: "7").Answer(200);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FlatlineServer.StartAsync(s => s with { PublicUrl = new Uri("https://status.example.com/") }, time);
        using var client = server.CreateClient();
        var deadUrl = $"http://127.0.0.1:{RawTarget.UnusedPort()}/hook";
        var channel = await CreateWebhook(client, deadUrl);
        var monitor = await CreateMonitor(client, target.Url("/health").ToString());
        await Link(client, monitor, channel);

        // The monitor goes down; the first attempt finds nobody listening.
        await AdvanceUntil(time, () => Deliveries(client, channel).Result.GetArrayLength() >= 1, Scheduler.Tick);
        var first = (await Deliveries(client, channel))[0];
        await Assert.That(first.GetProperty("delivered").GetBoolean()).IsFalse();
        await Assert.That(first.GetProperty("error").GetString()).IsEqualTo("connection refused");
        await Assert.That(first.GetProperty("state").GetString()).IsEqualTo("pending");

        // The owner fixes the URL; the retries go to the live receiver: 500, 429 (Retry-After 7), 200.
        using var fixedUrl = await client.PatchJsonAsync($"/api/v1/notification-channels/{channel}", $$$"""{"config":{"url":"{{{receiver.Url("/hook")}}}"}}""");
        await Assert.That(fixedUrl.StatusCode).IsEqualTo(HttpStatusCode.OK);
        target.HealthStatus = 503; // stays down: no recovery event muddles the count
        await AdvanceUntil(time, () => receiver.Requests.Count >= 3, TimeSpan.FromSeconds(1));
        await Advance(time, TimeSpan.FromMinutes(1), 120); // two more hours

        var requests = receiver.Requests;
        await Assert.That(requests.Count).IsEqualTo(3).Because(string.Join(" | ", requests.Select(r => r.Header("webhook-id") + " " + r.BodyText)) + " attempts: " + (await Deliveries(client, channel)).ToString());
        await Assert.That(requests.Select(r => r.Header("webhook-id")).Distinct().Count()).IsEqualTo(1);
        var body = requests[2].Json();
        await Assert.That(body.GetProperty("event").GetString()).IsEqualTo("monitor.down");
        await Assert.That(body.GetProperty("monitor").GetProperty("id").GetString()).IsEqualTo(monitor);
        await Assert.That(body.GetProperty("monitor").GetProperty("name").GetString()).IsEqualTo("api");
        await Assert.That(body.GetProperty("check").GetProperty("error").GetString()).IsEqualTo("unexpected status 503 (expected 2xx)");
        var incident = (await (await client.GetAsync($"/api/v1/monitors/{monitor}/incidents")).ReadJsonAsync())[0];
        await Assert.That(body.GetProperty("incident").GetProperty("id").GetString()).IsEqualTo(incident.GetProperty("id").GetString());
        await Assert.That(body.TryGetProperty("headers", out _)).IsFalse();

        var attempts = await Deliveries(client, channel);
        await Assert.That(attempts.GetArrayLength()).IsEqualTo(4);
        await Assert.That(attempts.EnumerateArray().Select(a => a.GetProperty("attempt").GetInt32()).ToArray()).IsEquivalentTo(new[] { 4, 3, 2, 1 });
        await Assert.That(attempts[0].GetProperty("delivered").GetBoolean()).IsTrue();
        await Assert.That(attempts[0].GetProperty("state").GetString()).IsEqualTo("delivered");
        await Assert.That(attempts[1].GetProperty("status_code").GetInt32()).IsEqualTo(429);
        await Assert.That(attempts[2].GetProperty("status_code").GetInt32()).IsEqualTo(500);
        // Backoff: at least 24 s (30 s less jitter) after the first failure; Retry-After honoured after the 429.
        var times = attempts.EnumerateArray().Select(a => a.GetProperty("attempted_at").GetDateTime()).Reverse().ToList();
        await Assert.That((times[1] - times[0]).TotalSeconds).IsGreaterThanOrEqualTo(24);
        await Assert.That((times[3] - times[2]).TotalSeconds).IsBetween(7, 9);
    }

    [Test]
    public async Task A_sender_that_throws_something_unexpected_makes_a_failed_attempt_that_is_logged_and_retried()
    {
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 503;
        var relay = new RelaySender().Throw(new KeyNotFoundException("config.port https://user:secret@relay.example/"));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RelayServer.StartAsync(relay, time);
        using var client = server.CreateClient();
        using var created = await client.PostJsonAsync("/api/v1/notification-channels",
            """{"name":"relay","config":{"type":"relay","host":"smtp.example.com","security":"tls","to":["ops@example.com"]}}""");
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var channel = (await created.ReadJsonAsync()).GetProperty("id").GetString()!;
        var monitor = await CreateMonitor(client, target.Url("/health").ToString());
        await Link(client, monitor, channel);

        await AdvanceUntil(time, () => Deliveries(client, channel).Result.GetArrayLength() >= 1, Scheduler.Tick);
        var first = (await Deliveries(client, channel))[0];
        await Assert.That(first.GetProperty("delivered").GetBoolean()).IsFalse();
        await Assert.That(first.GetProperty("state").GetString()).IsEqualTo("pending");
        // What went wrong, without the exception's message, which may carry the config's secrets.
        await Assert.That(first.GetProperty("error").GetString()).IsEqualTo("the relay sender failed (KeyNotFoundException)");

        // The worker lives on: the retry after the backoff delivers.
        await AdvanceUntil(time, () => relay.Sent.Count >= 1, TimeSpan.FromSeconds(1));
        await Assert.That(relay.Sent[0].Notification.Kind).IsEqualTo(NotificationKind.Down);
        await Assert.That(relay.Sent[0].Notification.MonitorId).IsEqualTo(monitor);
        var attempts = await Deliveries(client, channel);
        await Assert.That(attempts.GetArrayLength()).IsEqualTo(2);
        await Assert.That(attempts[0].GetProperty("attempt").GetInt32()).IsEqualTo(2);
        await Assert.That(attempts[0].GetProperty("state").GetString()).IsEqualTo("delivered");
    }

    [Test]
    public async Task A_restart_between_attempts_loses_nothing()
    {
        using var folder = new TempFolder();
        var path = folder.File("flatline.db");
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 500;
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(502).Answer(200);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        string channel;
        await using (var first = await FlatlineServer.StartOnAsync(path, time))
        {
            using var client = first.CreateClient();
            channel = await CreateWebhook(client, receiver.Url("/hook").ToString());
            var monitor = await CreateMonitor(client, target.Url("/health").ToString());
            await Link(client, monitor, channel);
            await AdvanceUntil(time, () => receiver.Requests.Count >= 1, Scheduler.Tick);
            await Task.Delay(100); // the failed attempt is recorded
        }
        await Assert.That(receiver.Requests.Count).IsEqualTo(1);

        target.HealthStatus = 500;
        await using (var second = await FlatlineServer.StartOnAsync(path, time))
        {
            using var client = second.CreateClient();
            await AdvanceUntil(time, () => receiver.Requests.Count >= 2, TimeSpan.FromSeconds(1));
            await Advance(time, TimeSpan.FromMinutes(2), 60);
            await Assert.That(receiver.Requests.Count).IsEqualTo(2);
            await Assert.That(receiver.Requests[0].Header("webhook-id")).IsEqualTo(receiver.Requests[1].Header("webhook-id"));
            var attempts = await Deliveries(client, channel);
            await Assert.That(attempts[0].GetProperty("delivered").GetBoolean()).IsTrue();
        }
        new Database(path).ReleaseConnections();
    }

    [Test]
    public async Task Recovery_goes_only_to_channels_that_want_it_and_pausing_sends_none()
    {
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 500;
        await using var wantsRecovery = await Receiver.StartAsync();
        await using var downOnly = await Receiver.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FlatlineServer.StartAsync(time: time);
        using var client = server.CreateClient();
        var a = await CreateWebhook(client, wantsRecovery.Url("/a").ToString());
        var b = await CreateWebhook(client, downOnly.Url("/b").ToString());
        var monitor = await CreateMonitor(client, target.Url("/health").ToString());
        await Link(client, monitor, a, onRecovery: true);
        await Link(client, monitor, b, onRecovery: false);

        await AdvanceUntil(time, () => wantsRecovery.Requests.Count >= 1 && downOnly.Requests.Count >= 1, Scheduler.Tick);
        target.HealthStatus = 200;
        await AdvanceUntil(time, () => wantsRecovery.Requests.Count >= 2, Scheduler.Tick);
        await Advance(time, TimeSpan.FromSeconds(5), 10);
        await Assert.That(wantsRecovery.Requests[1].Json().GetProperty("event").GetString()).IsEqualTo("monitor.up");
        await Assert.That(wantsRecovery.Requests[1].Json().GetProperty("incident").GetProperty("resolved_at").ValueKind).IsEqualTo(JsonValueKind.String);
        await Assert.That(downOnly.Requests.Count).IsEqualTo(1);

        // Down again, then paused: the incident is resolved without any recovery message.
        target.HealthStatus = 500;
        await AdvanceUntil(time, () => wantsRecovery.Requests.Count >= 3, Scheduler.Tick);
        using var paused = await client.PatchJsonAsync($"/api/v1/monitors/{monitor}", """{"enabled":false}""");
        await Advance(time, TimeSpan.FromSeconds(10), 30);
        await Assert.That(wantsRecovery.Requests.Count).IsEqualTo(3);
        await Assert.That(downOnly.Requests.Count).IsEqualTo(2);
    }

    [Test]
    public async Task A_hanging_receiver_delays_no_probe()
    {
        await using var target = await TargetServer.StartAsync();
        await using var receiver = await Receiver.StartAsync();
        for (var i = 0; i < 20; i++) receiver.Hang();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var channel = await CreateWebhook(client, receiver.Url("/hook").ToString());
        target.HealthStatus = 500;
        // Linked while paused: its first check (within a second of enabling) must find the link there.
        var failing = await CreateMonitor(client, target.Url("/status/500").ToString(), "failing", enabled: false);
        await Link(client, failing, channel);
        using (var enabled = await client.PatchJsonAsync($"/api/v1/monitors/{failing}", """{"enabled":true}"""))
            await Assert.That(enabled.StatusCode).IsEqualTo(HttpStatusCode.OK);
        for (var i = 0; i < 250 && receiver.Requests.Count == 0; i++) await Task.Delay(20);
        await Assert.That(receiver.Requests.Count).IsEqualTo(1); // the notification is hanging now

        var healthy = await CreateMonitor(client, target.Url("/ok").ToString(), "healthy");
        var started = DateTime.UtcNow;
        JsonElement checks = default;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(3))
        {
            checks = await (await client.GetAsync($"/api/v1/monitors/{healthy}/checks")).ReadJsonAsync();
            if (checks.GetArrayLength() > 0) break;
            await Task.Delay(20);
        }
        await Assert.That(checks.GetArrayLength()).IsEqualTo(1);
        await Assert.That(DateTime.UtcNow - started).IsLessThan(TimeSpan.FromSeconds(1.5));
    }

    [Test]
    public async Task A_test_send_reports_the_outcome_and_is_logged()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(200).Answer(503);
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var channel = await CreateWebhook(client, receiver.Url("/hook").ToString());

        var ok = await (await client.PostAsync($"/api/v1/notification-channels/{channel}/test", null)).ReadJsonAsync();
        await Assert.That(ok.GetProperty("delivered").GetBoolean()).IsTrue();
        await Assert.That(ok.GetProperty("status_code").GetInt32()).IsEqualTo(200);
        await Assert.That(receiver.Requests[0].Json().GetProperty("event").GetString()).IsEqualTo("test");

        var failed = await (await client.PostAsync($"/api/v1/notification-channels/{channel}/test", null)).ReadJsonAsync();
        await Assert.That(failed.GetProperty("delivered").GetBoolean()).IsFalse();
        await Assert.That(failed.GetProperty("status_code").GetInt32()).IsEqualTo(503);

        var log = await Deliveries(client, channel);
        await Assert.That(log.GetArrayLength()).IsEqualTo(2);
        await Assert.That(log[0].GetProperty("event").GetString()).IsEqualTo("test");
        await Assert.That(log[0].GetProperty("state").GetString()).IsEqualTo("failed");
        await Assert.That(log[1].GetProperty("state").GetString()).IsEqualTo("delivered");
    }
}
