using System.Net;
using System.Text.Json;
using static Flatline.Tests.AgentResults;

namespace Flatline.Tests.Locations;

/// <summary>The agents' routes against the real server on 127.0.0.1, with the test as the agent: what a
/// token may pull and push, a batch taken once, the agent's clock corrected, and the quorum over locations.</summary>
public class AgentRouteTests
{
    const string Closed = "http://127.0.0.1:9/";

    static Task<FlatlineServer> Start() => FlatlineServer.StartAsync(s => s with { LocationOfflineSeconds = 6 });

    static async Task<string> Location(FlatlineClient api, string name)
    {
        var created = await api.PostAsync("/api/v1/locations", $$"""{"name":"{{name}}"}""");
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created);
        return created.Json.GetProperty("token").GetString()!;
    }

    static async Task<JsonElement> Monitor(FlatlineClient api, string locations, string quorum = "majority", string url = Closed, string extra = "")
    {
        var created = await api.PostAsync("/api/v1/monitors",
            $$$"""{"name":"m","interval":3600,"timeout":5,"locations":{{{locations}}},"quorum":"{{{quorum}}}"{{{extra}}},"config":{"type":"http","headers":{"X-Secret":"s3cret"},"url":"{{{url}}}"}}""");
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created).Because(created.Text);
        return created.Json;
    }

    static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Test]
    public async Task An_agent_pulls_only_its_locations_monitors_and_hears_of_a_change_at_once()
    {
        await using var server = await Start();
        using var api = server.CreateApiClient();
        var eu = await Location(api, "eu");
        await Location(api, "us");
        var mine = await Monitor(api, """["local","eu"]""");
        await Monitor(api, """["local","us"]""");
        using var agent = new FlatlineClient(server.BaseAddress, eu);

        var first = await agent.GetAsync("/api/agent/v1/assignments");
        await Assert.That(first.Status).IsEqualTo(HttpStatusCode.OK);
        var monitors = first.Json.GetProperty("monitors");
        await Assert.That(monitors.GetArrayLength()).IsEqualTo(1);
        await Assert.That(monitors[0].GetProperty("id").GetString()).IsEqualTo(mine.GetProperty("id").GetString());
        // The probe needs its monitor's headers; nothing else of the owner's comes with them.
        await Assert.That(monitors[0].GetProperty("config").GetProperty("headers").GetProperty("X-Secret").GetString()).IsEqualTo("s3cret");
        await Assert.That(first.Json.GetProperty("location").GetString()).IsEqualTo("eu");
        var revision = first.Json.GetProperty("revision").GetInt64();

        // Nothing changes: the poll waits (LOCATION_OFFLINE_SECONDS / 3 = 2 s) and says so with 204.
        var quiet = await agent.GetAsync($"/api/agent/v1/assignments?since={revision}");
        await Assert.That(quiet.Status).IsEqualTo(HttpStatusCode.NoContent);

        // A change answers a waiting poll at once.
        var waiting = agent.GetAsync($"/api/agent/v1/assignments?since={revision}");
        await Task.Delay(200);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Monitor(api, """["eu"]""");
        var changed = await waiting;
        await Assert.That(changed.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(started.Elapsed).IsLessThan(TimeSpan.FromSeconds(1));
        await Assert.That(changed.Json.GetProperty("monitors").GetArrayLength()).IsEqualTo(2);

        var listed = (await api.GetAsync("/api/v1/locations")).Json.EnumerateArray().Single(l => l.GetProperty("name").GetString() == "eu");
        await Assert.That(listed.GetProperty("status").GetString()).IsEqualTo("online");
        await Assert.That(listed.GetProperty("last_seen_at").ValueKind).IsEqualTo(JsonValueKind.String);
    }

    [Test]
    public async Task A_batch_sent_twice_is_stored_once_in_order_and_results_for_other_monitors_are_dropped()
    {
        await using var server = await Start();
        using var api = server.CreateApiClient();
        var eu = await Location(api, "eu");
        await Location(api, "us");
        var mine = (await Monitor(api, """["eu"]""")).GetProperty("id").GetString()!;
        var theirs = (await Monitor(api, """["us"]""")).GetProperty("id").GetString()!;
        using var agent = new FlatlineClient(server.BaseAddress, eu);
        var revision = Revision(server, mine);
        var t = Now - 60_000;
        var body = Batch("buffer-0001", Now, (1, mine, revision, t, true), (2, mine, revision, t + 10_000, false), (3, theirs, Revision(server, theirs), t, false),
            (4, mine, revision, t + 20_000, true));

        var sent = await agent.PostAsync("/api/agent/v1/results", body);
        await Assert.That(sent.Status).IsEqualTo(HttpStatusCode.OK).Because(sent.Text);
        await Assert.That(sent.Json.GetProperty("accepted").GetInt32()).IsEqualTo(3);
        await Assert.That(sent.Json.GetProperty("dropped").GetInt32()).IsEqualTo(1);
        // The answer was lost: the agent sends the batch again, and it is taken once.
        var again = await agent.PostAsync("/api/agent/v1/results", body);
        await Assert.That(again.Json.GetProperty("duplicates").GetInt32()).IsEqualTo(4);

        var checks = (await api.ListChecksAsync(mine, "limit=100")).Value;
        await Assert.That(checks.Count).IsEqualTo(3);
        await Assert.That(checks.All(c => c.Location == "eu")).IsTrue();
        await Assert.That(checks.Select(c => c.Status).ToList()).IsEquivalentTo([MonitorStatus.Up, MonitorStatus.Down, MonitorStatus.Up]);
        await Assert.That(checks.Select(c => c.CheckedAt).ToList()).IsOrderedByDescending(c => c);
        await Assert.That(server.Scalar<long>($"SELECT count(*) FROM checks c JOIN monitors m ON m.id = c.monitor_id WHERE m.uid = '{theirs}'")).IsEqualTo(0);
        await Assert.That(server.Scalar<long>("SELECT last_seq FROM locations WHERE name = 'eu'")).IsEqualTo(4);
    }

    [Test]
    [Arguments(30)]
    [Arguments(-30)]
    public async Task An_agents_clock_off_by_half_a_minute_does_not_move_its_checks(int skewSeconds)
    {
        await using var server = await Start();
        using var api = server.CreateApiClient();
        var eu = await Location(api, "eu");
        var id = (await Monitor(api, """["local","eu"]""", url: "http://127.0.0.1:9/")).GetProperty("id").GetString()!;
        using var agent = new FlatlineClient(server.BaseAddress, eu);
        var revision = Revision(server, id);
        var skew = skewSeconds * 1000L;
        // Two checks 5 s apart on the agent's clock, sent now: they land 5 s apart, ending about now on the server's.
        var agentNow = Now + skew;
        var sent = await agent.PostAsync("/api/agent/v1/results", Batch("buffer-0002", agentNow, (1, id, revision, agentNow - 5000, true), (2, id, revision, agentNow, true)));
        await Assert.That(sent.Status).IsEqualTo(HttpStatusCode.OK);
        var checks = (await api.ListChecksAsync(id, "location=eu")).Value;
        await Assert.That(checks.Count).IsEqualTo(2);
        var newest = new DateTimeOffset(checks[0].CheckedAt, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var older = new DateTimeOffset(checks[1].CheckedAt, TimeSpan.Zero).ToUnixTimeMilliseconds();
        await Assert.That(Math.Abs(newest - Now)).IsLessThan(3000);
        await Assert.That(newest - older).IsBetween(4990, 5010);
    }

    [Test]
    public async Task One_location_failing_is_no_incident_under_majority_and_a_second_opens_one_naming_both()
    {
        await using var server = await Start();
        using var api = server.CreateApiClient();
        var eu = await Location(api, "eu");
        var us = await Location(api, "us");
        using var euAgent = new FlatlineClient(server.BaseAddress, eu);
        using var usAgent = new FlatlineClient(server.BaseAddress, us);
        // Both agents have reported: three locations count.
        await euAgent.GetAsync("/api/agent/v1/assignments");
        await usAgent.GetAsync("/api/agent/v1/assignments");
        var id = (await Monitor(api, """["eu","us","local"]""", url: "http://127.0.0.1:9/", extra: ",\"retries\":1")).GetProperty("id").GetString()!;
        var revision = Revision(server, id);

        var t = Now;
        await Assert.That((await euAgent.PostAsync("/api/agent/v1/results", Batch("eu-buffer-1", Now, (1, id, revision, t, false), (2, id, revision, t + 1, false)))).Status)
            .IsEqualTo(HttpStatusCode.OK);
        await Assert.That((await usAgent.PostAsync("/api/agent/v1/results", Batch("us-buffer-1", Now, (1, id, revision, t, true)))).Status).IsEqualTo(HttpStatusCode.OK);
        var afterOne = await api.GetMonitorAsync(id);
        await Assert.That(afterOne.Value.Status).IsNotEqualTo(MonitorStatus.Down);
        await Assert.That((await api.ListIncidentsAsync(id)).Value).IsEmpty();

        await usAgent.PostAsync("/api/agent/v1/results", Batch("us-buffer-1", Now, (2, id, revision, t + 2, false), (3, id, revision, t + 3, false)));
        var afterTwo = await api.GetMonitorAsync(id);
        await Assert.That(afterTwo.Value.Status).IsEqualTo(MonitorStatus.Down);
        var incidents = (await api.ListIncidentsAsync(id)).Value;
        await Assert.That(incidents.Count).IsEqualTo(1);
        await Assert.That(incidents[0].Locations).IsEquivalentTo(["eu", "us"]);

        var perLocation = await api.GetAsync($"/api/v1/monitors/{id}/locations");
        var eus = perLocation.Json.EnumerateArray().Single(l => l.GetProperty("location").GetString() == "eu");
        await Assert.That(eus.GetProperty("status").GetString()).IsEqualTo("down");
        await Assert.That(eus.GetProperty("windows").GetProperty("24h").GetProperty("checks").GetInt64()).IsEqualTo(2);

        // One location recovering ends the quorum: the incident resolves.
        await euAgent.PostAsync("/api/agent/v1/results", Batch("eu-buffer-1", Now, (3, id, revision, t + 4, true)));
        await Assert.That((await api.GetMonitorAsync(id)).Value.Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That((await api.ListIncidentsAsync(id)).Value[0].ResolvedAt).IsNotNull();
    }

    [Test]
    public async Task A_stolen_agent_token_reads_no_other_locations_monitors_and_writes_nothing_else()
    {
        await using var server = await Start();
        using var api = server.CreateApiClient();
        var eu = await Location(api, "eu");
        await Location(api, "us");
        var theirs = (await Monitor(api, """["us"]""")).GetProperty("id").GetString()!;
        var channel = await api.PostAsync("/api/v1/notification-channels", """{"name":"hook","config":{"type":"webhook","url":"http://127.0.0.1:9/hook","secret":"topsecret-webhook-key"}}""");
        await Assert.That(channel.Status).IsEqualTo(HttpStatusCode.Created).Because(channel.Text);
        using var thief = new FlatlineClient(server.BaseAddress, eu);

        var pulled = await thief.GetAsync("/api/agent/v1/assignments");
        await Assert.That(pulled.Json.GetProperty("monitors").GetArrayLength()).IsEqualTo(0);
        await Assert.That(pulled.Text).DoesNotContain("s3cret");
        foreach (var path in new[] { "/api/v1/notification-channels", $"/api/v1/monitors/{theirs}", "/api/v1/monitors", "/api/v1/tokens", "/metrics" })
        {
            var response = await thief.GetAsync(path);
            await Assert.That(response.Status).IsIn(HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized).Because(path);
            await Assert.That(response.Text).DoesNotContain("topsecret");
            await Assert.That(response.Text).DoesNotContain("s3cret");
        }
        var pushed = await thief.PostAsync("/api/agent/v1/results", Batch("thief-buffer", Now, (1, theirs, Revision(server, theirs), Now, false)));
        await Assert.That(pushed.Json.GetProperty("dropped").GetInt32()).IsEqualTo(1);
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM checks")).IsEqualTo(0);

        using var stranger = new FlatlineClient(server.BaseAddress, "fla_" + new string('a', 43));
        await Assert.That((await stranger.GetAsync("/api/agent/v1/assignments")).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        using var apiToken = server.CreateApiClient();
        await Assert.That((await apiToken.GetAsync("/api/agent/v1/assignments")).Status).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_silent_agent_turns_its_location_offline_with_one_notice_and_leaves_the_monitor_as_it_was()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await Start();
        using var api = server.CreateApiClient();
        var eu = await Location(api, "eu");
        var hook = await api.PostAsync("/api/v1/notification-channels", $$$"""{"name":"hook","config":{"type":"webhook","url":"{{{receiver.Url("/hook")}}}"}}""");
        await Assert.That(hook.Status).IsEqualTo(HttpStatusCode.Created);
        using var agent = new FlatlineClient(server.BaseAddress, eu);
        await agent.GetAsync("/api/agent/v1/assignments");
        var id = (await Monitor(api, """["local","eu"]""", url: server.BaseAddress + "healthz")).GetProperty("id").GetString()!;
        await Assert.That(await Poll.UntilAsync(async () => (await api.GetMonitorAsync(id)).Value.Status == MonitorStatus.Up, TimeSpan.FromSeconds(10))).IsTrue();

        // The agent says nothing more: after LOCATION_OFFLINE_SECONDS (6 s) its location is offline, once.
        var offline = await Poll.UntilAsync(async () => (await api.GetAsync("/api/v1/locations")).Json.EnumerateArray()
            .Single(l => l.GetProperty("name").GetString() == "eu").GetProperty("status").GetString() == "offline", TimeSpan.FromSeconds(20));
        await Assert.That(offline).IsTrue();
        await Assert.That(await Poll.UntilAsync(() => Task.FromResult(receiver.Requests.Any(r => r.BodyText.Contains("location.offline"))), TimeSpan.FromSeconds(20))).IsTrue();
        await Task.Delay(2000);
        await Assert.That(receiver.Requests.Count(r => r.BodyText.Contains("location.offline"))).IsEqualTo(1);
        await Assert.That((await api.GetMonitorAsync(id)).Value.Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That((await api.ListIncidentsAsync(id)).Value).IsEmpty();
    }
}

/// <summary>Bounded polling for a condition that comes true in its own time (no sleeps where a state can be asked for).</summary>
static class Poll
{
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        for (var i = 0; i < 10_000 && DateTime.UtcNow < deadline; i++)
        {
            if (await condition()) return true;
            await Task.Delay(50);
        }
        return await condition();
    }
}
