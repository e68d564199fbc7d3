using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>The Scalar reference at /docs, in real Chromium, from the published executable.</summary>
public class DocsPageTests
{
    [Test]
    public async Task The_docs_page_renders_the_api_with_no_request_to_another_host()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        // Scalar's bundle is a few megabytes of script; on two busy cores under the full suite its
        // "load" event came after the 10 s default, so the page is awaited by what it renders (30 s).
        await page.GotoAsync("/docs/", new() { WaitUntil = Microsoft.Playwright.WaitUntilState.Commit, Timeout = 30_000 });
        // The document's description and the first operation's summary show Scalar loaded and rendered it.
        await Expect(page.GetByText("Self-hosted uptime monitoring").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.GetByText("Liveness: the database is writable and the scheduler ticks").First).ToBeVisibleAsync();
        await Assert.That(browser.Requests.Any(url => url.EndsWith("/openapi/v1.json", StringComparison.Ordinal))).IsTrue();
        await Assert.That(browser.Requests.Where(url => !url.StartsWith(browser.Server.BaseAddress.AbsoluteUri, StringComparison.Ordinal))).IsEmpty();
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }
}
