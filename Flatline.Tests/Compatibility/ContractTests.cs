using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Flatline.Tests.Compatibility.OriginalContract;

namespace Flatline.Tests.Compatibility;

/// <summary>Every payload of SPEC §11 reads as the original's types read it, REST and stream alike:
/// its clients keep working, whatever Flatline added beside. The REST tests touch only rows of their
/// own, on one shared server.</summary>
[ClassDataSource<SharedFlatlineServer>(Shared = SharedType.PerClass)]
public class ContractTests(SharedFlatlineServer shared)
{
    FlatlineServer Server => shared.Server;

    static async Task<string> PausedMonitor(FlatlineClient api) =>
        (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Paused())).Expect(HttpStatusCode.Created).Value.Id;

    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    static async Task Fits(Shape shape, JsonElement json) =>
        await Assert.That(shape.Problems(json)).IsEmpty().Because(json.GetRawText());

    static async Task FitsEach(Shape shape, JsonElement array)
    {
        await Assert.That(array.ValueKind).IsEqualTo(JsonValueKind.Array);
        foreach (var item in array.EnumerateArray()) await Fits(shape, item);
    }

    [Test]
    public async Task Monitors_read_with_an_http_config_of_integer_statuses_and_take_a_full_body_patch()
    {
        using var api = Server.CreateApiClient();
        var plain = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Named("plain").Paused())).Expect(HttpStatusCode.Created);
        await Fits(MonitorShape, plain.Json);
        await Fits(HttpConfig, plain.Json.GetProperty("config"));
        // The default, any 2xx, is no status list at all: the original's clients read integers there.
        await Assert.That(plain.Json.GetProperty("config").TryGetProperty("expected_status", out var none) ? none.ValueKind : JsonValueKind.Null).IsEqualTo(JsonValueKind.Null);

        var codes = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/x").Named("codes").Paused()
            .WithConfig("method", "post").WithConfig("expected_status", new JsonArray(200, 204)).WithConfig("headers", new JsonObject { ["X-A"] = "b" })))
            .Expect(HttpStatusCode.Created);
        await Fits(HttpConfig, codes.Json.GetProperty("config"));
        await Assert.That(codes.Json.GetProperty("config").GetProperty("expected_status").GetRawText()).IsEqualTo("[200,204]");
        await Assert.That(codes.Json.GetProperty("config").GetProperty("method").GetString()).IsEqualTo("POST");
        // Strings stay strings when they were sent as strings.
        var classes = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/y").Paused().WithConfig("expected_status", new JsonArray("3xx"))))
            .Expect(HttpStatusCode.Created);
        await Assert.That(classes.Json.GetProperty("config").GetProperty("expected_status").GetRawText()).IsEqualTo("""["3xx"]""");

        await FitsEach(MonitorShape, (await api.ListMonitorsAsync()).Json);

        // The original's UI sends the whole monitor back, read-only fields and all.
        var full = JsonNode.Parse((await api.GetMonitorAsync(codes.Value.Id)).Text)!.AsObject();
        full["name"] = "renamed";
        var patched = (await api.PatchAsync($"/api/v1/monitors/{codes.Value.Id}", full.ToJsonString())).Expect(HttpStatusCode.OK);
        await Fits(MonitorShape, patched.Json);
        await Assert.That(patched.Json.GetProperty("name").GetString()).IsEqualTo("renamed");
        await Assert.That(patched.Json.GetProperty("config").GetProperty("expected_status").GetRawText()).IsEqualTo("[200,204]");
    }

    [Test]
    public async Task Checks_have_stable_ids_integer_response_times_and_error_message()
    {
        using var api = Server.CreateApiClient();
        var id = await PausedMonitor(api);
        // A fraction of a millisecond, a failure with a status, and one with no response at all.
        Server.Execute($"""
            INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code, error)
            SELECT id, 1767225600000, 1, 1234, 200, NULL FROM monitors WHERE uid = '{id}' UNION ALL
            SELECT id, 1767225660000, 0, 2600, 503, 'unexpected status 503 (expected 2xx)' FROM monitors WHERE uid = '{id}' UNION ALL
            SELECT id, 1767225720123, 0, NULL, NULL, 'connection refused' FROM monitors WHERE uid = '{id}';
            """);
        var checks = (await api.ListChecksAsync(id)).Expect(HttpStatusCode.OK);
        await FitsEach(Check, checks.Json);
        var json = checks.Json.EnumerateArray().ToList();
        await Assert.That(json[2].GetProperty("response_time_ms").GetRawText()).IsEqualTo("1");
        await Assert.That(json[2].GetProperty("latency_ms").GetDouble()).IsEqualTo(1.234);
        await Assert.That(json[1].GetProperty("response_time_ms").GetRawText()).IsEqualTo("3");
        await Assert.That(json[0].GetProperty("response_time_ms").GetRawText()).IsEqualTo("0");
        await Assert.That(json[0].GetProperty("error_message").GetString()).IsEqualTo("connection refused");
        await Assert.That(json[0].GetProperty("error").GetString()).IsEqualTo("connection refused");

        // The id is a UUIDv7 of the check's time, the same on every read, and unique.
        var ids = checks.Value.Select(c => c.Id).ToList();
        await Assert.That(ids.Distinct().Count()).IsEqualTo(3);
        await Assert.That(Guid.Parse(ids[0]).Version).IsEqualTo(7);
        await Assert.That(Convert.ToInt64(ids[0].Replace("-", "", StringComparison.Ordinal)[..12], 16)).IsEqualTo(1767225720123L);
        await Assert.That((await api.ListChecksAsync(id)).Value.Select(c => c.Id).ToList()).IsEquivalentTo(ids);
    }

    [Test]
    public async Task Check_ids_differ_between_monitors_at_the_same_time()
    {
        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var a = new CheckIds(Guid.CreateVersion7().ToString());
        var b = new CheckIds(Guid.CreateVersion7().ToString());
        await Assert.That(a.Of(at)).IsNotEqualTo(b.Of(at));
        await Assert.That(a.Of(at)).IsEqualTo(a.Of(at));
        await Assert.That(a.Of(at)).IsNotEqualTo(a.Of(at + 1));
        var text = a.Of(at);
        await Assert.That(Guid.Parse(text).Version).IsEqualTo(7);
        await Assert.That("89ab").Contains(text[19]); // the RFC 9562 variant
        await Assert.That(Convert.ToInt64(text.Replace("-", "", StringComparison.Ordinal)[..12], 16)).IsEqualTo(at);
    }

    [Test]
    public async Task Incidents_channels_and_links_read_as_the_original_reads_them()
    {
        using var api = Server.CreateApiClient();
        var monitor = await PausedMonitor(api);
        Server.Execute($"""
            INSERT INTO incidents (uid, monitor_id, started_at, resolved_at, cause, resolution)
            SELECT '{Guid.CreateVersion7()}', id, 1767225600000, 1767225690000, 'timeout after 5 s', 'recovered' FROM monitors WHERE uid = '{monitor}';
            """);
        await FitsEach(Incident, (await api.ListIncidentsAsync(monitor)).Json);

        var channels = new List<string>();
        foreach (var channel in new[]
        {
            ChannelBody.Of("slack").WithConfig("url", "https://hooks.slack.com/services/T0/B0/X"),
            ChannelBody.Of("discord").WithConfig("url", "https://discord.com/api/webhooks/1/x"),
            ChannelBody.Of("webhook").WithConfig("url", "https://hooks.example.com/x"),
            ChannelBody.Of("telegram").WithConfig("url", "https://api.telegram.org/bot1:A").WithConfig("chat_id", "-100123"),
        })
        {
            var created = (await api.CreateNotificationChannelAsync(channel)).Expect(HttpStatusCode.Created);
            await Fits(Channel, created.Json);
            var config = created.Json.GetProperty("config");
            await Fits(config.GetProperty("type").GetString() == "telegram" ? TelegramConfig : UrlChannelConfig, config);
            channels.Add(created.Value.Id);
        }
        await FitsEach(Channel, (await api.ListNotificationChannelsAsync()).Json);

        // The original's link routes.
        var link = (await api.PostAsync($"/api/v1/monitors/{monitor}/notifications", $$"""{"channel_id":"{{channels[0]}}","on_recovery":false}"""))
            .Expect(HttpStatusCode.Created);
        await Fits(Link, link.Json);
        await Assert.That(link.Json.GetProperty("on_recovery").GetBoolean()).IsFalse();
        (await api.PostAsync($"/api/v1/monitors/{monitor}/notifications", $$"""{"channel_id":"{{channels[3]}}"}""")).Expect(HttpStatusCode.Created);
        var links = (await api.GetAsync($"/api/v1/monitors/{monitor}/notifications")).Expect(HttpStatusCode.OK);
        await FitsEach(Link, links.Json);
        await Assert.That(links.Json.GetArrayLength()).IsEqualTo(2);
        // The same links as Flatline's own path shows them.
        await Assert.That((await api.ListMonitorChannelsAsync(monitor)).Text).IsEqualTo(links.Text);
        (await api.DeleteAsync($"/api/v1/monitors/{monitor}/notifications/{channels[0]}")).Expect(HttpStatusCode.NoContent);
        await Assert.That((await api.GetAsync($"/api/v1/monitors/{monitor}/notifications")).Json.GetArrayLength()).IsEqualTo(1);
    }

    [Test]
    public async Task Every_stream_event_reads_as_the_original_reads_it()
    {
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 500;
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var api = server.CreateApiClient();
        var quiet = await PausedMonitor(api);
        await using var stream = await api.OpenStreamAsync();

        // A monitor with no data: every number of the flat stats is 0, never null.
        var empty = await stream.NextOfTypeAsync("stats_update", Wait, quiet);
        await Fits(StatsUpdate, empty);
        await Assert.That(empty.GetProperty("stats").GetProperty("uptime_7d").GetRawText()).IsEqualTo("0");
        await Assert.That(empty.GetProperty("windows").GetProperty("7d").GetProperty("uptime").ValueKind).IsEqualTo(JsonValueKind.Null);

        var id = (await api.CreateMonitorAsync(MonitorBody.Http(target.Url("/health")).Interval(10).Timeout(2))).Value.Id;
        var refused = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/refused").Interval(10).Timeout(2))).Value.Id;
        await using (clock.Run(Scheduler.Tick))
        {
            var check = await stream.NextOfTypeAsync("check_result", Wait, id);
            await Fits(CheckResult, check);
            await Assert.That(check.GetProperty("status_code").GetInt32()).IsEqualTo(500);
            await Assert.That(check.GetProperty("error_message").GetString()).IsEqualTo("unexpected status 500 (expected 2xx)");
            var opened = await stream.NextOfTypeAsync("incident_opened", Wait, id);
            await Fits(IncidentOpened, opened);
            await Assert.That(opened.GetProperty("incident_id").GetString()).IsEqualTo(opened.GetProperty("incident").GetProperty("id").GetString());

            var noResponse = await stream.NextOfTypeAsync("check_result", Wait, refused);
            await Fits(CheckResult, noResponse);
            await Assert.That(noResponse.GetProperty("response_time_ms").GetRawText()).IsEqualTo("0");

            target.HealthStatus = 200;
            var resolved = await stream.NextOfTypeAsync("incident_resolved", Wait, id);
            await Fits(IncidentResolved, resolved);
            await Assert.That(resolved.GetProperty("incident_id").GetString()).IsEqualTo(opened.GetProperty("incident_id").GetString());

            var stats = await stream.NextOfTypeAsync("stats_update", Wait, id);
            await Fits(StatsUpdate, stats);
            await Assert.That(stats.GetProperty("windows").GetProperty("7d").GetProperty("checks").GetInt64()).IsGreaterThanOrEqualTo(1L);
        }
    }
}
