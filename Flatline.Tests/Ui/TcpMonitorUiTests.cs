using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>The monitor form offers each check type's own fields: a TCP monitor made in Chromium
/// against a real loopback port comes up, shows host:port as its target, and edits back into the same fields.</summary>
public sealed class TcpMonitorUiTests
{
    [Test]
    public async Task A_tcp_monitor_made_in_the_form_comes_up_and_shows_host_and_port_as_its_target()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Add your first monitor" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("Postgres");
        await page.GetByLabel("TCP port").CheckAsync();
        await Expect(page.GetByLabel("URL")).ToHaveCountAsync(0);
        await page.GetByLabel("Host").FillAsync("127.0.0.1");
        await page.GetByLabel("Port", new() { Exact = true }).FillAsync("70000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();

        // The server's message lands next to the type's own field.
        await Expect(page.Locator("[data-error-for=m-port]")).ToHaveTextAsync("must be a whole number from 1 to 65535");
        await page.GetByLabel("Port", new() { Exact = true }).FillAsync(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();

        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToContainTextAsync("Postgres");
        await Expect(heading.Locator("[data-status=up]")).ToBeVisibleAsync(new() { Timeout = 5_000 });
        await Expect(page.GetByText($"127.0.0.1:{port}")).ToBeVisibleAsync();

        var monitors = (await browser.Api.ListMonitorsAsync()).Json;
        await Assert.That(monitors[0].GetProperty("config").GetProperty("type").GetString()).IsEqualTo("tcp");
        await Assert.That(monitors[0].GetProperty("config").GetProperty("port").GetInt32()).IsEqualTo(port);

        await page.GetByRole(AriaRole.Link, new() { Name = "Monitors" }).First.ClickAsync();
        await Expect(page.Locator("tr[data-monitor='Postgres']")).ToContainTextAsync($"127.0.0.1:{port}");

        // Editing shows the same type and fields.
        await page.GotoAsync($"/monitors/{monitors[0].GetProperty("id").GetString()}/edit");
        await Expect(page.GetByLabel("TCP port")).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Host")).ToHaveValueAsync("127.0.0.1");
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }
}
