using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;
using static Flatline.Tests.StatusPages.StatusPageApiTests;

namespace Flatline.Tests.StatusPages;

/// <summary>Badges: well-formed SVG as wide as its text, the Shields endpoint schema, ETag and short
/// caching, and public only for monitors on a page without a password (or with a token).</summary>
public sealed class BadgeTests
{
    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Test]
    public async Task Badges_are_svg_as_wide_as_their_text_with_an_etag_and_a_short_max_age()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var monitor = await Monitor(client, "Badge me");
        PublicStatusPageTests.SetState(server, monitor, MonitorStatus.Up);
        await Page(client, $$"""{"slug":"badges","title":"Badges","sections":[{"name":"S","monitors":["{{monitor}}"]}]}""");

        foreach (var (path, label, message) in new[]
        {
            ("status.svg", "status", "up"),
            ("uptime.svg?window=7d", "uptime 7d", "100%"),
            ("response.svg", "response", "no data"),
            ("status.svg?label=My%20API", "My API", "up"),
        })
        {
            using var response = await anonymous.GetAsync($"/badge/{monitor}/{path}");
            await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.OK).Because(path);
            await Assert.That(response.Content.Headers.ContentType!.MediaType).IsEqualTo("image/svg+xml");
            await Assert.That(response.Headers.CacheControl!.MaxAge).IsEqualTo(TimeSpan.FromSeconds(60));
            await Assert.That(response.Headers.CacheControl.Public).IsTrue();
            var text = await response.Content.ReadAsStringAsync();
            var svg = XDocument.Parse(text).Root!;
            await Assert.That(svg.Name).IsEqualTo(Svg + "svg");
            await Assert.That(svg.Element(Svg + "title")!.Value).IsEqualTo($"{label}: {message}");
            // The two boxes hold their text with 5 px either side, and add up to the badge's width.
            var boxes = svg.Descendants(Svg + "g").First().Elements(Svg + "rect").ToList();
            var labelBox = double.Parse(boxes[0].Attribute("width")!.Value, CultureInfo.InvariantCulture);
            var messageBox = double.Parse(boxes[1].Attribute("width")!.Value, CultureInfo.InvariantCulture);
            await Assert.That(labelBox).IsEqualTo(Math.Round(BadgeSvg.TextWidth(label)) + 10);
            await Assert.That(messageBox).IsEqualTo(Math.Round(BadgeSvg.TextWidth(message)) + 10);
            await Assert.That(double.Parse(svg.Attribute("width")!.Value, CultureInfo.InvariantCulture)).IsEqualTo(labelBox + messageBox);
            var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
            await Assert.That(texts).IsEquivalentTo([label, label, message, message]);

            using var again = new HttpRequestMessage(HttpMethod.Get, $"/badge/{monitor}/{path}");
            again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
            using var cached = await anonymous.SendAsync(again);
            // Seen once under a heavily loaded full suite: a 200 instead; the body says what changed.
            await Assert.That(cached.StatusCode).IsEqualTo(HttpStatusCode.NotModified)
                .Because($"{path}: first {text}; then {cached.Headers.ETag} {await cached.Content.ReadAsStringAsync()}");
        }
        // Wider text, wider badge: "mmmm" is wider than "iiii" as Verdana draws them.
        await Assert.That(BadgeSvg.TextWidth("mmmm")).IsGreaterThan(BadgeSvg.TextWidth("iiii") * 3);

        var shields = await (await anonymous.GetAsync($"/badge/{monitor}/shields.json?type=uptime&window=24h")).ReadJsonAsync();
        await Assert.That(shields.GetProperty("schemaVersion").GetInt32()).IsEqualTo(1);
        await Assert.That(shields.GetProperty("label").GetString()).IsEqualTo("uptime 24h");
        await Assert.That(shields.GetProperty("message").GetString()).IsEqualTo("100%");
        await Assert.That(shields.GetProperty("color").GetString()).IsEqualTo("brightgreen");
        using var bad = await anonymous.GetAsync($"/badge/{monitor}/uptime.svg?window=1y");
        await Assert.That(bad.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await bad.ReadJsonAsync()).GetProperty("errors").TryGetProperty("window", out _)).IsTrue();
    }

    [Test]
    public async Task A_monitor_on_no_public_page_has_badges_only_with_a_token_and_is_else_the_unknown_404()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var monitor = await Monitor(client, "Private");
        var unknown = await anonymous.GetAsync($"/badge/{Guid.CreateVersion7()}/status.svg");
        var hidden = await anonymous.GetAsync($"/badge/{monitor}/status.svg");
        await Assert.That(hidden.StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(PublicStatusPageTests.WithoutTrace(await hidden.Content.ReadAsStringAsync()))
            .IsEqualTo(PublicStatusPageTests.WithoutTrace(await unknown.Content.ReadAsStringAsync()));

        var tokens = server.Services.GetRequiredService<ApiTokenStore>();
        var readOnly = tokens.Create("badges", readOnly: true).Token;
        var write = tokens.Create("write", readOnly: false).Token;
        using var bearer = new HttpRequestMessage(HttpMethod.Get, $"/badge/{monitor}/status.svg");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", write);
        using var withHeader = await anonymous.SendAsync(bearer);
        await Assert.That(withHeader.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(withHeader.Headers.CacheControl!.Private).IsTrue();
        await Assert.That((await anonymous.GetAsync($"/badge/{monitor}/status.svg?token={readOnly}")).StatusCode).IsEqualTo(HttpStatusCode.OK);
        // A token that can write never goes in a URL.
        await Assert.That((await anonymous.GetAsync($"/badge/{monitor}/status.svg?token={write}")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await anonymous.GetAsync($"/badge/{monitor}/status.svg?token=flt_wrong")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Public_routes_refuse_a_flood_from_one_address_with_retry_after()
    {
        var limit = new PublicRateLimit(new Microsoft.Extensions.Time.Testing.FakeTimeProvider()) { Burst = 3, PerSecond = 1 };
        await Assert.That(limit.Take("a")).IsNull();
        await Assert.That(limit.Take("a")).IsNull();
        await Assert.That(limit.Take("a")).IsNull();
        await Assert.That(limit.Take("a")).IsNotNull();
        await Assert.That(limit.Take("b")).IsNull();

        await using var server = await FlatlineServer.StartAsync();
        var shared = server.Services.GetRequiredService<PublicRateLimit>();
        shared.Burst = 5;
        shared.PerSecond = 0.01;
        using var anonymous = server.CreateAnonymousClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++) statuses.Add((await anonymous.GetAsync("/status/_/page.css")).StatusCode);
        await Assert.That(statuses.Take(5).All(s => s == HttpStatusCode.OK)).IsTrue();
        using var refused = await anonymous.GetAsync($"/badge/{Guid.CreateVersion7()}/status.svg");
        await Assert.That(refused.StatusCode).IsEqualTo(HttpStatusCode.TooManyRequests);
        await Assert.That(refused.Headers.RetryAfter).IsNotNull();
        // The owner's API is not a public route.
        using var client = server.CreateClient();
        await Assert.That((await client.GetAsync("/api/v1/status-pages")).StatusCode).IsEqualTo(HttpStatusCode.OK);
    }

    [Test]
    public async Task The_public_rate_limit_is_the_one_PUBLIC_RATE_LIMIT_sets_with_six_seconds_of_burst()
    {
        await using var server = await FlatlineServer.StartAsync(s => s with { PublicRateLimit = 2 });
        var limit = server.Services.GetRequiredService<PublicRateLimit>();
        await Assert.That(limit.PerSecond).IsEqualTo(2.0);
        await Assert.That(limit.Burst).IsEqualTo(12.0);
        using var anonymous = server.CreateAnonymousClient();
        var statuses = new List<HttpStatusCode>();
        // 12 at once, then refused: 8 more outrun a refill of 2/s unless each took half a second.
        for (var i = 0; i < 20; i++) statuses.Add((await anonymous.GetAsync(StatusPageAssets.StylePath)).StatusCode);
        await Assert.That(statuses.Take(12).All(s => s == HttpStatusCode.OK)).IsTrue().Because(string.Join(",", statuses));
        await Assert.That(statuses.Skip(12)).Contains(HttpStatusCode.TooManyRequests);
        await using var standard = await FlatlineServer.StartAsync();
        await Assert.That(standard.Services.GetRequiredService<PublicRateLimit>().Burst).IsEqualTo(300.0);
    }

    [Test]
    public async Task A_kept_badge_answer_gives_way_at_once_to_a_committed_check_and_to_a_pause()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        using var created = await client.PostJsonAsync("/api/v1/monitors",
            "{\"name\":\"Kept\",\"interval\":60,\"retries\":0,\"config\":{\"type\":\"http\",\"url\":\"" + target.Url("/health") + "\"}}");
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var monitor = (await created.ReadJsonAsync()).GetProperty("id").GetString()!;
        await Page(client, $$"""{"slug":"kept","title":"Kept","sections":[{"name":"S","monitors":["{{monitor}}"]}]}""");

        async Task<string> Status() => XDocument.Parse(await anonymous.GetStringAsync($"/badge/{monitor}/status.svg")).Root!.Element(Svg + "title")!.Value;
        async Task<string> Until(string expected)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5); // half the cache's own limit: only an invalidation can be this quick
            string seen;
            while ((seen = await Status()) != expected && DateTime.UtcNow < deadline) await Task.Delay(50);
            return seen;
        }

        await Assert.That(await Until("status: up")).IsEqualTo("status: up");
        await Assert.That(await Status()).IsEqualTo("status: up"); // answered from the cache now
        var key = server.Services.GetRequiredService<MonitorStore>().Get(monitor)!.Key;

        target.HealthStatus = 503;
        server.Services.GetRequiredService<Scheduler>().CheckNow(key);
        await Assert.That(await Until("status: down")).IsEqualTo("status: down");

        using var paused = await client.PatchJsonAsync($"/api/v1/monitors/{monitor}", """{"enabled":false}""");
        await Assert.That(paused.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(await Status()).IsEqualTo("status: paused");

        using var deleted = await client.DeleteAsync($"/api/v1/monitors/{monitor}");
        await Assert.That((await anonymous.GetAsync($"/badge/{monitor}/status.svg")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }
}
