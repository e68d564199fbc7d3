using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>A push monitor made in Chromium: bad cron and time zone land beside their fields; once
/// created, its page shows both URL shapes and a curl line ready to copy, and that very line, run in a
/// real shell, turns the monitor up (and the healthchecks.io shape with an exit code turns it down).</summary>
public sealed class PushMonitorUiTests
{
    static async Task<string> Shell(string script)
    {
        var result = await ChildProcess.RunAsync("/bin/bash", ["-c", script], limit: TimeSpan.FromSeconds(30));
        await Assert.That(result.ExitCode).IsEqualTo(0).Because(result.Output);
        return result.Stdout.TrimEnd('\n');
    }

    [Test]
    public async Task A_push_monitor_shows_its_urls_and_a_curl_line_ready_to_copy_after_creation_and_that_line_turns_it_up()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = browser.BaseUrl });
        await browser.SetUpOwnerAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Add your first monitor" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Backup");
        await page.GetByLabel("Push (heartbeat)").CheckAsync();
        await Expect(page.GetByLabel("URL")).ToHaveCountAsync(0);
        await Expect(page.GetByText("The push URL appears once the monitor is saved.")).ToBeVisibleAsync();
        await page.GetByLabel("Cron schedule").FillAsync("61 * * * *");
        await page.GetByLabel("Time zone").FillAsync("Mars/Olympus_Mons");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();
        await Expect(page.Locator("[data-error-for=m-push-cron]")).ToContainTextAsync("must be a cron expression of 5 fields");
        await Expect(page.Locator("[data-error-for=m-push-zone]")).ToContainTextAsync("must be an IANA time zone");
        await Expect(page.GetByLabel("Cron schedule")).ToBeFocusedAsync();

        await page.GetByLabel("Cron schedule").FillAsync("30 2 * * *");
        await page.GetByLabel("Time zone").FillAsync("Europe/Berlin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();

        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToContainTextAsync("Backup");
        var monitor = (await browser.Api.ListMonitorsAsync()).Json[0];
        var id = monitor.GetProperty("id").GetString()!;
        var token = monitor.GetProperty("config").GetProperty("token").GetString()!;
        await Assert.That(monitor.GetProperty("config").GetProperty("timezone").GetString()).IsEqualTo("Europe/Berlin");

        // On the monitor's own page, right after creation: both shapes and the curl line.
        var push = page.GetByRole(AriaRole.Region, new() { Name = "Push URL" });
        await Expect(push).ToContainTextAsync("each run of 30 2 * * * (Europe/Berlin) plus 60 s of grace");
        // Nothing is polled: the page names the schedule and the grace, not an interval and a timeout.
        await Expect(page.Locator("p.meta")).ToContainTextAsync("A push by each run of 30 2 * * * (Europe/Berlin) · grace 60 s · 0 retries");
        await Expect(page.Locator("p.meta")).Not.ToContainTextAsync("timeout");
        var pushUrl = $"{browser.BaseUrl}/api/push/{token}";
        var curl = $"curl -fsS -m 10 --retry 3 '{pushUrl}?status=up&msg=OK'";
        await Expect(push.GetByLabel("Push URL", new() { Exact = true })).ToHaveValueAsync(pushUrl);
        await Expect(push.GetByLabel("From a cron job or script", new() { Exact = true })).ToHaveValueAsync(curl);
        await Expect(push.GetByLabel("Ping URL (healthchecks.io's shape)", new() { Exact = true })).ToHaveValueAsync($"{browser.BaseUrl}/ping/{token}");
        await Expect(push).ToContainTextAsync($"{browser.BaseUrl}/ping/{token}/start");

        // Copy puts exactly the shown line on the clipboard; run as is, it is a push.
        var copy = push.GetByRole(AriaRole.Button, new() { Name = "Copy From a cron job or script" });
        await copy.ClickAsync();
        await Expect(copy).ToHaveTextAsync("Copied");
        var copied = await page.EvaluateAsync<string>("navigator.clipboard.readText()");
        await Assert.That(copied).IsEqualTo(curl);
        await Assert.That(await Shell(copied)).IsEqualTo("""{"ok":true}""");
        await Expect(heading.Locator("[data-status=up]")).ToBeVisibleAsync(new() { Timeout = 5_000 });

        // The healthchecks.io shape from the same page, with a job's exit code: a failure.
        var ping = await push.GetByLabel("Ping URL (healthchecks.io's shape)", new() { Exact = true }).InputValueAsync();
        await Assert.That(await Shell($"false; curl -fsS -m 10 '{ping}'/$?")).IsEqualTo("OK");
        await Expect(heading.Locator("[data-status=down]")).ToBeVisibleAsync(new() { Timeout = 5_000 });

        // The push part of the page passes axe in both colour schemes.
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var other = await browser.NewPageAsync(colorScheme: scheme);
            await other.GotoAsync($"/monitors/{id}");
            await Expect(other.GetByRole(AriaRole.Region, new() { Name = "Push URL" })).ToBeVisibleAsync();
            await Assert.That(await Axe.SeriousViolationsAsync(other)).IsEmpty().Because(scheme.ToString());
        }

        // The dashboard's target column shows the schedule, never the token.
        await page.GetByRole(AriaRole.Link, new() { Name = "Monitors" }).First.ClickAsync();
        var row = page.Locator("tr[data-monitor='Backup']");
        await Expect(row).ToContainTextAsync("push at 30 2 * * * (Europe/Berlin)");
        await Expect(row).Not.ToContainTextAsync(token);

        // Editing shows the same fields, and the URL again.
        await page.GotoAsync($"/monitors/{id}/edit");
        await Expect(page.GetByLabel("Push (heartbeat)")).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Cron schedule")).ToHaveValueAsync("30 2 * * *");
        await Expect(page.GetByLabel("Grace (seconds)")).ToHaveValueAsync("60");
        await Expect(page.GetByLabel("Push URL", new() { Exact = true })).ToHaveValueAsync(pushUrl);
        await Assert.That(browser.ConsoleErrors).IsEmpty();
    }
}
