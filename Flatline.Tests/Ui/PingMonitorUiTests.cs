using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>A ping monitor made in Chromium: the count and the loss allowed are its own fields, the
/// server's messages about them land beside them, and the monitor pings 127.0.0.1, comes up, and
/// shows the host as its target on its page and on the dashboard.</summary>
public sealed class PingMonitorUiTests
{
    [Test]
    public async Task A_ping_monitor_made_in_the_form_names_bad_counts_beside_their_fields_and_comes_up()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Add your first monitor" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Router");
        await page.GetByLabel("Ping (ICMP)").CheckAsync();
        await Expect(page.GetByLabel("URL")).ToHaveCountAsync(0);
        await Expect(page.GetByLabel("Pings per check")).ToHaveValueAsync("3");
        await Expect(page.GetByLabel("Loss allowed (%)")).ToHaveValueAsync("0");
        await page.GetByLabel("Host").FillAsync("router..lan");
        await page.GetByLabel("Pings per check").FillAsync("11");
        await page.GetByLabel("Loss allowed (%)").FillAsync("100");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();

        await Expect(page.Locator("[data-error-for=m-ping-host]")).ToContainTextAsync("must be a host name");
        await Expect(page.Locator("[data-error-for=m-ping-count]")).ToHaveTextAsync("must be a whole number from 1 to 10");
        await Expect(page.Locator("[data-error-for=m-ping-loss]")).ToHaveTextAsync("must be a whole number from 0 to 99");
        await Expect(page.GetByLabel("Pings per check")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assert.That((await browser.Api.ListMonitorsAsync()).Json.GetArrayLength()).IsEqualTo(0);

        await page.GetByLabel("Host").FillAsync("127.0.0.1");
        await page.GetByLabel("Pings per check").FillAsync("4");
        await page.GetByLabel("Loss allowed (%)").FillAsync("25");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();

        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToContainTextAsync("Router");
        await Expect(heading.Locator("[data-status=up]")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(page.Locator("p.url")).ToHaveTextAsync("127.0.0.1");

        var monitors = (await browser.Api.ListMonitorsAsync()).Json;
        await Assert.That(monitors[0].GetProperty("config").GetRawText()).IsEqualTo("""{"type":"ping","host":"127.0.0.1","count":4,"max_loss_percent":25}""");

        await page.GetByRole(AriaRole.Link, new() { Name = "Monitors" }).First.ClickAsync();
        await Expect(page.Locator("tr[data-monitor='Router'] .url")).ToHaveTextAsync("127.0.0.1");

        await page.GotoAsync($"/monitors/{monitors[0].GetProperty("id").GetString()}/edit");
        await Expect(page.GetByLabel("Ping (ICMP)")).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Pings per check")).ToHaveValueAsync("4");
        await Expect(page.GetByLabel("Loss allowed (%)")).ToHaveValueAsync("25");
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }
}
