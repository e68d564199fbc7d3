using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>Maintenance windows, tags and dependencies in Chromium against the published executable.</summary>
public sealed class MaintenanceUiTests
{
    static async Task<string> Monitor(Browser browser, string name, string extra = "", bool enabled = false)
    {
        var created = (await browser.Api.PostAsync("/api/v1/monitors",
            $$"""{"name":"{{name}}","enabled":{{(enabled ? "true" : "false")}},"interval":10,"timeout":2,"config":{"type":"http","url":"http://127.0.0.1:9/"}{{extra}}}""")).Expect(HttpStatusCode.Created);
        return created.Json.GetProperty("id").GetString()!;
    }

    [Test]
    public async Task A_weekly_window_made_in_the_form_lists_its_next_occurrences_and_edits_back()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        var id = await Monitor(browser, "Billing", enabled: true);
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Maintenance" }).ClickAsync();
        await Expect(page.GetByText("No maintenance windows.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Plan maintenance" }).ClickAsync();

        await page.GetByLabel("Title").FillAsync("Patch night");
        await Expect(page.GetByLabel("Weekly")).ToBeCheckedAsync();
        await page.GetByLabel("tue", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("sun", new() { Exact = true }).UncheckAsync();
        await page.GetByLabel("Start time").FillAsync("02:30");
        await page.GetByLabel("Duration (minutes)").FillAsync("0");
        await page.GetByLabel("Time zone").FillAsync("Europe/Berlin");
        await page.GetByLabel("Billing").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create window" }).ClickAsync();
        // The server's message lands beside the field it names; nothing is stored.
        await Expect(page.Locator("[data-error-for=w-duration]")).ToContainTextAsync("must be a whole number from 1");
        await Assert.That((await browser.Api.GetAsync("/api/v1/maintenance")).Json.GetArrayLength()).IsEqualTo(0);

        await page.GetByLabel("Duration (minutes)").FillAsync("45");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create window" }).ClickAsync();
        var card = page.Locator("[data-window='Patch night']");
        await Expect(card).ToContainTextAsync("Every tue at 02:30 for 45 min (Europe/Berlin)");
        await Expect(card).ToContainTextAsync("Covers Billing");
        await Expect(card.Locator("[data-testid=occurrences] li")).ToHaveCountAsync(5);
        var stored = (await browser.Api.GetAsync("/api/v1/maintenance")).Json[0];
        await Assert.That(stored.GetProperty("monitors")[0].GetString()).IsEqualTo(id);
        foreach (var occurrence in stored.GetProperty("next_occurrences").EnumerateArray())
        {
            var start = TimeZoneInfo.ConvertTimeFromUtc(occurrence.GetProperty("start").GetDateTime().ToUniversalTime(), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
            await Assert.That(start.DayOfWeek).IsEqualTo(DayOfWeek.Tuesday);
            await Assert.That(start.TimeOfDay).IsEqualTo(new TimeSpan(2, 30, 0));
        }

        // Edit: the same fields come back; it becomes monthly on the last day.
        await card.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await Expect(page.GetByLabel("Title")).ToHaveValueAsync("Patch night");
        await Expect(page.GetByLabel("Time zone")).ToHaveValueAsync("Europe/Berlin");
        await Expect(page.GetByLabel("tue", new() { Exact = true })).ToBeCheckedAsync();
        await page.GetByLabel("Monthly").CheckAsync();
        await page.GetByLabel("The last day of each month").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(card).ToContainTextAsync("Monthly on the last day at 02:30 for 45 min (Europe/Berlin)");
        await Expect(card.Locator("[data-testid=occurrences] li")).ToHaveCountAsync(5);

        // A window active now: a banner on the monitor's page and a marker on the dashboard.
        var now = DateTime.UtcNow;
        (await browser.Api.PostAsync("/api/v1/maintenance", $$$"""
            {"title":"Now","monitors":["{{{id}}}"],"schedule":{"type":"once","start":"{{{now.AddMinutes(-1):O}}}","end":"{{{now.AddHours(1):O}}}"}}
            """)).Expect(HttpStatusCode.Created);
        await page.GotoAsync($"/monitors/{id}");
        await Expect(page.GetByTestId("maintenance-banner")).ToBeVisibleAsync();
        await page.GotoAsync("/");
        await Expect(page.Locator("tr[data-monitor='Billing']")).ToContainTextAsync("In maintenance");

        await page.GotoAsync("/maintenance");
        await Expect(page.Locator("[data-window='Now']")).ToContainTextAsync("Active now");
        await page.Locator("[data-window='Patch night']").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete window" }).ClickAsync();
        await Expect(page.Locator("[data-window='Patch night']")).ToHaveCountAsync(0);
        await Assert.That((await browser.Api.GetAsync("/api/v1/maintenance")).Json.GetArrayLength()).IsEqualTo(1);
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }

    [Test]
    public async Task Tag_chips_filter_the_dashboard_and_the_form_sets_tags_and_dependencies()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        var db = await Monitor(browser, "Db", ""","tags":["staging"]""", enabled: true);
        var web = await Monitor(browser, "Web", ""","tags":["prod"]""", enabled: true);
        await Monitor(browser, "Cache");
        await page.GotoAsync("/");
        var rows = page.Locator("tr[data-monitor]");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(page.Locator("tr[data-monitor='Web']").GetByRole(AriaRole.Button, new() { Name = "Tag prod" })).ToBeVisibleAsync();

        await page.GetByLabel("Filter by tag").SelectOptionAsync("prod");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-monitor", "Web");
        await page.GetByLabel("Filter by tag").SelectOptionAsync("");
        await Expect(rows).ToHaveCountAsync(3);
        // A chip filters by its tag, and again clears it.
        await page.Locator("tr[data-monitor='Db']").GetByRole(AriaRole.Button, new() { Name = "Tag staging" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-monitor", "Db");
        await Expect(page.GetByLabel("Filter by tag")).ToHaveValueAsync("staging");
        await rows.First.GetByRole(AriaRole.Button, new() { Name = "Tag staging" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(3);

        // The form: tags as text, the parents as a list of the other monitors.
        await page.GotoAsync($"/monitors/{web}/edit");
        await Expect(page.GetByLabel("Tags")).ToHaveValueAsync("prod");
        await page.GetByLabel("Tags").FillAsync("prod, eu");
        await page.GetByLabel("Depends on").SelectOptionAsync(new[] { "Db" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        // On the monitor's page (the form's own heading, "Edit Web", names it too: a reload before the
        // form has moved on would reload the form).
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/monitors/{web}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Web");
        var saved = (await browser.Api.GetAsync($"/api/v1/monitors/{web}")).Json;
        await Assert.That(saved.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray()).IsEquivalentTo(new[] { "eu", "prod" });
        await Assert.That(saved.GetProperty("depends_on")[0].GetString()).IsEqualTo(db);
        // Db fails (nothing listens on port 9), so Web is blocked by it.
        await page.ReloadAsync();
        await Expect(page.GetByText("Blocked by Db").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(page.Locator(".marks .chip")).ToHaveTextAsync(new[] { "eu", "prod" });
        await page.GotoAsync($"/monitors/{web}/edit");
        await Expect(page.GetByLabel("Tags")).ToHaveValueAsync("eu, prod");
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }
}
