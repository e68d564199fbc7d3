using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>Status pages in Chromium against the published executable: the editor makes a page with
/// an announcement, and the public page reads fully with scripts off, light and dark, at phone width,
/// refreshes itself with scripts on, and has no serious or critical axe-core violation; nor has the editor.</summary>
public sealed class StatusPageUiTests
{
    [Test]
    public async Task The_editor_makes_a_page_with_a_section_and_an_announcement_and_both_pass_axe()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        var monitors = new List<string>();
        foreach (var name in new[] { "Website", "Billing API" })
            monitors.Add((await browser.Api.PostAsync("/api/v1/monitors", $$$"""{"name":"{{{name}}}","enabled":false,"config":{"type":"http","url":"http://127.0.0.1:9/"}}""")).Json.GetProperty("id").GetString()!);

        await page.GotoAsync("/status-pages");
        await page.GetByRole(AriaRole.Link, new() { Name = "New status page" }).ClickAsync();
        await page.GetByLabel("Slug").FillAsync("Not a slug");
        await page.Locator("#sp-title").FillAsync("Acme status");
        await page.GetByLabel("Website").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create status page" }).ClickAsync();
        await Expect(page.Locator("#sp-slug-error")).ToContainTextAsync("lower-case letters");
        await page.GetByLabel("Slug").FillAsync("acme");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create status page" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edit Acme status", Level = 1 })).ToBeVisibleAsync();

        await page.Locator("#an-title").FillAsync("Slow invoices");
        await page.Locator("#an-message").FillAsync("We are looking into slow invoice emails.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Post announcement" }).ClickAsync();
        var announcement = page.Locator("[data-announcement='Slow invoices']");
        await Expect(announcement).ToContainTextAsync("investigating");
        await announcement.Locator("textarea").FillAsync("Fixed.");
        await announcement.Locator("select").SelectOptionAsync("resolved");
        await announcement.GetByRole(AriaRole.Button, new() { Name = "Add update" }).ClickAsync();
        await Expect(announcement).ToContainTextAsync("resolved");

        var pages = (await browser.Api.GetAsync("/api/v1/status-pages")).Json;
        await Assert.That(pages[0].GetProperty("sections")[0].GetProperty("monitors").GetArrayLength()).IsEqualTo(1);
        var id = pages[0].GetProperty("id").GetString();

        var editor = await browser.NewPageAsync();
        await editor.GotoAsync($"/status-pages/{id}");
        await Expect(editor.GetByRole(AriaRole.Heading, new() { Name = "Edit Acme status", Level = 1 })).ToBeVisibleAsync();
        await Assert.That(await Axe.SeriousViolationsAsync(editor)).IsEmpty();

        // Maintenance on the page's monitor, one in progress and one to come, so that axe sees it too.
        var now = DateTimeOffset.UtcNow;
        foreach (var (title, start) in new[] { ("CDN switch", now.AddMinutes(-5)), ("Certificate renewal", now.AddDays(2)) })
        {
            var window = await browser.Api.PostAsync("/api/v1/maintenance", JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["title"] = title,
                ["monitors"] = new[] { monitors[0] },
                ["schedule"] = new Dictionary<string, string> { ["type"] = "once", ["start"] = start.ToString("O"), ["end"] = start.AddHours(1).ToString("O") },
            }));
            await Assert.That(window.Status).IsEqualTo(HttpStatusCode.Created);
        }

        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var visitor = await browser.NewPageAsync(colorScheme: scheme);
            await visitor.GotoAsync("/status/acme");
            await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Acme status", Level = 1 })).ToBeVisibleAsync();
            await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Past announcements" })).ToBeVisibleAsync();
            await Expect(visitor.Locator("#overall")).ToHaveTextAsync("Under maintenance");
            await Expect(visitor.Locator("li.monitor .state")).ToHaveTextAsync("Maintenance");
            await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "CDN switch" })).ToBeVisibleAsync();
            await Expect(visitor.GetByText("In progress:")).ToBeVisibleAsync();
            await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Certificate renewal" })).ToBeVisibleAsync();
            await Expect(visitor.GetByText("Fixed.")).ToBeVisibleAsync();
            await Expect(visitor.Locator("li.monitor")).ToHaveCountAsync(1);
            await Assert.That(await Axe.SeriousViolationsAsync(visitor)).IsEmpty().Because(scheme.ToString());
        }
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }

    [Test]
    public async Task The_public_page_reads_without_scripts_light_dark_and_on_a_phone_and_refreshes_itself_with_them()
    {
        await using var target = await TargetServer.StartAsync();
        await using var browser = await Browser.StartAsync();
        await browser.SetUpOwnerAsync();
        var created = await browser.Api.PostAsync("/api/v1/monitors", $$$"""{"name":"Storefront","config":{"type":"http","url":"{{{target.Url("/ok")}}}"}}""");
        var monitor = created.Json.GetProperty("id").GetString();
        var made = await browser.Api.PostAsync("/api/v1/status-pages", $$"""{"slug":"shop","title":"Shop status","description":"Our shop","sections":[{"name":"Shop","monitors":["{{monitor}}"]}]}""");
        await Assert.That(made.Status).IsEqualTo(HttpStatusCode.Created);

        // Scripts off, dark, at phone width: everything is there as HTML.
        var plain = await browser.NewPageAsync(javaScript: false, width: 390, height: 844, colorScheme: ColorScheme.Dark);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            await plain.GotoAsync("/status/shop");
        } while (await plain.Locator("#overall").TextContentAsync() != "All systems operational" && DateTime.UtcNow < deadline);
        await Expect(plain.Locator("#overall")).ToHaveTextAsync("All systems operational");
        await Expect(plain.Locator("li.monitor .state")).ToHaveTextAsync("Operational");
        await Expect(plain.Locator("ol.bars li")).ToHaveCountAsync(90);
        await Expect(plain.GetByText("Last updated")).ToBeVisibleAsync();
        await Assert.That(await plain.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")).IsFalse();
        await Assert.That(await plain.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor")).IsEqualTo("rgb(13, 17, 23)");
        // Keyboard: the skip link comes first and leads to the status.
        await plain.Keyboard.PressAsync("Tab");
        await Assert.That(await plain.EvaluateAsync<string>("() => document.activeElement.textContent")).IsEqualTo("Skip to the status");

        var light = await browser.NewPageAsync(javaScript: false);
        await light.GotoAsync("/status/shop");
        await Assert.That(await light.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor")).IsEqualTo("rgb(255, 255, 255)");

        // Scripts on: a change shows without a reload, and the live region says so.
        var live = await browser.NewPageAsync();
        await live.GotoAsync("/status/shop?refresh=5");
        await Expect(live.Locator("li.monitor .state")).ToHaveTextAsync("Operational");
        var before = await live.Locator("main").GetAttributeAsync("data-version");
        await browser.Api.PatchAsync($"/api/v1/monitors/{monitor}", """{"enabled":false}""");
        await Expect(live.Locator("li.monitor .state")).ToHaveTextAsync("Paused", new() { Timeout = 15_000 });
        await Expect(live.Locator("#live")).ToHaveTextAsync("Monitoring is paused");
        await Assert.That(await live.Locator("main").GetAttributeAsync("data-version")).IsNotEqualTo(before);

        await Assert.That(browser.Requests.All(url => url.StartsWith(browser.BaseUrl, StringComparison.Ordinal))).IsTrue();
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }
}
