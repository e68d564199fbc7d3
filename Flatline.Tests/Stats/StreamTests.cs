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
        await Assert.That(first.GetProperty("windows").GetProperty("24h").TryGetProperty("uptime", out _)).IsTrue();
        await Assert.That(second.GetProperty("monitor_id").GetString()).IsEqualTo(b);
    }

    [Test]
    public async Task Checks_and_incidents_arrive_live()
    {
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 500;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FlatlineServer.StartAsync(time: time);
        using var client = server.CreateClient();
        await using var stream = await EventStream.OpenAsync(client);
        var id = await Create(client, target.Url("/health").ToString());

        // Fake time moves on in the background, a tick every few real milliseconds, until the test ends.
        using var stop = new CancellationTokenSource();
        var clock = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                time.Advance(Scheduler.Tick);
                await Task.Delay(5);
            }
        });
        try
        {
            var check = await stream.NextOfTypeAsync("check_result", Wait, id);
            await Assert.That(check.GetProperty("status").GetString()).IsEqualTo("down");
            await Assert.That(check.GetProperty("status_code").GetInt32()).IsEqualTo(500);
            await Assert.That(check.GetProperty("error").GetString()).IsEqualTo("unexpected status 500 (expected 2xx)");
            await Assert.That(check.GetProperty("monitor_status").GetString()).IsEqualTo("down");
            var opened = await stream.NextOfTypeAsync("incident_opened", Wait, id);
            await Assert.That(opened.GetProperty("incident").GetProperty("cause").GetString()).IsEqualTo("unexpected status 500 (expected 2xx)");

            target.HealthStatus = 200;
            var resolved = await stream.NextOfTypeAsync("incident_resolved", Wait, id);
            await Assert.That(resolved.GetProperty("incident").GetProperty("id").GetString()).IsEqualTo(opened.GetProperty("incident").GetProperty("id").GetString());
            await Assert.That(resolved.GetProperty("incident").GetProperty("resolution").GetString()).IsEqualTo("recovered");

            var update = await stream.NextOfTypeAsync("stats_update", Wait, id);
            await Assert.That(update.GetProperty("windows").GetProperty("24h").GetProperty("checks").GetInt64()).IsGreaterThanOrEqualTo(1L);
        }
        finally
        {
            await stop.CancelAsync();
            await clock;
        }
    }

    [Test]
    public async Task Stats_updates_are_sent_at_most_once_per_monitor_per_five_seconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FlatlineServer.StartAsync(time: time);
        using var client = server.CreateClient();
        var id = await Create(client, "http://127.0.0.1:9/", enabled: false);
        var key = server.Services.GetRequiredService<MonitorStore>().Get(id)!.Key;
        var hub = server.Services.GetRequiredService<LiveHub>();
        var (_, events) = hub.Connect();
        var e = new CommittedBatch(1, [new CommittedCheck(key, id, 0, new ProbeOutcome(true, 200, 1000, null, null),
            new MonitorState(MonitorStatus.Up, 0), Transition.None, null, 0, false)], 0);

        int StatsUpdates()
        {
            var count = 0;
            while (events.TryRead(out var message))
                if (System.Text.Encoding.UTF8.GetString(message).Contains("\"type\":\"stats_update\"", StringComparison.Ordinal)) count++;
            return count;
        }

        hub.OnCommitted(e);
        hub.SendDueStats();
        await Assert.That(StatsUpdates()).IsEqualTo(1);
        for (var i = 0; i < 10; i++)
        {
            hub.OnCommitted(e);
            time.Advance(TimeSpan.FromMilliseconds(400));
            hub.SendDueStats();
        }
        await Assert.That(StatsUpdates()).IsEqualTo(0); // 4 s since the last one
        time.Advance(TimeSpan.FromSeconds(1));
        hub.SendDueStats();
        await Assert.That(StatsUpdates()).IsEqualTo(1); // the changes were kept, and sent once
        hub.SendDueStats();
        await Assert.That(StatsUpdates()).IsEqualTo(0); // nothing changed since
    }

    [Test]
    public async Task A_tick_sends_at_most_its_share_of_stats_updates_the_longest_waiting_first_so_every_monitor_gets_its_turn()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FlatlineServer.StartAsync(time: time);
        using var client = server.CreateClient();
        var store = server.Services.GetRequiredService<MonitorStore>();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await Create(client, "http://127.0.0.1:9/", enabled: false));
        // A hub of its own, not the server's: that one's timer would tick too whenever the fake clock moves.
        using var hub = new LiveHub(server.Services.GetRequiredService<StatsCache>(), store, time) { StatsPerTick = 2 };
        var (_, events) = hub.Connect();
        var checks = ids.Select(id => new CommittedCheck(store.Get(id)!.Key, id, 0, new ProbeOutcome(true, 200, 1000, null, null),
            new MonitorState(MonitorStatus.Up, 0), Transition.None, null, 0, false)).ToList();

        List<string> Sent()
        {
            var sent = new List<string>();
            while (events.TryRead(out var message))
            {
                var json = System.Text.Json.JsonDocument.Parse(message.AsMemory(6)).RootElement;
                if (json.GetProperty("type").GetString() == "stats_update") sent.Add(json.GetProperty("monitor_id").GetString()!);
            }
            return sent;
        }

        hub.OnCommitted(new CommittedBatch(1, checks, 0));
        var first = new List<string>();
        for (var tick = 0; tick < 3; tick++)
        {
            hub.SendDueStats();
            var sent = Sent();
            await Assert.That(sent.Count).IsLessThanOrEqualTo(2);
            first.AddRange(sent);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        await Assert.That(first).IsEquivalentTo(ids); // five monitors, two a tick: all within three ticks, none twice

        // All change again; once all are due, those whose last update is oldest go first.
        time.Advance(TimeSpan.FromSeconds(4));
        hub.OnCommitted(new CommittedBatch(2, checks, 0));
        hub.SendDueStats();
        var next = Sent();
        await Assert.That(next).IsEquivalentTo(first.Take(2).ToList());
        time.Advance(TimeSpan.FromSeconds(1));
        hub.SendDueStats();
        await Assert.That(Sent()).IsEquivalentTo(first.Skip(2).Take(2).ToList());
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
        var (_, events) = hub.Connect();
        var e = new CommittedBatch(1, [new CommittedCheck(1, "m", 0, new ProbeOutcome(true, 200, 1000, null, null),
            new MonitorState(MonitorStatus.Up, 0), Transition.None, null, 0, false)], 0);
        for (var i = 0; i < LiveHub.QueueLength + 1; i++) hub.OnCommitted(e);

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
