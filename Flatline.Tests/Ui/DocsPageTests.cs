using Microsoft.Playwright;
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
        await page.GotoAsync("/docs/");
        // An operation's summary from the document shows that Scalar loaded and rendered it.
        await Expect(page.GetByText("List every monitor with its current status").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assert.That(browser.Requests.Any(url => url.Contains("/openapi/v1.json", StringComparison.Ordinal))).IsTrue();
        await Assert.That(browser.Requests.Where(url => !url.StartsWith(browser.Server.BaseAddress.AbsoluteUri, StringComparison.Ordinal))).IsEmpty();
    }
}
