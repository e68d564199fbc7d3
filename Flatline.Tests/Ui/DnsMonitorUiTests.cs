using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>A DNS monitor made in Chromium against a real dnsmasq: the server's message lands beside
/// the field it names, the monitor comes up and shows its query as its target, and edits back into
/// the same fields.</summary>
public sealed class DnsMonitorUiTests
{
    [Test]
    public async Task A_dns_monitor_made_in_the_form_comes_up_and_shows_its_query_as_its_target()
    {
        await using var dns = await Dnsmasq.StartAsync(["local=/example.test/", "mx-host=example.test,mail.example.test,10", "mx-host=example.test,mail2.example.test,20"]);
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Add your first monitor" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Mail");
        await page.GetByLabel("DNS record").CheckAsync();
        await Expect(page.GetByLabel("URL")).ToHaveCountAsync(0);
        await page.GetByLabel("Domain name").FillAsync("example.test");
        await page.GetByLabel("Record type").SelectOptionAsync("MX");
        await page.GetByLabel("DNS server").FillAsync("127.0.0.1:70000");
        await page.GetByLabel("Expected values").FillAsync("20 mail2.example.test\n10 mail.example.test.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();

        await Expect(page.Locator("[data-error-for=m-dns-server]")).ToContainTextAsync("optional port 1-65535");
        await page.GetByLabel("DNS server").FillAsync(dns.Server);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();

        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToContainTextAsync("Mail");
        await Expect(heading.Locator("[data-status=up]")).ToBeVisibleAsync(new() { Timeout = 5_000 });
        await Expect(page.GetByText($"MX example.test @{dns.Server}")).ToBeVisibleAsync();

        var monitors = (await browser.Api.ListMonitorsAsync()).Json;
        await Assert.That(monitors[0].GetProperty("config").GetRawText())
            .IsEqualTo($$"""{"type":"dns","name":"example.test","record_type":"MX","server":"{{dns.Server}}","expected":["20 mail2.example.test","10 mail.example.test."],"rcode":"NOERROR"}""");

        // The dashboard's target column shows the query the same way.
        await page.GetByRole(AriaRole.Link, new() { Name = "Monitors" }).First.ClickAsync();
        await Expect(page.Locator("tr[data-monitor='Mail'] .url")).ToHaveTextAsync($"MX example.test @{dns.Server}");

        // Editing shows the same type and fields.
        await page.GotoAsync($"/monitors/{monitors[0].GetProperty("id").GetString()}/edit");
        await Expect(page.GetByLabel("DNS record")).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Domain name")).ToHaveValueAsync("example.test");
        await Expect(page.GetByLabel("Record type")).ToHaveValueAsync("MX");
        await Expect(page.GetByLabel("Expected values")).ToHaveValueAsync("20 mail2.example.test\n10 mail.example.test.");
        await Expect(page.GetByLabel("Expected rcode")).ToHaveValueAsync("NOERROR");
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }
}
