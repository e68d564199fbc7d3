using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Metrics;

/// <summary>/metrics through the real server: who may read it, what it holds, and that real
/// Prometheus tools accept it (promtool's linter, and a Prometheus server scraping it and answering
/// queries over what it stored).</summary>
public class MetricsTests
{
    const string Promtool = "/usr/bin/promtool";
    const string Prometheus = "/usr/bin/prometheus";
    // Quote, backslash, and text beyond ASCII: what label escaping must carry through intact.
    const string OddName = "API \"edge\" \\ zürich";

    [Test]
    public async Task Metrics_need_a_token_or_a_session_unless_made_public()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var anonymous = server.CreateAnonymousClient();
        using var refused = await anonymous.GetAsync("/metrics");
        await Assert.That(refused.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        using var client = server.CreateClient(readOnly: true);
        using var allowed = await client.GetAsync("/metrics");
        await Assert.That(allowed.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(allowed.Content.Headers.ContentType!.ToString()).IsEqualTo("text/plain; version=0.0.4; charset=utf-8");

        await using var open = await FlatlineServer.StartAsync(s => s with { MetricsPublic = true });
        using var openClient = open.CreateAnonymousClient();
        using var served = await openClient.GetAsync("/metrics");
        await Assert.That(served.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(await served.Content.ReadAsStringAsync()).Contains("flatline_build_info{version=");
    }

    [Test]
    public async Task METRICS_PUBLIC_is_read_as_a_boolean_and_anything_else_stops_start_up()
    {
        var parsed = Settings.Parse(new Dictionary<string, string> { ["METRICS_PUBLIC"] = "true" }, null, out _);
        await Assert.That(parsed!.MetricsPublic).IsTrue();
        await Assert.That(Settings.Parse(new Dictionary<string, string>(), null, out _)!.MetricsPublic).IsFalse();
        await Assert.That(Settings.Parse(new Dictionary<string, string> { ["METRICS_PUBLIC"] = "yes please" }, null, out var errors)).IsNull();
        await Assert.That(errors.Single()).IsEqualTo("METRICS_PUBLIC must be true or false (got \"yes please\")");
    }

    [Test]
    public async Task A_checked_monitor_has_its_series_and_promtool_accepts_the_whole_exposition()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var id = await CreateMonitorAsync(client, OddName, target.Url("/ok"));
        await WaitUntilCheckedAsync(client, id);

        var text = await ScrapeAsync(client, null);
        var label = $"monitor_id=\"{id}\",monitor=\"API \\\"edge\\\" \\\\ zürich\"";
        await Assert.That(text).Contains($"flatline_monitor_info{{{label},type=\"http\"}} 1\n");
        await Assert.That(text).Contains($"flatline_monitor_up{{{label}}} 1\n");
        await Assert.That(text).Contains($"flatline_monitor_enabled{{{label}}} 1\n");
        await Assert.That(text).Contains($"flatline_monitor_degraded{{{label}}} 0\n");
        await Assert.That(text).Contains($"flatline_monitor_checks_total{{{label},result=\"failure\"}} 0\n");
        await Assert.That(Value(text, $"flatline_monitor_checks_total{{{label},result=\"success\"}}")).IsGreaterThanOrEqualTo(1);
        await Assert.That(Value(text, $"flatline_monitor_response_time_seconds{{{label}}}")).IsBetween(0, 2);
        await Assert.That(Value(text, $"flatline_monitor_uptime_ratio{{{label},window=\"24h\"}}")).IsEqualTo(1);
        await Assert.That(Value(text, $"flatline_monitor_last_check_timestamp_seconds{{{label}}}"))
            .IsBetween(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        await Assert.That(Value(text, "flatline_checks_total{result=\"success\"}")).IsGreaterThanOrEqualTo(1);
        await Assert.That(Value(text, "flatline_schedule_lag_seconds_count")).IsGreaterThanOrEqualTo(1);
        await Assert.That(Value(text, "flatline_writer_batch_duration_seconds_count")).IsGreaterThanOrEqualTo(1);
        await Assert.That(Value(text, "flatline_monitors")).IsEqualTo(1);
        await Assert.That(Value(text, "process_resident_memory_bytes")).IsGreaterThan(1_000_000);
        await Assert.That(Value(text, "flatline_gc_collections_total{generation=\"0\"}")).IsGreaterThanOrEqualTo(0);
        await Assert.That(Value(text, "flatline_gc_collections_total{generation=\"2\"}")).IsGreaterThanOrEqualTo(0);
        await Assert.That(Value(text, "flatline_gc_pause_seconds_total")).IsGreaterThanOrEqualTo(0);
        await Assert.That(Value(text, "flatline_gc_heap_bytes")).IsGreaterThan(100_000);
        // Nothing of the monitor's configuration leaves: not its URL.
        await Assert.That(text).DoesNotContain(target.BaseAddress.Authority);

        using var folder = new TempFolder();
        File.WriteAllText(folder.File("metrics.txt"), text);
        var lint = await ChildProcess.RunAsync("/bin/sh", ["-c", $"{Promtool} check metrics < '{folder.File("metrics.txt")}'"]);
        await Assert.That(lint.ExitCode).IsEqualTo(0).Because(lint.Output);
        await Assert.That(lint.Output.Trim()).IsEmpty();

        // A renamed monitor's series carry the new name on the next scrape (the encoded labels are cached).
        using (var renamed = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"name":"edge renamed"}"""))
            await Assert.That(renamed.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var afterRename = await ScrapeAsync(client, null);
        await Assert.That(afterRename).Contains($"flatline_monitor_info{{monitor_id=\"{id}\",monitor=\"edge renamed\",type=\"http\"}} 1\n");
        await Assert.That(afterRename).DoesNotContain("zürich");

        // A deleted monitor's series go with it.
        using (var deleted = await client.DeleteAsync($"/api/v1/monitors/{id}"))
            await Assert.That(deleted.StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        await Assert.That(await ScrapeAsync(client, null)).DoesNotContain(id);
    }

    [Test]
    public async Task A_monitor_checked_from_several_locations_has_series_per_location_and_each_agent_its_contact()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync(s => s with { LocationOfflineSeconds = 6 });
        using var client = server.CreateClient();
        using var api = server.CreateApiClient();
        var created = await api.PostAsync("/api/v1/locations", """{"name":"eu"}""");
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created);
        using var agent = new FlatlineClient(server.BaseAddress, created.Json.GetProperty("token").GetString()!);
        var several = await api.PostAsync("/api/v1/monitors",
            $$$"""{"name":"both","interval":3600,"timeout":5,"locations":["local","eu"],"config":{"type":"http","url":"{{{target.Url("/ok")}}}"}}""");
        await Assert.That(several.Status).IsEqualTo(HttpStatusCode.Created).Because(several.Text);
        var id = several.Json.GetProperty("id").GetString()!;
        var localOnly = await CreateMonitorAsync(client, "alone", target.Url("/ok"));
        await WaitUntilCheckedAsync(client, localOnly);
        var revision = AgentResults.Revision(server, id);

        // The agent reports a failure from eu: eu is down there, local (checked at once on creation) up.
        var failedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 2_000;
        string Batch(long seq, long at, bool ok) => AgentResults.Batch("buffer-1", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), (seq, id, revision, at, ok));
        var sent = await agent.PostAsync("/api/agent/v1/results", Batch(1, failedAt, false));
        await Assert.That(sent.Status).IsEqualTo(HttpStatusCode.OK).Because(sent.Text);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (server.Scalar<long>($"SELECT count(*) FROM monitor_location_states s JOIN monitors m ON m.id = s.monitor_id WHERE m.uid = '{id}' AND s.last_checked_at IS NOT NULL") < 2
               && DateTime.UtcNow < deadline)
            await Task.Delay(50);

        var text = await ScrapeAsync(client, null);
        var label = $"monitor_id=\"{id}\",monitor=\"both\"";
        await Assert.That(text).Contains($"flatline_monitor_location_up{{{label},location=\"eu\"}} 0\n");
        await Assert.That(text).Contains($"flatline_monitor_location_up{{{label},location=\"local\"}} 1\n");
        await Assert.That(text).Contains($"flatline_monitor_location_checks_total{{{label},location=\"eu\",result=\"failure\"}} 1\n");
        await Assert.That(text).Contains($"flatline_monitor_location_checks_total{{{label},location=\"eu\",result=\"success\"}} 0\n");
        await Assert.That(Value(text, $"flatline_monitor_location_checks_total{{{label},location=\"local\",result=\"success\"}}")).IsGreaterThanOrEqualTo(1);
        // A failed check has no response time; the local one has.
        await Assert.That(text).DoesNotContain($"flatline_monitor_location_response_time_seconds{{{label},location=\"eu\"}}");
        await Assert.That(Value(text, $"flatline_monitor_location_response_time_seconds{{{label},location=\"local\"}}")).IsBetween(0, 2);
        // The agent's clock agrees with the main node's here, so the check keeps its time (to the ms; a second's slack).
        await Assert.That(Value(text, $"flatline_monitor_location_last_check_timestamp_seconds{{{label},location=\"eu\"}}")).IsBetween(failedAt / 1e3 - 1, failedAt / 1e3 + 1);
        await Assert.That(text).Contains("flatline_location_online{location=\"eu\"} 1\n");
        await Assert.That(Value(text, "flatline_location_last_contact_timestamp_seconds{location=\"eu\"}"))
            .IsBetween(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 30, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        // A monitor of the main node alone has no location series: its own are its location's.
        await Assert.That(text).DoesNotContain($"flatline_monitor_location_up{{monitor_id=\"{localOnly}\"");
        using (var folder = new TempFolder())
        {
            File.WriteAllText(folder.File("metrics.txt"), text);
            var lint = await ChildProcess.RunAsync("/bin/sh", ["-c", $"{Promtool} check metrics < '{folder.File("metrics.txt")}'"]);
            await Assert.That(lint.ExitCode).IsEqualTo(0).Because(lint.Output);
            await Assert.That(lint.Output.Trim()).IsEmpty();
        }

        // eu answers again: up there, its success counted, its response time the agent's.
        sent = await agent.PostAsync("/api/agent/v1/results", Batch(2, failedAt + 1_000, true));
        await Assert.That(sent.Status).IsEqualTo(HttpStatusCode.OK).Because(sent.Text);
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(text = await ScrapeAsync(client, null)).Contains($"flatline_monitor_location_up{{{label},location=\"eu\"}} 1\n") && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        await Assert.That(text).Contains($"flatline_monitor_location_up{{{label},location=\"eu\"}} 1\n");
        await Assert.That(text).Contains($"flatline_monitor_location_checks_total{{{label},location=\"eu\",result=\"success\"}} 1\n");
        await Assert.That(Value(text, $"flatline_monitor_location_response_time_seconds{{{label},location=\"eu\"}}")).IsEqualTo(0.0015);

        // Paused, the monitor's location series go (as its own up series does).
        using (var paused = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"enabled":false}"""))
            await Assert.That(paused.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(await ScrapeAsync(client, null)).DoesNotContain($"flatline_monitor_location_up{{{label}");
    }

    [Test]
    public async Task OpenMetrics_is_served_when_the_scraper_asks_for_it()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using var response = await client.SendAsync(request);
        await Assert.That(response.Content.Headers.ContentType!.ToString()).IsEqualTo("application/openmetrics-text; version=1.0.0; charset=utf-8");
        var text = await response.Content.ReadAsStringAsync();
        await Assert.That(text).EndsWith("# EOF\n");
        await Assert.That(text).Contains("# TYPE flatline_checks counter\n");
        await Assert.That(text).Contains("# TYPE flatline_build info\n");
        await Assert.That(text).Contains("# UNIT flatline_schedule_lag_seconds seconds\n");
    }

    [Test]
    public async Task A_real_prometheus_scrapes_flatline_and_answers_for_a_monitors_up_series_and_a_counters_rate()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var token = server.Services.GetRequiredService<ApiTokenStore>().Create("prometheus", readOnly: true).Token;
        var id = await CreateMonitorAsync(client, OddName, target.Url("/ok"));
        await WaitUntilCheckedAsync(client, id);

        using var folder = new TempFolder();
        var port = LoopbackServer.FreePort();
        File.WriteAllText(folder.File("prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: flatline
                authorization:
                  credentials: {token}
                static_configs:
                  - targets: ["{server.BaseAddress.Authority}"]
            """);
        await using var prometheus = ChildProcess.Start(Prometheus,
        [
            $"--config.file={folder.File("prometheus.yml")}", $"--storage.tsdb.path={folder.File("data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--log.level=warn",
        ]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(5) };

        // The monitor's up series, found by its id, with its name carried through label escaping intact.
        var up = await QueryUntilAsync(http, $"flatline_monitor_up{{monitor_id=\"{id}\"}}", r => r.GetArrayLength() == 1, prometheus);
        await Assert.That(up[0].GetProperty("value")[1].GetString()).IsEqualTo("1");
        await Assert.That(up[0].GetProperty("metric").GetProperty("monitor").GetString()).IsEqualTo(OddName);
        await Assert.That(up[0].GetProperty("metric").GetProperty("job").GetString()).IsEqualTo("flatline");

        // More checks (a PATCH re-checks at once) make the stored-checks counter rise between scrapes.
        for (var i = 0; i < 3; i++)
        {
            using var patched = await client.PatchJsonAsync($"/api/v1/monitors/{id}", $$"""{"timeout":{{3 + i}}}""");
            await Assert.That(patched.StatusCode).IsEqualTo(HttpStatusCode.OK);
            await Task.Delay(1200);
        }
        var rate = await QueryUntilAsync(http, "rate(flatline_checks_total{result=\"success\"}[10s])",
            r => r.GetArrayLength() == 1 && double.Parse(r[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) > 0, prometheus);
        await Assert.That(double.Parse(rate[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)).IsGreaterThan(0);
        // Prometheus scraped without an error: its own record of the target says so.
        var health = await QueryUntilAsync(http, "up{job=\"flatline\"}", r => r.GetArrayLength() == 1, prometheus);
        await Assert.That(health[0].GetProperty("value")[1].GetString()).IsEqualTo("1");
    }

    static async Task<JsonElement> QueryUntilAsync(HttpClient http, string query, Func<JsonElement, bool> done, ChildProcess prometheus)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(query));
                last = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    var result = JsonDocument.Parse(last).RootElement.GetProperty("data").GetProperty("result").Clone();
                    if (done(result)) return result;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"prometheus never answered {query} as expected; last: {last}\n{prometheus.Output}");
    }

    static async Task<string> CreateMonitorAsync(HttpClient client, string name, Uri url)
    {
        using var created = await client.PostJsonAsync("/api/v1/monitors",
            JsonSerializer.Serialize(new { name, interval = 60, timeout = 5, config = new { type = "http", url = url.ToString() } }));
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return (await created.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    static async Task WaitUntilCheckedAsync(HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var monitor = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadJsonAsync();
            if (monitor.GetProperty("status").GetString() == "up") return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"monitor {id} was never checked up");
    }

    static async Task<string> ScrapeAsync(HttpClient client, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null) request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        using var response = await client.SendAsync(request);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    static double Value(string text, string series)
    {
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no series {series} in:\n{text}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
