using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Checks;

/// <summary>The <c>push</c> check type: its validator and its schedule (cron across daylight saving
/// time) as pure code, and its public routes driven by curl in a real shell against the real server,
/// on a fake clock wherever a deadline matters.</summary>
public sealed class PushCheckTests
{
    static readonly CheckTypes Registered = CheckTypes.Create(TimeProvider.System);
    static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    static (MonitorConfig? Config, Dictionary<string, string[]> Errors) Validate(string json, MonitorConfig? current = null)
    {
        var errors = new Dictionary<string, string[]>();
        using var document = JsonDocument.Parse(json);
        return (Registered.Validate(document.RootElement, errors, current), errors);
    }

    static long Ms(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    static string Utc(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    static PushSchedule Cron(string expression, int graceSeconds = 0) =>
        new((PushCheckSpec)Registered.Find("push")!.Compile(new PushMonitorConfig("t", graceSeconds, expression, "Europe/Berlin"), TimeSpan.FromSeconds(10)), TimeSpan.FromSeconds(60));

    /// <summary>Runs <paramref name="script"/> in /bin/sh, as a cron job would; its stdout.</summary>
    static async Task<string> Shell(string script)
    {
        var result = await ChildProcess.RunAsync("/bin/sh", ["-c", script], limit: TimeSpan.FromSeconds(30));
        await Assert.That(result.ExitCode).IsEqualTo(0).Because(result.Output);
        return result.Stdout.TrimEnd('\n');
    }

    /// <summary>curl's body and status code for one request: <c>curl -s -X METHOD URL</c>.</summary>
    static string Curl(Uri url, string method = "GET") => $"curl -s -X {method} -w ' %{{http_code}}' '{url.AbsoluteUri}'";

    static async Task<(string Id, string Token)> CreatePush(FlatlineClient client, string config, int interval = 60, bool enabled = true)
    {
        var created = await client.PostAsync("/api/v1/monitors", $$"""{"name":"job","interval":{{interval}},"timeout":5,"enabled":{{(enabled ? "true" : "false")}},"config":{{config}}}""");
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created).Because(created.Text);
        var json = created.Json;
        return (json.GetProperty("id").GetString()!, json.GetProperty("config").GetProperty("token").GetString()!);
    }

    static async Task<JsonElement> WaitFor(FlatlineClient client, string id, Func<JsonElement, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var checks = (await client.GetAsync($"/api/v1/monitors/{id}/checks?limit=100")).Json;
            if (done(checks)) return checks;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: {checks}");
            await Task.Delay(20);
        }
    }

    static Task<JsonElement> WaitForChecks(FlatlineClient client, string id, int count) =>
        WaitFor(client, id, checks => checks.GetArrayLength() >= count, $"{count} checks");

    static async Task<string> Status(FlatlineClient client, string id) =>
        (await client.GetAsync($"/api/v1/monitors/{id}")).Json.GetProperty("status").GetString()!;

    [Test]
    [Arguments("""{"type":"push","grace_seconds":-1}""", "config.grace_seconds")]
    [Arguments("""{"type":"push","grace_seconds":604801}""", "config.grace_seconds")]
    [Arguments("""{"type":"push","cron":"* * *"}""", "config.cron")]
    [Arguments("""{"type":"push","cron":"0 3 * * * *"}""", "config.cron")]
    [Arguments("""{"type":"push","cron":"61 3 * * *"}""", "config.cron")]
    [Arguments("""{"type":"push","cron":"0 3 * * mon-xyz"}""", "config.cron")]
    [Arguments("""{"type":"push","cron":"0 0 30 2 *"}""", "config.cron")]
    [Arguments("""{"type":"push","cron":7}""", "config.cron")]
    [Arguments("""{"type":"push","cron":"0 3 * * *","timezone":"Mars/Olympus"}""", "config.timezone")]
    [Arguments("""{"type":"push","cron":"0 3 * * *","timezone":"../../etc/passwd"}""", "config.timezone")]
    [Arguments("""{"type":"push","cron":"0 3 * * *","timezone":"/usr/share/zoneinfo/UTC"}""", "config.timezone")]
    [Arguments("""{"type":"push","timezone":"Europe/Berlin"}""", "config.timezone")]
    public async Task A_bad_push_config_names_the_field(string json, string field)
    {
        var (_, errors) = Validate(json);
        await Assert.That(errors.Keys).Contains(field);
        await Assert.That(errors.Count).IsEqualTo(1);
    }

    [Test]
    public async Task A_push_config_gets_a_new_random_token_which_a_change_keeps()
    {
        var (first, errors) = Validate("""{"type":"push","token":"chosen-by-the-client-xxxxxxxxxxx"}""");
        await Assert.That(errors).IsEmpty();
        var push = (PushMonitorConfig)first!;
        await Assert.That(push.Token).Matches("^[A-Za-z0-9_-]{32}$");
        await Assert.That(push with { Token = "" }).IsEqualTo(new PushMonitorConfig("", 60, null, null));
        await Assert.That(push.PushUrl).IsEqualTo("/api/push/" + push.Token);
        await Assert.That(push.Target).IsEqualTo("push (every interval)");
        var (other, _) = Validate("""{"type":"push"}""");
        await Assert.That(((PushMonitorConfig)other!).Token).IsNotEqualTo(push.Token);

        var (changed, _) = Validate("""{"type":"push","cron":"0 3 * * *","grace_seconds":600}""", push);
        await Assert.That(changed).IsEqualTo(new PushMonitorConfig(push.Token, 600, "0 3 * * *", "UTC"));
        await Assert.That(changed!.Target).IsEqualTo("push at 0 3 * * * (UTC)");
        await Assert.That(JsonSerializer.Serialize(changed, FlatlineJson.Default.MonitorConfig)).IsEqualTo(
            $$"""{"type":"push","token":"{{push.Token}}","grace_seconds":600,"cron":"0 3 * * *","timezone":"UTC","push_url":"/api/push/{{push.Token}}"}""");
    }

    [Test]
    public async Task A_cron_schedule_follows_berlins_clock_across_both_daylight_saving_changes()
    {
        var daily = Cron("0 9 * * *");
        // 09:00 is 08:00 UTC in winter time and 07:00 UTC from the last Sunday of March.
        await Assert.That(Utc(daily.NextExpected(Ms("2026-03-28T12:00:00Z")))).IsEqualTo("2026-03-29T07:00:00Z");
        await Assert.That(Utc(daily.NextExpected(Ms("2026-03-27T12:00:00Z")))).IsEqualTo("2026-03-28T08:00:00Z");
        await Assert.That(Utc(daily.NextExpected(Ms("2026-10-24T12:00:00Z")))).IsEqualTo("2026-10-25T08:00:00Z");

        var night = Cron("30 2 * * *");
        // 02:30 does not exist on 29 March: the run comes when the clock jumps, at 03:00 CEST.
        await Assert.That(Utc(night.NextExpected(Ms("2026-03-28T12:00:00Z")))).IsEqualTo("2026-03-29T01:00:00Z");
        await Assert.That(Utc(night.NextExpected(Ms("2026-03-29T01:00:00Z")))).IsEqualTo("2026-03-30T00:30:00Z");
        // 02:30 happens twice on 25 October: the run comes once, at the first.
        await Assert.That(Utc(night.NextExpected(Ms("2026-10-24T12:00:00Z")))).IsEqualTo("2026-10-25T00:30:00Z");
        await Assert.That(Utc(night.NextExpected(Ms("2026-10-25T00:30:00Z")))).IsEqualTo("2026-10-26T01:30:00Z");
        await Assert.That(night.Missed(Ms("2026-03-29T01:00:00Z"))).IsEqualTo("no push for the 2026-03-29 03:00 run (Europe/Berlin) + 0 s grace");
        await Assert.That(Berlin.Id).IsEqualTo("Europe/Berlin");
    }

    [Test]
    public async Task Kumas_push_url_works_from_a_shell_with_status_message_and_ping()
    {
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var client = server.CreateApiClient();
        var (id, token) = await CreatePush(client, """{"type":"push"}""");
        var url = new Uri(server.BaseAddress, "/api/push/" + token);

        await Assert.That(await Shell(Curl(new Uri(url + "?status=up&msg=OK&ping=12.5")))).IsEqualTo("""{"ok":true} 200""");
        var checks = await WaitForChecks(client, id, 1);
        await Assert.That(checks[0].GetProperty("status").GetString()).IsEqualTo("up");
        await Assert.That(checks[0].GetProperty("latency_ms").GetDouble()).IsEqualTo(12.5);
        await Assert.That(checks[0].GetProperty("error").ValueKind).IsEqualTo(JsonValueKind.Null);

        clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.That(await Shell(Curl(new Uri(url + "?status=down&msg=disk%20full"), "POST"))).IsEqualTo("""{"ok":true} 200""");
        checks = await WaitForChecks(client, id, 2);
        await Assert.That(checks[0].GetProperty("error").GetString()).IsEqualTo("disk full");
        await Assert.That(await Status(client, id)).IsEqualTo("down");

        // A bare push (what most cron lines send) is an up.
        clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.That(await Shell(Curl(url))).IsEqualTo("""{"ok":true} 200""");
        await WaitForChecks(client, id, 3);
        await Assert.That(await Status(client, id)).IsEqualTo("up");
        var incidents = (await client.GetAsync($"/api/v1/monitors/{id}/incidents")).Json;
        await Assert.That(incidents[0].GetProperty("cause").GetString()).IsEqualTo("disk full");
    }

    [Test]
    public async Task Healthchecks_urls_measure_a_run_from_start_and_read_exit_codes()
    {
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var client = server.CreateApiClient();
        var (id, token) = await CreatePush(client, """{"type":"push","grace_seconds":300}""");
        Uri Ping(string suffix = "") => new(server.BaseAddress, $"/ping/{token}{suffix}");

        await Assert.That(await Shell(Curl(Ping("/start")))).IsEqualTo("OK 200");
        clock.Advance(TimeSpan.FromMilliseconds(2500));
        await Assert.That(await Shell(Curl(Ping(), "POST"))).IsEqualTo("OK 200");
        var checks = await WaitForChecks(client, id, 1);
        // The start is no check; the run's duration is the success's response time.
        await Assert.That(checks.GetArrayLength()).IsEqualTo(1);
        await Assert.That(checks[0].GetProperty("latency_ms").GetDouble()).IsEqualTo(2500);

        clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.That(await Shell(Curl(Ping("/fail")))).IsEqualTo("OK 200");
        checks = await WaitForChecks(client, id, 2);
        await Assert.That(checks[0].GetProperty("error").GetString()).IsEqualTo("push: failed");
        await Assert.That(checks[0].GetProperty("latency_ms").ValueKind).IsEqualTo(JsonValueKind.Null);

        // A job's own exit code, as `cmd; curl .../ping/$TOKEN/$?` sends it.
        clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.That(await Shell($"false; curl -s -w ' %{{http_code}}' '{Ping()}'/$?")).IsEqualTo("OK 200");
        checks = await WaitForChecks(client, id, 3);
        await Assert.That(checks[0].GetProperty("error").GetString()).IsEqualTo("exit code 1");
        await Assert.That(await Status(client, id)).IsEqualTo("down");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Assert.That(await Shell($"true; curl -s -w ' %{{http_code}}' '{Ping()}'/$?")).IsEqualTo("OK 200");
        checks = await WaitForChecks(client, id, 4);
        await Assert.That(checks[0].GetProperty("status").GetString()).IsEqualTo("up");
        await Assert.That(await Shell(Curl(Ping("/256")))).IsEqualTo("not found 404");
        await Assert.That(await Shell(Curl(Ping("/ok")))).IsEqualTo("not found 404");
    }

    [Test]
    public async Task A_wrong_token_or_a_paused_monitor_is_a_404_that_says_nothing_and_the_token_opens_nothing_else()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateApiClient();
        var (pausedId, paused) = await CreatePush(client, """{"type":"push"}""", enabled: false);
        var (_, live) = await CreatePush(client, """{"type":"push"}""");
        var wrong = live[..^1] + (live[^1] == 'A' ? 'B' : 'A');

        foreach (var token in new[] { wrong, paused, "short", live + "x" })
        {
            await Assert.That(await Shell(Curl(new Uri(server.BaseAddress, "/api/push/" + token)))).IsEqualTo("""{"ok":false,"msg":"not found"} 404""");
            await Assert.That(await Shell(Curl(new Uri(server.BaseAddress, $"/ping/{token}"), "POST"))).IsEqualTo("not found 404");
        }
        await Assert.That((await client.ListChecksAsync(pausedId)).Value).IsEmpty();

        // The push token is no API token.
        var asBearer = await Shell($"curl -s -o /dev/null -w '%{{http_code}}' -H 'Authorization: Bearer {live}' '{new Uri(server.BaseAddress, "/api/v1/monitors")}'");
        await Assert.That(asBearer).IsEqualTo("401");
    }

    [Test]
    public async Task A_flood_of_pushes_is_refused_per_token_while_other_tokens_still_get_in()
    {
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var client = server.CreateApiClient();
        var (floodedId, flooded) = await CreatePush(client, """{"type":"push"}""");
        var (_, calm) = await CreatePush(client, """{"type":"push"}""");
        var url = new Uri(server.BaseAddress, "/api/push/" + flooded);

        var codes = (await Shell($"for i in $(seq 1 30); do curl -s -o /dev/null -w '%{{http_code}}\\n' '{url}'; done")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // The clock stands still: the burst of 20 and nothing more.
        await Assert.That(codes.Count(c => c == "200")).IsEqualTo(20);
        await Assert.That(codes.Skip(20).All(c => c == "429")).IsTrue();
        await Assert.That(await Shell($"curl -s -D - -o /dev/null '{url}' | tr -d '\\r' | grep -i '^retry-after'")).IsEqualTo("Retry-After: 1");
        await Assert.That(await Shell(Curl(new Uri(server.BaseAddress, "/ping/" + calm)))).IsEqualTo("OK 200");
        await WaitForChecks(client, floodedId, 20);

        // A second later five more are let in (five a second).
        clock.Advance(TimeSpan.FromSeconds(1));
        var later = (await Shell($"for i in $(seq 1 6); do curl -s -o /dev/null -w '%{{http_code}}\\n' '{url}'; done")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await Assert.That(string.Join(",", later)).IsEqualTo("200,200,200,200,200,429");
    }

    [Test]
    public async Task PUSH_RATE_LIMIT_raises_what_one_monitor_takes()
    {
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(s => s with { PushRateLimit = 10, PushRateLimitTotal = 100 }, time: clock);
        using var client = server.CreateApiClient();
        var (_, token) = await CreatePush(client, """{"type":"push"}""");
        var url = new Uri(server.BaseAddress, "/ping/" + token);
        // A burst of four times the rate, then 429.
        var codes = (await Shell($"for i in $(seq 1 41); do curl -s -o /dev/null -w '%{{http_code}}\n' '{url}'; done")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await Assert.That(codes.Take(40).All(c => c == "200")).IsTrue().Because(string.Join(",", codes));
        await Assert.That(codes[40]).IsEqualTo("429");
        clock.Advance(TimeSpan.FromSeconds(1));
        var later = (await Shell($"for i in $(seq 1 11); do curl -s -o /dev/null -w '%{{http_code}}\n' '{url}'; done")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await Assert.That(string.Join(",", later)).IsEqualTo(string.Join(",", Enumerable.Repeat("200", 10).Append("429")));
    }

    [Test]
    public async Task All_pushes_together_are_capped_so_that_a_flood_cannot_crowd_out_probe_results()
    {
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock,
            services: s => s.AddSingleton(new PushLimits(GlobalBurst: 5, GlobalPerSecond: 1)));
        using var client = server.CreateApiClient();
        var tokens = new List<string>();
        for (var i = 0; i < 3; i++) tokens.Add((await CreatePush(client, """{"type":"push"}""")).Token);
        var script = string.Join("; ", tokens.SelectMany(t => new[] { t, t }).Select(t => $"curl -s -o /dev/null -w '%{{http_code}} ' '{new Uri(server.BaseAddress, "/ping/" + t)}'"));
        await Assert.That((await Shell(script)).Trim()).IsEqualTo("200 200 200 200 200 429");
    }

    [Test]
    public async Task A_late_push_turns_the_monitor_down_exactly_at_the_deadline()
    {
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var client = server.CreateApiClient();
        var (id, token) = await CreatePush(client, """{"type":"push","grace_seconds":5}""", interval: 10, enabled: false);
        await Assert.That((await client.PatchAsync($"/api/v1/monitors/{id}", """{"enabled":true}""")).Status).IsEqualTo(HttpStatusCode.OK);
        var pushedAt = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        await Assert.That(await Shell(Curl(new Uri(server.BaseAddress, "/ping/" + token)))).IsEqualTo("OK 200");
        await WaitForChecks(client, id, 1);

        // The period (10 s) and the grace (5 s) less a millisecond: still up, nothing recorded.
        await clock.AdvanceAsync(TimeSpan.FromMilliseconds(15_000 - 1));
        await Task.Delay(100);
        await Assert.That(await Status(client, id)).IsEqualTo("up");
        await Assert.That((await client.GetAsync($"/api/v1/monitors/{id}/checks")).Json.GetArrayLength()).IsEqualTo(1);

        await clock.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        var checks = await WaitForChecks(client, id, 2);
        await Assert.That(checks[0].GetProperty("checked_at").GetDateTime()).IsEqualTo(pushedAt.UtcDateTime.AddSeconds(15));
        await Assert.That(checks[0].GetProperty("error").GetString()).IsEqualTo("no push within 10 s + 5 s grace");
        await Assert.That(await Status(client, id)).IsEqualTo("down");

        // Still nothing: the next run is missed 10 s later, then a push brings it back.
        await clock.AdvanceAsync(TimeSpan.FromSeconds(10));
        checks = await WaitForChecks(client, id, 3);
        await Assert.That(checks[0].GetProperty("checked_at").GetDateTime()).IsEqualTo(pushedAt.UtcDateTime.AddSeconds(25));
        await Assert.That(await Shell(Curl(new Uri(server.BaseAddress, "/ping/" + token)))).IsEqualTo("OK 200");
        await WaitForChecks(client, id, 4);
        await Assert.That(await Status(client, id)).IsEqualTo("up");
    }

    [Test]
    public async Task A_cron_push_monitor_misses_the_run_that_daylight_saving_time_moved()
    {
        // 01:59 CET on the night the clocks go from 02:00 to 03:00: the 02:30 run is due at 03:00 CEST.
        var clock = new FakeClock(DateTimeOffset.Parse("2026-03-29T00:59:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var client = server.CreateApiClient();
        var (id, _) = await CreatePush(client, """{"type":"push","cron":"30 2 * * *","timezone":"Europe/Berlin","grace_seconds":30}""");

        await clock.AdvanceAsync(TimeSpan.FromMilliseconds(90_000 - 1));
        await Task.Delay(100);
        await Assert.That((await client.GetAsync($"/api/v1/monitors/{id}/checks")).Json.GetArrayLength()).IsEqualTo(0);
        await clock.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        var checks = await WaitForChecks(client, id, 1);
        await Assert.That(checks[0].GetProperty("checked_at").GetString()).IsEqualTo("2026-03-29T01:00:30Z");
        await Assert.That(checks[0].GetProperty("error").GetString()).IsEqualTo("no push for the 2026-03-29 03:00 run (Europe/Berlin) + 30 s grace");
    }

    [Test]
    public async Task Bad_cron_or_timezone_through_the_api_is_a_field_level_400_that_stores_nothing()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateApiClient();
        var bad = await client.PostAsync("/api/v1/monitors", """{"name":"job","config":{"type":"push","cron":"every day","timezone":"Nowhere/City"}}""");
        await Assert.That(bad.Status).IsEqualTo(HttpStatusCode.BadRequest);
        var errors = bad.Json.GetProperty("errors");
        await Assert.That(errors.TryGetProperty("config.cron", out _)).IsTrue();
        var (id, token) = await CreatePush(client, """{"type":"push","cron":"0 3 * * *","timezone":"Europe/Berlin"}""");
        var badZone = await client.PatchAsync($"/api/v1/monitors/{id}", """{"config":{"type":"push","cron":"0 3 * * *","timezone":"Europe/Nowhere"}}""");
        await Assert.That(badZone.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(badZone.Json.GetProperty("errors").TryGetProperty("config.timezone", out _)).IsTrue();
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM monitors")).IsEqualTo(1L);

        // A PUT that sends the config back, token and all, keeps the token; so does one without it.
        var put = await client.PutAsync($"/api/v1/monitors/{id}", """{"name":"job","config":{"type":"push","token":"x","grace_seconds":10}}""");
        await Assert.That(put.Json.GetProperty("config").GetProperty("token").GetString()).IsEqualTo(token);
        await Assert.That(put.Json.GetProperty("target").GetString()).IsEqualTo("push (every interval)");
    }
}
