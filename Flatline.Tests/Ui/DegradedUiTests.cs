using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>A degraded monitor shows as degraded in Chromium: its badge on the dashboard (and the
/// dashboard's headline and filter) and on its page with the reason, against a real TLS listener whose
/// certificate, from a test CA, ends in 3 days.</summary>
public sealed class DegradedUiTests
{
    [Test]
    public async Task A_monitor_whose_certificate_ends_soon_shows_as_degraded_on_the_dashboard_and_its_page()
    {
        using var ca = new TestCa();
        using var certificate = ca.Issue(DateTimeOffset.UtcNow.AddDays(3));
        await using var target = await LoopbackServer.StartAsync(context => context.Response.WriteAsync("ok"), certificate);
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();

        var created = await browser.Api.CreateMonitorAsync(MonitorBody.Http(target.Url("/")).Named("Shop").Interval(10).VerifyTls(false));
        var id = created.Value.Id;
        await page.ReloadAsync();

        // The dashboard turns the row's badge degraded as the check arrives on the live stream.
        var row = page.Locator("tr[data-monitor='Shop']");
        await Expect(row.Locator("[data-status=degraded]")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(row.Locator("[data-status=degraded]")).ToHaveTextAsync("Degraded");
        await Expect(page.GetByTestId("overall")).ToHaveTextAsync("1 of 1 monitor degraded");
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Filter by status" }).SelectOptionAsync("degraded");
        await Expect(row).ToBeVisibleAsync();

        await page.GotoAsync($"/monitors/{id}");
        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading.Locator("[data-status=degraded]")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("degraded-reason")).ToContainTextAsync("TLS certificate expires in 3 days");
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }
}
