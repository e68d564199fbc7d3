using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using static Flatline.Tests.StatusPages.StatusPageApiTests;

namespace Flatline.Tests.StatusPages;

/// <summary>The public side: what a page shows and never shows, its caching, custom domains,
/// password pages, the Atom feed read by a real feed parser, and a monitor leaving a page.</summary>
public sealed partial class PublicStatusPageTests
{
    const string Secret = "s3cr3t";

    /// <summary>Sets a monitor's state as the engine would have left it (the monitors are made paused,
    /// so the engine leaves them alone), with an incident whose cause carries a secret.</summary>
    internal static void SetState(FlatlineServer server, string id, MonitorStatus status, bool openIncident = false, long? resolvedIncidentAgoMs = null)
    {
        // The scheduler reads a monitor it was told about (its creation, paused) at its next tick; were
        // that read to come after this write, it would check the now enabled monitor (nothing listens
        // on its port) and turn it down mid-test.
        var scheduler = server.Services.GetRequiredService<Scheduler>();
        if (!SpinWait.SpinUntil(() => scheduler.PendingChanges == 0, TimeSpan.FromSeconds(10)))
            throw new TimeoutException("the scheduler did not take in the monitor's creation");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        server.Execute($"UPDATE monitors SET enabled = 1, status = {(int)status}, enabled_at = {now - 3_600_000}, accounted_until = {now} WHERE uid = '{id}'");
        if (openIncident)
            server.Execute($"INSERT INTO incidents (uid, monitor_id, started_at, cause) SELECT '{Guid.CreateVersion7()}', id, {now - 600_000}, 'connect to 10.0.0.5 refused, key {Secret}' FROM monitors WHERE uid = '{id}'");
        if (resolvedIncidentAgoMs is { } ago)
            server.Execute($"INSERT INTO incidents (uid, monitor_id, started_at, resolved_at, cause, resolution) SELECT '{Guid.CreateVersion7()}', id, {now - ago}, {now - ago + 300_000}, 'token {Secret} rejected', 'recovered' FROM monitors WHERE uid = '{id}'");
    }

    static async Task<(HttpStatusCode Status, string Text, HttpResponseMessage Response)> Get(HttpClient client, string path, string? host = null, Action<HttpRequestMessage>? change = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null) request.Headers.Host = host;
        change?.Invoke(request);
        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Test]
    public async Task A_page_shows_its_monitors_state_bars_and_incidents_and_nothing_it_does_not_publish()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var api = await Monitor(client, "Public API");
        var web = await Monitor(client, "Website");
        var hidden = await Monitor(client, "Hidden database");
        SetState(server, api, MonitorStatus.Up, resolvedIncidentAgoMs: 26 * 3_600_000);
        SetState(server, web, MonitorStatus.Down, openIncident: true);
        SetState(server, hidden, MonitorStatus.Down, openIncident: true);
        await Page(client, $$"""{"slug":"acme","title":"Acme <status>","sections":[{"name":"Services","monitors":["{{api}}","{{web}}"]}]}""");
        using (var announce = await client.PostJsonAsync($"/api/v1/status-pages/{(await (await client.GetAsync("/api/v1/status-pages")).ReadJsonAsync())[0].GetProperty("id").GetString()}/announcements",
            """{"title":"Database upgrade","severity":"maintenance","updates":[{"status":"identified","message":"We <b>upgrade</b> tonight"}]}"""))
            await Assert.That(announce.StatusCode).IsEqualTo(HttpStatusCode.Created);

        var (status, html, response) = await Get(anonymous, "/status/acme");
        await Assert.That(status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(response.Content.Headers.ContentType!.MediaType).IsEqualTo("text/html");
        await Assert.That(html).Contains("<title>Acme &lt;status&gt;</title>");
        await Assert.That(html).Contains("Partial outage");
        await Assert.That(html).Contains("Public API").And.Contains("Website");
        await Assert.That(html).Contains("<strong>Website</strong> is down since");
        await Assert.That(html).Contains("We &lt;b&gt;upgrade&lt;/b&gt; tonight");
        await Assert.That(html).Contains("Last updated");
        // 90 bars per monitor, and yesterday's incident as text, not only on hover.
        foreach (Match bars in BarList().Matches(html)) await Assert.That(Regex.Matches(bars.Value, "<li").Count).IsEqualTo(90);
        await Assert.That(BarList().Matches(html).Count).IsEqualTo(2);
        await Assert.That(html).Contains("1 incident");
        // Nothing of the hidden monitor, the URLs, headers or error texts.
        foreach (var never in new[] { "Hidden database", hidden, "secret-path", "127.0.0.1:9", Secret, "10.0.0.5" })
            await Assert.That(html).DoesNotContain(never);
        // Same-origin assets only; the strict CSP stands.
        await Assert.That(response.Headers.GetValues("Content-Security-Policy").Single()).Contains("script-src 'self'");
        foreach (Match source in Regex.Matches(html, "(?:src|href)=\"([^\"]+)\""))
            await Assert.That(source.Groups[1].Value.StartsWith('/') || source.Groups[1].Value.StartsWith('#')).IsTrue().Because(source.Value);

        var summary = JsonDocument.Parse((await Get(anonymous, "/status/acme/summary.json")).Text).RootElement;
        await Assert.That(summary.GetProperty("state").GetString()).IsEqualTo("partial_outage");
        var monitors = summary.GetProperty("sections")[0].GetProperty("monitors");
        await Assert.That(monitors.GetArrayLength()).IsEqualTo(2);
        await Assert.That(monitors[1].GetProperty("status").GetString()).IsEqualTo("down");
        await Assert.That(monitors[0].GetProperty("url").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(summary.GetProperty("open_incidents").GetArrayLength()).IsEqualTo(1);
        await Assert.That(summary.GetRawText()).DoesNotContain(Secret).And.DoesNotContain(hidden).And.DoesNotContain("secret-path");

        // With show_urls, the target is shown, never the headers.
        var id = (await (await client.GetAsync("/api/v1/status-pages")).ReadJsonAsync())[0].GetProperty("id").GetString();
        await client.PatchJsonAsync($"/api/v1/status-pages/{id}", """{"show_urls":true}""");
        var shown = (await Get(anonymous, "/status/acme")).Text;
        await Assert.That(shown).Contains("http://127.0.0.1:9/secret-path").And.DoesNotContain(Secret);
    }

    /// <summary>A problem's text without its per-request trace id.</summary>
    internal static string WithoutTrace(string text) => Regex.Replace(text, "\"trace_?[iI]d\":\"[^\"]*\"", "");

    [GeneratedRegex("<ol class=\"bars\".*?</ol>")]
    private static partial Regex BarList();

    [Test]
    public async Task A_page_of_50_monitors_with_90_days_of_history_weighs_at_most_30_kb_gzipped_with_its_css_and_script()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var ids = new List<string>();
        for (var i = 0; i < 50; i++) ids.Add(await Monitor(client, $"Service number {i:00} in the eu-west region"));
        foreach (var id in ids) SetState(server, id, MonitorStatus.Up, resolvedIncidentAgoMs: 5 * 86_400_000L);
        // 90 days of rollups, every seventh day with some down time.
        var today = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / RollupWriter.DayMs;
        server.Execute($"""
            WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 89)
            INSERT OR REPLACE INTO rollups_daily (monitor_id, day, checks, failures, enabled_ms, down_ms)
            SELECT m.id, {today} - d.n, 1440, CASE WHEN d.n % 7 = 3 THEN 12 ELSE 0 END, 86400000, CASE WHEN (d.n + m.id) % 7 = 3 THEN 720000 ELSE 0 END
            FROM monitors m, d
            """);
        var sections = string.Join(",", ids.Chunk(10).Select((chunk, i) =>
            "{\"name\":\"Region " + i + "\",\"monitors\":[" + string.Join(",", chunk.Select(c => "\"" + c + "\"")) + "]}"));
        await Page(client, $$"""{"slug":"big","title":"Big status","description":"Everything we run","sections":[{{sections}}]}""");

        long Gzipped(HttpResponseMessage response) => response.Content.Headers.ContentLength ?? throw new InvalidOperationException("no length");
        async Task<long> Weigh(string path) => Gzipped((await Get(anonymous, path, change: r => r.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip")))).Response);
        var html = await Weigh("/status/big");
        var total = html + await Weigh(StatusPageAssets.StylePath) + await Weigh(StatusPageAssets.ScriptPath);
        await Assert.That(total).IsLessThanOrEqualTo(30 * 1024L).Because($"HTML {html} B gzipped, {total} B with CSS and JS");
        var text = (await Get(anonymous, "/status/big")).Text;
        await Assert.That(Regex.Matches(text, "class=\"monitor\"").Count).IsEqualTo(50);
        await Assert.That(text).Contains("12 min down");
        Console.WriteLine($"status page weight: HTML {html} B gzipped, {total} B with CSS and JS");
    }

    [Test]
    public async Task An_unknown_slug_and_a_bad_one_get_the_same_404_and_the_page_answers_304_to_its_etag()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        await Page(client, """{"slug":"real","title":"Real"}""");
        var unknown = await Get(anonymous, "/status/nothing-here");
        var bad = await Get(anonymous, "/status/NOT_A_SLUG");
        await Assert.That(unknown.Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(bad.Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(bad.Text).IsEqualTo(unknown.Text);
        await Assert.That((await Get(anonymous, "/status/nothing-here/summary.json")).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await Get(anonymous, "/status/nothing-here/feed.atom")).Status).IsEqualTo(HttpStatusCode.NotFound);

        var first = await Get(anonymous, "/status/real");
        var etag = first.Response.Headers.ETag!.Tag;
        var again = await Get(anonymous, "/status/real", change: r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag)));
        await Assert.That(again.Status).IsEqualTo(HttpStatusCode.NotModified);
        var zipped = await Get(anonymous, "/status/real", change: r => r.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip")));
        await Assert.That(zipped.Response.Content.Headers.ContentEncoding.Single()).IsEqualTo("gzip");
        var script = await Get(anonymous, "/status/_/page.js");
        await Assert.That(script.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(script.Text).Contains("summary.json");
    }

    [Test]
    public async Task Every_public_read_answers_head_as_it_answers_get_without_the_body()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var monitor = await Monitor(client, "Head API");
        SetState(server, monitor, MonitorStatus.Up);
        await Page(client, $$"""{"slug":"acme","title":"Acme","custom_domain":"status.acme.test","sections":[{"name":"S","monitors":["{{monitor}}"]}]}""");
        await Page(client, """{"slug":"locked","title":"Locked","password":"a long secret"}""");

        var paths = new (string Path, string? Host, HttpStatusCode Status)[]
        {
            ("/status/acme", null, HttpStatusCode.OK), ("/status/acme/summary.json", null, HttpStatusCode.OK),
            ("/status/acme/feed.atom", null, HttpStatusCode.OK), (StatusPageAssets.StylePath, null, HttpStatusCode.OK),
            (StatusPageAssets.ScriptPath, null, HttpStatusCode.OK), ("/", "status.acme.test", HttpStatusCode.OK),
            ($"/badge/{monitor}/status.svg", null, HttpStatusCode.OK), ($"/badge/{monitor}/uptime.svg?window=7d", null, HttpStatusCode.OK),
            ($"/badge/{monitor}/response.svg", null, HttpStatusCode.OK), ($"/badge/{monitor}/shields.json?type=uptime", null, HttpStatusCode.OK),
            ("/status/locked", null, HttpStatusCode.OK), ("/status/locked/summary.json", null, HttpStatusCode.Unauthorized),
            ("/status/nothing-here", null, HttpStatusCode.NotFound), ("/status/nothing-here/feed.atom", null, HttpStatusCode.NotFound),
            ($"/badge/{Guid.CreateVersion7()}/status.svg", null, HttpStatusCode.NotFound),
            ($"/badge/{monitor}/uptime.svg?window=1y", null, HttpStatusCode.BadRequest),
        };
        foreach (var (path, host, expected) in paths)
            foreach (var gzip in new[] { false, true })
            {
                void Ask(HttpRequestMessage r)
                {
                    if (gzip) r.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
                }
                var get = await Get(anonymous, path, host, Ask);
                using var request = new HttpRequestMessage(HttpMethod.Head, path);
                if (host is not null) request.Headers.Host = host;
                Ask(request);
                using var head = await anonymous.SendAsync(request);
                var because = $"HEAD {path}{(gzip ? " (gzip)" : "")}";
                await Assert.That(head.StatusCode).IsEqualTo(expected).Because(because);
                await Assert.That(get.Status).IsEqualTo(expected).Because(because);
                await Assert.That((await head.Content.ReadAsByteArrayAsync()).Length).IsEqualTo(0).Because(because);
                await Assert.That(head.Content.Headers.ContentType?.ToString()).IsEqualTo(get.Response.Content.Headers.ContentType?.ToString()).Because(because);
                await Assert.That(head.Headers.ETag?.Tag).IsEqualTo(get.Response.Headers.ETag?.Tag).Because(because);
                await Assert.That(head.Headers.CacheControl?.ToString()).IsEqualTo(get.Response.Headers.CacheControl?.ToString()).Because(because);
                await Assert.That(string.Join(",", head.Content.Headers.ContentEncoding)).IsEqualTo(string.Join(",", get.Response.Content.Headers.ContentEncoding)).Because(because);
                if (get.Response.Content.Headers.ContentLength is { } length && get.Response.Headers.TransferEncodingChunked != true)
                    await Assert.That(head.Content.Headers.ContentLength).IsEqualTo(length).Because(because);
                if (expected == HttpStatusCode.OK && path.StartsWith("/status/acme", StringComparison.Ordinal))
                    await Assert.That(get.Text.Length).IsGreaterThan(0).Because(because);
            }

        // A HEAD that holds the ETag gets the 304 a GET would.
        var etag = (await Get(anonymous, "/status/acme")).Response.Headers.ETag!.Tag;
        using var conditional = new HttpRequestMessage(HttpMethod.Head, "/status/acme");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag));
        using var notModified = await anonymous.SendAsync(conditional);
        await Assert.That(notModified.StatusCode).IsEqualTo(HttpStatusCode.NotModified);
    }

    [Test]
    public async Task Custom_domains_map_two_pages_by_host_and_a_third_host_gets_the_app()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        await Page(client, """{"slug":"alpha","title":"Alpha status","custom_domain":"status.alpha.test"}""");
        await Page(client, """{"slug":"beta","title":"Beta status","custom_domain":"status.beta.test"}""");

        var alpha = await Get(anonymous, "/", "status.alpha.test");
        var beta = await Get(anonymous, "/", "STATUS.BETA.TEST");
        var other = await Get(anonymous, "/", "status.gamma.test");
        await Assert.That(alpha.Text).Contains("<h1>Alpha status</h1>").And.DoesNotContain("Beta status");
        await Assert.That(beta.Text).Contains("<h1>Beta status</h1>").And.DoesNotContain("Alpha status");
        // On its domain the page links its own root's feed and summary.
        await Assert.That(alpha.Text).Contains("href=\"/feed.atom\"").And.Contains("data-base=\"\"");
        await Assert.That(other.Text).DoesNotContain("Alpha status").And.DoesNotContain("Beta status");
        var app = await Get(anonymous, "/", "127.0.0.1");
        await Assert.That(other.Status).IsEqualTo(app.Status);
        await Assert.That(WithoutTrace(other.Text)).IsEqualTo(WithoutTrace(app.Text));

        var summary = JsonDocument.Parse((await Get(anonymous, "/summary.json", "status.beta.test")).Text).RootElement;
        await Assert.That(summary.GetProperty("title").GetString()).IsEqualTo("Beta status");
        await Assert.That((await Get(anonymous, "/feed.atom", "status.alpha.test")).Text).Contains("<title>Alpha status</title>");
        // Other paths on a page's domain are the app's as usual.
        await Assert.That((await Get(anonymous, "/healthz", "status.alpha.test")).Status).IsEqualTo(HttpStatusCode.OK);

        // A domain moved to another page follows at once.
        var id = (await (await client.GetAsync("/api/v1/status-pages")).ReadJsonAsync())[1].GetProperty("id").GetString();
        await client.PatchJsonAsync($"/api/v1/status-pages/{id}", """{"custom_domain":"status.gamma.test"}""");
        await Assert.That((await Get(anonymous, "/", "status.gamma.test")).Text).Contains("<h1>Beta status</h1>");
        await Assert.That((await Get(anonymous, "/", "status.beta.test")).Text).DoesNotContain("Beta status");
    }

    [Test]
    public async Task A_password_page_shows_its_form_limits_wrong_passwords_and_sets_a_signed_cookie_for_its_path()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var monitor = await Monitor(client, "Internal API");
        await Page(client, $$"""{"slug":"private","title":"Private","password":"open sesame!","sections":[{"name":"S","monitors":["{{monitor}}"]}]}""");
        await Page(client, """{"slug":"other","title":"Other","password":"another secret"}""");
        using var handler = new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false };
        using var visitor = new HttpClient(handler) { BaseAddress = server.BaseAddress };

        var locked = await Get(visitor, "/status/private");
        await Assert.That(locked.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(locked.Text).Contains("type=\"password\"").And.DoesNotContain("Internal API");
        await Assert.That((await Get(visitor, "/status/private/summary.json")).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That((await Get(visitor, "/status/private/feed.atom")).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        // Its monitors' badges are not public.
        await Assert.That((await Get(visitor, $"/badge/{monitor}/status.svg")).Status).IsEqualTo(HttpStatusCode.NotFound);

        async Task<HttpResponseMessage> Send(string slug, string password) =>
            await visitor.PostAsync($"/status/{slug}", new FormUrlEncodedContent([new("password", password)]));

        using (var wrong = await Send("private", "guess"))
        {
            await Assert.That(wrong.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
            await Assert.That(await wrong.Content.ReadAsStringAsync()).Contains("role=\"alert\"");
        }
        using (var right = await Send("private", "open sesame!"))
        {
            await Assert.That(right.StatusCode).IsEqualTo(HttpStatusCode.SeeOther);
            await Assert.That(right.Headers.Location!.OriginalString).IsEqualTo("/status/private");
            var cookie = right.Headers.GetValues("Set-Cookie").Single();
            await Assert.That(cookie).Contains("path=/status/private").And.Contains("httponly").And.Contains("samesite=lax");
        }
        var open = await Get(visitor, "/status/private");
        await Assert.That(open.Text).Contains("Internal API");
        await Assert.That(open.Response.Headers.CacheControl!.Private).IsTrue();
        await Assert.That((await Get(visitor, "/status/private/summary.json")).Status).IsEqualTo(HttpStatusCode.OK);

        // The cookie is the page's: not sent to another page's path, and not taken there if sent by hand.
        var value = handler.CookieContainer.GetCookies(new Uri(server.BaseAddress, "/status/private"))[PagePasswords.CookieName]!.Value;
        await Assert.That(handler.CookieContainer.GetCookies(new Uri(server.BaseAddress, "/status/other")).Count).IsEqualTo(0);
        using var stranger = server.CreateAnonymousClient();
        var elsewhere = await Get(stranger, "/status/other", change: r => r.Headers.Add("Cookie", $"{PagePasswords.CookieName}={value}"));
        await Assert.That(elsewhere.Text).Contains("type=\"password\"").And.DoesNotContain("Internal API");
        var forged = await Get(stranger, "/status/private", change: r => r.Headers.Add("Cookie", $"{PagePasswords.CookieName}={value[..^2]}xx"));
        await Assert.That(forged.Text).Contains("type=\"password\"");

        // Five wrong passwords from one address, and then even the right one waits.
        for (var i = 0; i < LoginThrottle.MaxFailures; i++) (await Send("other", "nope")).Dispose();
        using var blocked = await Send("other", "another secret");
        await Assert.That(blocked.StatusCode).IsEqualTo(HttpStatusCode.TooManyRequests);
        await Assert.That(blocked.Headers.RetryAfter).IsNotNull();
        await Assert.That(await blocked.Content.ReadAsStringAsync()).Contains("Too many wrong passwords");

        // A new password ends the old cookie.
        var id = (await (await client.GetAsync("/api/v1/status-pages")).ReadJsonAsync())[0].GetProperty("id").GetString();
        await client.PatchJsonAsync($"/api/v1/status-pages/{id}", """{"password":"a new password"}""");
        await Assert.That((await Get(visitor, "/status/private")).Text).Contains("type=\"password\"");
    }

    [Test]
    public async Task The_atom_feed_parses_with_a_real_feed_parser_and_holds_announcements_and_incidents()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var monitor = await Monitor(client, "Checkout & Pay");
        SetState(server, monitor, MonitorStatus.Down, openIncident: true, resolvedIncidentAgoMs: 3 * 86_400_000L);
        var page = (await Page(client, $$"""{"slug":"feed","title":"Feed <test>","sections":[{"name":"S","monitors":["{{monitor}}"]}]}""")).GetProperty("id").GetString();
        await client.PostJsonAsync($"/api/v1/status-pages/{page}/announcements",
            """{"title":"Payments delayed","severity":"major","updates":[{"status":"investigating","message":"We see delays"},{"status":"resolved","message":"All caught up"}]}""");

        var feed = await Get(anonymous, "/status/feed/feed.atom");
        await Assert.That(feed.Response.Content.Headers.ContentType!.MediaType).IsEqualTo("application/atom+xml");
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("feed.atom"), feed.Text);
        var result = await Repository.NodeAsync("Flatline.Tests/Fixtures/statuspage/parse-feed.mjs", folder.File("feed.atom"));
        await Assert.That(result.ExitCode).IsEqualTo(0).Because(result.Stdout + result.Stderr);
        var parsed = JsonDocument.Parse(result.Stdout).RootElement;
        await Assert.That(parsed.GetProperty("type").GetString()).IsEqualTo("atom");
        await Assert.That(parsed.GetProperty("title").GetString()).IsEqualTo("Feed <test>");
        var entries = parsed.GetProperty("entries").EnumerateArray().ToList();
        await Assert.That(entries.Count).IsEqualTo(3);
        var titles = entries.Select(e => e.GetProperty("title").GetString()).ToList();
        await Assert.That(titles).Contains("[major] Payments delayed");
        await Assert.That(titles).Contains("Checkout & Pay is down");
        await Assert.That(titles).Contains("Checkout & Pay was down for 5 min");
        await Assert.That(entries.All(e => e.GetProperty("id").GetString()!.StartsWith("urn:uuid:", StringComparison.Ordinal))).IsTrue();
        await Assert.That(entries.All(e => e.GetProperty("link").GetString() == server.BaseAddress.AbsoluteUri.TrimEnd('/') + "/status/feed")).IsTrue();
        await Assert.That(feed.Text).DoesNotContain(Secret);
    }

    [Test]
    public async Task A_monitor_taken_off_a_page_vanishes_from_its_page_summary_feed_and_badges()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var kept = await Monitor(client, "Kept monitor");
        var removed = await Monitor(client, "Removed monitor");
        SetState(server, kept, MonitorStatus.Up);
        SetState(server, removed, MonitorStatus.Down, openIncident: true);
        var page = (await Page(client, $$"""{"slug":"shrink","title":"Shrink","sections":[{"name":"S","monitors":["{{kept}}","{{removed}}"]}]}""")).GetProperty("id").GetString();

        await Assert.That((await Get(anonymous, "/status/shrink")).Text).Contains("Removed monitor");
        await Assert.That((await Get(anonymous, "/status/shrink/feed.atom")).Text).Contains("Removed monitor is down");
        await Assert.That((await Get(anonymous, $"/badge/{removed}/status.svg")).Status).IsEqualTo(HttpStatusCode.OK);

        using (var patch = await client.PatchJsonAsync($"/api/v1/status-pages/{page}", $$"""{"sections":[{"name":"S","monitors":["{{kept}}"]}]}"""))
            await Assert.That(patch.StatusCode).IsEqualTo(HttpStatusCode.OK);
        foreach (var path in new[] { "/status/shrink", "/status/shrink/summary.json", "/status/shrink/feed.atom" })
        {
            var text = (await Get(anonymous, path)).Text;
            await Assert.That(text).DoesNotContain("Removed monitor").And.DoesNotContain(removed).Because(path);
            if (!path.EndsWith(".atom", StringComparison.Ordinal)) await Assert.That(text).Contains("Kept monitor").Because(path);
        }
        foreach (var badge in new[] { "status.svg", "uptime.svg", "response.svg", "shields.json" })
            await Assert.That((await Get(anonymous, $"/badge/{removed}/{badge}")).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await Get(anonymous, $"/badge/{kept}/status.svg")).Status).IsEqualTo(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_cached_page_follows_a_monitor_going_down_through_the_commit_listener()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var monitor = await Monitor(client, "Live", target.Url("/health").AbsoluteUri);
        await Page(client, $$"""{"slug":"live","title":"Live","sections":[{"name":"S","monitors":["{{monitor}}"]}]}""");
        await client.PatchJsonAsync($"/api/v1/monitors/{monitor}", """{"enabled":true,"interval":10,"timeout":2}""");

        async Task<string> WaitFor(string text, TimeSpan limit)
        {
            var until = DateTime.UtcNow + limit;
            string html;
            do
            {
                html = (await Get(anonymous, "/status/live")).Text;
                if (html.Contains(text, StringComparison.Ordinal)) return html;
                await Task.Delay(200);
            } while (DateTime.UtcNow < until);
            return html;
        }

        await Assert.That(await WaitFor("All systems operational", TimeSpan.FromSeconds(10))).Contains("All systems operational");
        var shownAt = DateTime.UtcNow;
        target.HealthStatus = 503;
        // The next check is at most 10 s away; the page's own max age (30 s) would be later.
        await Assert.That(await WaitFor("Major outage", TimeSpan.FromSeconds(20))).Contains("Major outage");
        await Assert.That(DateTime.UtcNow - shownAt).IsLessThan(StatusPageCache.MaxAge);
    }
}
