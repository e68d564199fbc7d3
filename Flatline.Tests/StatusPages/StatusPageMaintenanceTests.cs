using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using static Flatline.Tests.StatusPages.PublicStatusPageTests;
using static Flatline.Tests.StatusPages.StatusPageApiTests;

namespace Flatline.Tests.StatusPages;

/// <summary>Maintenance windows on the public page, through the real server with fake time: upcoming,
/// in progress when a window starts and gone when it ends (told by the maintenance clock, well before
/// the page cache's own max age), shown at once after a write, and never a window or a monitor the
/// page does not show.</summary>
public sealed class StatusPageMaintenanceTests
{
    static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    /// <summary>Each is in every window's title or description, or is a monitor the page does not show.</summary>
    static readonly string[] Hidden = ["Hidden billing DB", "Secret rotation", "vault key", "Far away"];

    static string Window(string title, string? description, IEnumerable<string> monitors, DateTimeOffset start, DateTimeOffset end) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["title"] = title,
            ["description"] = description,
            ["monitors"] = monitors.ToArray(),
            ["schedule"] = new Dictionary<string, string>
            {
                ["type"] = "once", ["start"] = start.UtcDateTime.ToString("O"), ["end"] = end.UtcDateTime.ToString("O"),
            },
        });

    static async Task<string> Create(HttpClient client, string body)
    {
        using var response = await client.PostJsonAsync("/api/v1/maintenance", body);
        var json = await response.ReadJsonAsync();
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created).Because(json.ToString());
        return json.GetProperty("id").GetString()!;
    }

    sealed record Seen(string Html, string? ETag, JsonElement Summary, string Feed);

    static async Task<Seen> Look(HttpClient anonymous)
    {
        using var page = await anonymous.GetAsync("/status/shop");
        await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        var summary = JsonDocument.Parse(await anonymous.GetStringAsync("/status/shop/summary.json")).RootElement.Clone();
        var feed = await anonymous.GetStringAsync("/status/shop/feed.atom");
        return new Seen(html, page.Headers.ETag?.Tag, summary, feed);
    }

    /// <summary>Asks the page in real time (fake time stands still) until it holds; bounded to 10 s.</summary>
    static async Task<Seen> LookUntil(HttpClient anonymous, Func<Seen, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        Seen seen;
        do
        {
            seen = await Look(anonymous);
            if (done(seen)) return seen;
            await Task.Delay(50);
        } while (DateTime.UtcNow < until);
        return seen;
    }

    static async Task NothingHidden(Seen seen, string hiddenMonitor)
    {
        foreach (var text in new[] { seen.Html, seen.Summary.GetRawText(), seen.Feed })
            foreach (var never in Hidden.Append(hiddenMonitor))
                await Assert.That(text).DoesNotContain(never);
    }

    static JsonElement Entry(Seen seen, string id) =>
        seen.Summary.GetProperty("sections").EnumerateArray().SelectMany(s => s.GetProperty("monitors").EnumerateArray())
            .Single(m => m.GetProperty("id").GetString() == id);

    [Test]
    public async Task A_window_shows_upcoming_then_in_progress_when_it_starts_and_goes_when_it_ends_and_others_never_show()
    {
        var clock = new FakeClock();
        // The public routes' rate limit refills with (fake) time: room for every look.
        await using var server = await FlatlineServer.StartAsync(s => s with { PublicRateLimit = 10_000 }, time: clock);
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var checkout = await Monitor(client, "Checkout API");
        var search = await Monitor(client, "Search");
        var hidden = await Monitor(client, "Hidden billing DB");
        // SetState waits for the scheduler to take in the monitors' creation, which it does at its ticks.
        var scheduler = server.Services.GetRequiredService<Scheduler>();
        await clock.AdvanceUntilAsync(() => scheduler.PendingChanges == 0, TimeSpan.FromMilliseconds(25), 400);
        foreach (var id in new[] { checkout, search, hidden }) SetState(server, id, MonitorStatus.Up);
        await Page(client, $$"""{"slug":"shop","title":"Shop","sections":[{"name":"Shop","monitors":["{{checkout}}","{{search}}"]}]}""");

        // Whole seconds, as the page prints them.
        var t0 = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().ToUnixTimeSeconds() + 1);
        var start = t0.AddSeconds(20);
        var end = t0.AddSeconds(80);
        await Create(client, Window("Database upgrade", "Expect a minute of read-only checkout", [checkout], start, end));
        // Covers a monitor of the page and one it does not show: only the first is named.
        await Create(client, Window("Network work", null, [checkout, hidden], t0.AddDays(3), t0.AddDays(3).AddHours(2)));
        // Only the hidden monitor: in progress all along, never on the page.
        await Create(client, Window("Secret rotation", "the vault key", [hidden], t0.AddSeconds(10), t0.AddSeconds(300)));
        // Beyond the week a page looks ahead.
        await Create(client, Window("Far away", null, [checkout], t0.AddDays(10), t0.AddDays(10).AddHours(1)));
        await clock.AdvanceUntilAsync(() => clock.GetUtcNow() >= t0, Step, 3);

        var upcoming = await Look(anonymous);
        await Assert.That(upcoming.Html).Contains("<h2 id=\"maintenance\">Maintenance</h2>");
        await Assert.That(upcoming.Html).Contains("<h3>Database upgrade</h3><p>Scheduled: ");
        await Assert.That(upcoming.Html).Contains($"<time datetime=\"{start.UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z\">");
        await Assert.That(upcoming.Html).Contains("Affects Checkout API").And.Contains("Expect a minute of read-only checkout");
        await Assert.That(upcoming.Html).Contains("<h3>Network work</h3>").And.DoesNotContain("In progress");
        await Assert.That(upcoming.Html).Contains("All systems operational");
        var notices = upcoming.Summary.GetProperty("maintenance");
        await Assert.That(notices.GetArrayLength()).IsEqualTo(2);
        await Assert.That(notices[0].GetProperty("title").GetString()).IsEqualTo("Database upgrade");
        await Assert.That(notices[0].GetProperty("active").GetBoolean()).IsFalse();
        await Assert.That(notices[0].GetProperty("start").GetDateTime()).IsEqualTo(start.UtcDateTime);
        await Assert.That(notices[0].GetProperty("end").GetDateTime()).IsEqualTo(end.UtcDateTime);
        await Assert.That(notices[1].GetProperty("title").GetString()).IsEqualTo("Network work");
        foreach (var notice in notices.EnumerateArray())
            await Assert.That(string.Join(",", notice.GetProperty("monitor_ids").EnumerateArray().Select(m => m.GetString()))).IsEqualTo(checkout);
        await Assert.That(Entry(upcoming, checkout).GetProperty("in_maintenance").GetBoolean()).IsFalse();
        await NothingHidden(upcoming, hidden);

        // "Secret rotation" starts for the hidden monitor only: this page is not even made afresh.
        await clock.AdvanceAsync(Step, 12);
        var unmoved = await Look(anonymous);
        await Assert.That(unmoved.ETag).IsEqualTo(upcoming.ETag);
        await NothingHidden(unmoved, hidden);

        // Two seconds before the start: still scheduled, and served from the cache (the same ETag twice).
        await clock.AdvanceUntilAsync(() => clock.GetUtcNow() >= start.AddSeconds(-2), Step, 20);
        var before = await Look(anonymous);
        await Assert.That(before.Html).Contains("Scheduled: ");
        await Assert.That((await Look(anonymous)).ETag).IsEqualTo(before.ETag);
        var cachedAt = clock.GetUtcNow();

        // It starts: in progress within the clock's second, long before the cache's 30 s would have it.
        await clock.AdvanceAsync(Step, 3);
        var active = await LookUntil(anonymous, s => s.Html.Contains("In progress: ", StringComparison.Ordinal));
        await Assert.That(clock.GetUtcNow() - cachedAt).IsLessThan(StatusPageCache.MaxAge);
        await Assert.That(active.Html).Contains("<h3>Database upgrade</h3><p>In progress: ");
        await Assert.That(active.Html).Contains("Operational, with maintenance in progress");
        await Assert.That(active.Html).Contains("<span class=\"state st-maintenance\">Maintenance</span>");
        await Assert.That(active.Summary.GetProperty("maintenance")[0].GetProperty("active").GetBoolean()).IsTrue();
        await Assert.That(Entry(active, checkout).GetProperty("in_maintenance").GetBoolean()).IsTrue();
        await Assert.That(Entry(active, search).GetProperty("in_maintenance").GetBoolean()).IsFalse();
        await NothingHidden(active, hidden);

        // Two seconds before the end: still in progress, served from the cache.
        await clock.AdvanceUntilAsync(() => clock.GetUtcNow() >= end.AddSeconds(-2), Step, 80);
        var last = await Look(anonymous);
        await Assert.That(last.Html).Contains("In progress: ");
        await Assert.That((await Look(anonymous)).ETag).IsEqualTo(last.ETag);
        cachedAt = clock.GetUtcNow();

        // It ends: gone within the clock's second; the upcoming one stays.
        await clock.AdvanceAsync(Step, 3);
        var ended = await LookUntil(anonymous, s => !s.Html.Contains("Database upgrade", StringComparison.Ordinal));
        await Assert.That(clock.GetUtcNow() - cachedAt).IsLessThan(StatusPageCache.MaxAge);
        await Assert.That(ended.Html).DoesNotContain("Database upgrade").And.DoesNotContain("In progress");
        await Assert.That(ended.Html).Contains("<h3>Network work</h3>").And.Contains("All systems operational");
        await Assert.That(ended.Summary.GetProperty("maintenance").GetArrayLength()).IsEqualTo(1);
        await Assert.That(Entry(ended, checkout).GetProperty("in_maintenance").GetBoolean()).IsFalse();
        await NothingHidden(ended, hidden);
    }

    [Test]
    public async Task A_window_created_changed_moved_and_deleted_through_the_api_shows_on_the_page_at_once()
    {
        // Fake time stands still: only the writes can make the cached page new.
        var clock = new FakeClock();
        // The public routes' rate limit refills with (fake) time: room for every look.
        await using var server = await FlatlineServer.StartAsync(s => s with { PublicRateLimit = 10_000 }, time: clock);
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var shown = await Monitor(client, "Storefront");
        var hidden = await Monitor(client, "Hidden billing DB");
        await Page(client, $$"""{"slug":"shop","title":"Shop","sections":[{"name":"Shop","monitors":["{{shown}}"]}]}""");

        var empty = await Look(anonymous);
        await Assert.That(empty.Html).DoesNotContain("id=\"maintenance\"");
        await Assert.That((await Look(anonymous)).ETag).IsEqualTo(empty.ETag);

        var now = clock.GetUtcNow();
        var id = await Create(client, Window("Cache warm-up", null, [shown], now.AddHours(1), now.AddHours(2)));
        await Assert.That((await Look(anonymous)).Html).Contains("<h3>Cache warm-up</h3><p>Scheduled: ");

        async Task Patch(string json)
        {
            using var response = await client.PatchJsonAsync($"/api/v1/maintenance/{id}", json);
            await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.OK).Because(await response.Content.ReadAsStringAsync());
        }

        await Patch("""{"title":"Cache rebuild"}""");
        var renamed = await Look(anonymous);
        await Assert.That(renamed.Html).Contains("<h3>Cache rebuild</h3>").And.DoesNotContain("Cache warm-up");

        // Moved to a monitor the page does not show: gone from it (the window's old monitors count too).
        await Patch($$"""{"monitors":["{{hidden}}"]}""");
        var moved = await Look(anonymous);
        await Assert.That(moved.Html).DoesNotContain("Cache rebuild").And.DoesNotContain("id=\"maintenance\"");
        await Assert.That(moved.Summary.GetProperty("maintenance").GetArrayLength()).IsEqualTo(0);
        await NothingHidden(moved, hidden);

        // Back, and started now: in progress at once.
        await Patch($$$"""{"monitors":["{{{shown}}}"],"schedule":{"type":"once","start":"{{{now.AddMinutes(-1).UtcDateTime:O}}}","end":"{{{now.AddHours(1).UtcDateTime:O}}}"}}""");
        var started = await Look(anonymous);
        await Assert.That(started.Html).Contains("<h3>Cache rebuild</h3><p>In progress: ").And.Contains("Under maintenance");
        await Assert.That(started.Summary.GetProperty("state").GetString()).IsEqualTo("maintenance");

        using (var deleted = await client.DeleteAsync($"/api/v1/maintenance/{id}"))
            await Assert.That(deleted.StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        var gone = await Look(anonymous);
        await Assert.That(gone.Html).DoesNotContain("Cache rebuild").And.DoesNotContain("Under maintenance");
        await Assert.That(gone.Summary.GetProperty("maintenance").GetArrayLength()).IsEqualTo(0);
    }

    static PublicMonitor Item(MonitorStatus status, bool inMaintenance) =>
        new("m", 1, "M", status, inMaintenance, null, null, null, null, null, null, []);

    [Test]
    public async Task A_monitor_in_maintenance_counts_neither_up_nor_down_in_the_page_state()
    {
        await Assert.That(PublicPageReader.Overall([Item(MonitorStatus.Down, true), Item(MonitorStatus.Up, true)]).State).IsEqualTo(PageState.Maintenance);
        await Assert.That(PublicPageReader.Overall([Item(MonitorStatus.Down, true), Item(MonitorStatus.Up, false)]))
            .IsEqualTo((PageState.Operational, "Operational, with maintenance in progress"));
        await Assert.That(PublicPageReader.Overall([Item(MonitorStatus.Up, true), Item(MonitorStatus.Down, false), Item(MonitorStatus.Up, false)]).State)
            .IsEqualTo(PageState.PartialOutage);
        await Assert.That(PublicPageReader.Overall([Item(MonitorStatus.Up, false)])).IsEqualTo((PageState.Operational, "All systems operational"));
    }
}
