using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Flatline.Tests.Stats;

/// <summary>The SSE stream of the real server, read by a real client.</summary>
public class StreamTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    static async Task<string> Create(HttpClient client, string url, bool enabled = true)
    {
        using var response = await client.PostJsonAsync("/api/v1/monitors",
            $$$"""{"name":"m","interval":10,"timeout":2,"enabled":{{{(enabled ? "true" : "false")}}},"config":{"type":"http","url":"{{{url}}}"}}""");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    [Test]
    public async Task The_stream_needs_credentials()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateAnonymousClient();
        await using var stream = await EventStream.OpenAsync(client);
        await Assert.That(stream.Response.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task On_connect_every_existing_monitor_and_no_deleted_one_is_in_the_snapshot()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var a = await Create(client, "http://127.0.0.1:9/a", enabled: false);
        var b = await Create(client, "http://127.0.0.1:9/b", enabled: false);
        var gone = await Create(client, "http://127.0.0.1:9/c", enabled: false);
        await client.DeleteAsync($"/api/v1/monitors/{gone}");

        await using var stream = await EventStream.OpenAsync(client);
        await Assert.That(stream.Response.Content.Headers.ContentType!.MediaType).IsEqualTo("text/event-stream");
        var first = (await stream.NextAsync(Wait))!.Value;
        var second = (await stream.NextAsync(Wait))!.Value;
        await Assert.That(first.GetProperty("type").GetString()).IsEqualTo("stats_update");
        await Assert.That(first.GetProperty("monitor_id").GetString()).IsEqualTo(a);
        await Assert.That(first.GetProperty("status").GetString()).IsEqualTo("paused");
        await Assert.That(first.GetProperty("stats").GetProperty("24h").TryGetProperty("uptime", out _)).IsTrue();
        await Assert.That(second.GetProperty("monitor_id").GetString()).IsEqualTo(b);
    }

    [Test]
    public async Task Checks_and_incidents_arrive_live_and_stats_updates_are_coalesced()
    {
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 500;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FlatlineServer.StartAsync(time: time);
        using var client = server.CreateClient();
        await using var stream = await EventStream.OpenAsync(client);
        var id = await Create(client, target.Url("/health").ToString());

        time.Advance(Scheduler.Tick);
        var check = await stream.NextOfTypeAsync("check_result", Wait, id);
        await Assert.That(check.GetProperty("status").GetString()).IsEqualTo("down");
        await Assert.That(check.GetProperty("status_code").GetInt32()).IsEqualTo(500);
        await Assert.That(check.GetProperty("error").GetString()).IsEqualTo("unexpected status 500 (expected 2xx)");
        await Assert.That(check.GetProperty("monitor_status").GetString()).IsEqualTo("down");
        var opened = await stream.NextOfTypeAsync("incident_opened", Wait, id);
        await Assert.That(opened.GetProperty("incident").GetProperty("cause").GetString()).IsEqualTo("unexpected status 500 (expected 2xx)");

        target.HealthStatus = 200;
        for (var i = 0; i < 100; i++) time.Advance(Scheduler.Tick); // 10 s: the next check is due
        var resolved = await stream.NextOfTypeAsync("incident_resolved", Wait, id);
        await Assert.That(resolved.GetProperty("incident").GetProperty("id").GetString()).IsEqualTo(opened.GetProperty("incident").GetProperty("id").GetString());
        await Assert.That(resolved.GetProperty("incident").GetProperty("resolution").GetString()).IsEqualTo("recovered");

        // Two checks changed the stats within 10 s; the hub may send at most one update per 5 s.
        var hub = server.Services.GetRequiredService<LiveHub>();
        hub.SendDueStats();
        var update = await stream.NextOfTypeAsync("stats_update", Wait, id);
        await Assert.That(update.GetProperty("status").GetString()).IsEqualTo("up");
        await Assert.That(update.GetProperty("stats").GetProperty("24h").GetProperty("checks").GetInt64()).IsEqualTo(2L);

        // A third check right away: no second update until 5 s have passed.
        using var patched = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"timeout":3}""");
        time.Advance(Scheduler.Tick);
        await stream.NextOfTypeAsync("check_result", Wait, id);
        hub.SendDueStats();
        time.Advance(TimeSpan.FromSeconds(5));
        hub.SendDueStats();
        var next = await stream.NextOfTypeAsync("stats_update", Wait, id);
        await Assert.That(next.GetProperty("stats").GetProperty("24h").GetProperty("checks").GetInt64()).IsEqualTo(3L);
    }

    [Test]
    public async Task A_quiet_stream_gets_keep_alive_comments()
    {
        await using var server = await FlatlineServer.StartAsync();
        server.Services.GetRequiredService<LiveHub>().KeepAliveInterval = TimeSpan.FromMilliseconds(100);
        using var client = server.CreateClient();
        await using var stream = await EventStream.OpenAsync(client);
        try { await stream.NextAsync(TimeSpan.FromMilliseconds(450)); } catch (OperationCanceledException) { }
        await Assert.That(stream.Comments).IsGreaterThanOrEqualTo(3);
    }

    [Test]
    public async Task A_client_that_falls_behind_is_disconnected_not_silently_skipped()
    {
        await using var server = await FlatlineServer.StartAsync();
        var hub = server.Services.GetRequiredService<LiveHub>();
        var (_, events, _) = hub.Connect();
        var job = new ProbeJob(new ScheduledMonitor(1, "m"), 0, null!, 0);
        var e = new MonitorEvent(1, "m", Transition.None, null, new ProbeResult(job, 0, new ProbeOutcome(true, 200, 1000, null, null)),
            new MonitorState(MonitorStatus.Up, 0), 0, false);
        for (var i = 0; i < LiveHub.QueueLength + 1; i++) hub.OnCommitted([e]);

        await Assert.That(hub.Clients).IsEqualTo(0);
        var received = 0;
        while (events.TryRead(out _)) received++;
        await Assert.That(received).IsEqualTo(LiveHub.QueueLength);
        await Assert.That(events.Completion.IsCompleted).IsTrue();
    }

    [Test]
    public async Task Shutdown_ends_open_streams_promptly()
    {
        var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        await using var stream = await EventStream.OpenAsync(client);
        var stopping = server.DisposeAsync().AsTask();
        var started = DateTime.UtcNow;
        try
        {
            while (await stream.NextAsync(TimeSpan.FromSeconds(5)) is not null) { }
        }
        catch (IOException) { }
        catch (HttpRequestException) { }
        await stopping;
        await Assert.That(DateTime.UtcNow - started).IsLessThan(TimeSpan.FromSeconds(3));
    }
}
