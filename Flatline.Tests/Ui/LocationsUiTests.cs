using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>Locations (SPEC §16) in Chromium against the published executable: the Locations page, the
/// locations and quorum in the monitor form, and the per-location card and "Seen from" on the monitor's
/// page. The agents are the test, speaking the agents' HTTP routes with the tokens the page showed or
/// the API gave.</summary>
public sealed partial class LocationsUiTests
{
    const string AgentVersion = "0.9.0-agent";

    static async Task AssertCleanAsync(Browser browser)
    {
        await Assert.That(browser.ConsoleErrors).IsEmpty();
        await Assert.That(browser.Requests).IsNotEmpty();
        await Assert.That(browser.Requests.Where(url => !url.StartsWith(browser.Server.BaseAddress.AbsoluteUri, StringComparison.Ordinal))).IsEmpty();
    }

    /// <summary>An agent as the server sees one: its token, and the version header a real agent sends.</summary>
    static FlatlineClient Agent(Browser browser, string token)
    {
        var agent = new FlatlineClient(browser.Server.BaseAddress, token);
        agent.Http.DefaultRequestHeaders.Add("Flatline-Agent-Version", AgentVersion);
        return agent;
    }

    /// <summary>The agent's pull: its monitors' ids and revisions.</summary>
    static async Task<Dictionary<string, int>> AssignmentsAsync(FlatlineClient agent)
    {
        var pulled = (await agent.GetAsync("/api/agent/v1/assignments")).Expect(HttpStatusCode.OK);
        return pulled.Json.GetProperty("monitors").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("revision").GetInt32());
    }

    /// <summary>Pushes one result per <paramref name="oks"/> entry, a second apart, ending at <paramref name="now"/> (Unix ms).</summary>
    static async Task PushAsync(FlatlineClient agent, string instance, long firstSeq, string monitor, int revision, long now, params bool[] oks)
    {
        var results = new JsonArray();
        for (var i = 0; i < oks.Length; i++)
            results.Add(new JsonObject
            {
                ["seq"] = firstSeq + i, ["monitor_id"] = monitor, ["revision"] = revision, ["checked_at"] = now - (oks.Length - 1 - i) * 1000L, ["ok"] = oks[i],
                ["status_code"] = oks[i] ? 200 : null, ["latency_us"] = oks[i] ? 1500 : null, ["error"] = oks[i] ? null : "connection refused",
            });
        var sent = await agent.PostAsync("/api/agent/v1/results", new JsonObject { ["instance"] = instance, ["sent_at"] = now, ["results"] = results }.ToJsonString());
        sent.Expect(HttpStatusCode.OK);
        await Assert.That(sent.Json.GetProperty("accepted").GetInt32()).IsEqualTo(oks.Length).Because(sent.Text);
    }

    static async Task<JsonElement> LocationAsync(Browser browser, string name) =>
        (await browser.Api.GetAsync("/api/v1/locations")).Json.EnumerateArray().Single(l => l.GetProperty("name").GetString() == name);

    [GeneratedRegex(@"^flatline agent --server (\S+) --token (fla_\S+)$")]
    private static partial Regex AgentCommand();

    [Test]
    public async Task The_locations_page_makes_a_location_whose_shown_token_works_and_lists_contact_version_and_silence()
    {
        // The shortest offline delay the server accepts, so that a silent agent turns offline within the test.
        await using var browser = await Browser.StartAsync(environment: new Dictionary<string, string> { ["LOCATION_OFFLINE_SECONDS"] = "5" });
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Locations" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Locations", Level = 1 })).ToBeVisibleAsync();
        var rows = page.GetByTestId("locations").Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        var local = page.Locator("tr[data-location=local]");
        await Expect(local).ToContainTextAsync("(this server)");
        await Expect(local.Locator("[data-location-status=online]")).ToBeVisibleAsync();
        await Expect(local.GetByRole(AriaRole.Button, new() { Name = "Delete local" })).ToHaveCountAsync(0);

        // A bad name: the server's message beside the field, which is marked invalid and focused; nothing is made.
        var name = page.GetByLabel("Name", new() { Exact = true });
        await name.FillAsync("EU West");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create location" }).ClickAsync();
        await Expect(page.Locator("[data-error-for=l-name]")).ToHaveTextAsync("must be 1-32 lower-case letters, digits or '-', starting with a letter or digit");
        await Expect(name).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(name).ToBeFocusedAsync();
        await Assert.That((await browser.Api.GetAsync("/api/v1/locations")).Json.GetArrayLength()).IsEqualTo(1);

        // Made: the token is shown once, inside the command that starts the agent.
        await name.FillAsync("eu-west");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create location" }).ClickAsync();
        var notice = page.GetByTestId("agent-token");
        await Expect(notice).ToContainTextAsync("eu-west is made");
        await Expect(page.Locator("[data-error-for=l-name]")).ToHaveCountAsync(0);
        var command = await page.GetByLabel("Agent command", new() { Exact = true }).InputValueAsync();
        var parts = AgentCommand().Match(command);
        await Assert.That(parts.Success).IsTrue().Because(command);
        await Assert.That(parts.Groups[1].Value).IsEqualTo(browser.BaseUrl);
        var token = parts.Groups[2].Value;
        var euRow = page.Locator("tr[data-location=eu-west]");
        await Expect(euRow.Locator("[data-location-status=offline]")).ToBeVisibleAsync();
        await Expect(euRow.Locator("td").Nth(2)).ToHaveTextAsync("never");

        // A second location whose agent never starts.
        await name.FillAsync("us-east");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create location" }).ClickAsync();
        await Expect(notice).ToContainTextAsync("us-east is made");
        await Expect(rows).ToHaveCountAsync(3);

        // The shown token is the agent's: it pulls its location's work, and another token is refused.
        using (var agent = Agent(browser, token))
        {
            var pulled = (await agent.GetAsync("/api/agent/v1/assignments")).Expect(HttpStatusCode.OK);
            await Assert.That(pulled.Json.GetProperty("location").GetString()).IsEqualTo("eu-west");
        }
        using (var stranger = Agent(browser, token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA")))
            await Assert.That((await stranger.GetAsync("/api/agent/v1/assignments")).Status).IsEqualTo(HttpStatusCode.Unauthorized);

        // After a reload the token is gone from the page, the agent's contact and version are listed, and
        // the location that never reported is offline with no contact.
        await page.ReloadAsync();
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(notice).ToHaveCountAsync(0);
        await Assert.That(await page.ContentAsync()).DoesNotContain(token);
        await Expect(euRow.Locator("[data-location-status=online]")).ToBeVisibleAsync();
        await Expect(euRow.Locator("td").Nth(2).Locator("time")).ToHaveTextAsync(new Regex(@"^(just now|\d+ s ago)$"));
        var seen = (await LocationAsync(browser, "eu-west")).GetProperty("last_seen_at").GetString()!;
        await Expect(euRow.Locator("td").Nth(2).Locator("time")).ToHaveAttributeAsync("datetime", seen);
        await Expect(euRow.Locator("td").Nth(3)).ToHaveTextAsync(AgentVersion);
        var usRow = page.Locator("tr[data-location=us-east]");
        await Expect(usRow.Locator("[data-location-status=offline]")).ToBeVisibleAsync();
        await Expect(usRow).ToContainTextAsync("Offline");
        await Expect(usRow.Locator("td").Nth(2)).ToHaveTextAsync("never");
        await Expect(usRow.Locator("td").Nth(3)).ToHaveTextAsync("—");
        await browser.ScreenshotAsync("locations-light");

        // axe finds nothing serious on the page with every kind of row, in both colour schemes.
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var other = await browser.NewPageAsync(colorScheme: scheme);
            await other.GotoAsync("/locations");
            await Expect(other.Locator("tr[data-location=us-east]")).ToBeVisibleAsync();
            await Assert.That(await Axe.SeriousViolationsAsync(other)).IsEmpty().Because(scheme.ToString());
            await other.Context.CloseAsync();
        }

        // The agent falls silent: once the server says so, the page shows it offline, its last contact kept.
        var quiet = DateTime.UtcNow.AddSeconds(30);
        while ((await LocationAsync(browser, "eu-west")).GetProperty("status").GetString() != "offline" && DateTime.UtcNow < quiet) await Task.Delay(250);
        await page.ReloadAsync();
        await Expect(euRow.Locator("[data-location-status=offline]")).ToBeVisibleAsync();
        await Expect(euRow.Locator("td").Nth(2).Locator("time")).ToHaveAttributeAsync("datetime", seen);
        await Expect(euRow.Locator("td").Nth(3)).ToHaveTextAsync(AgentVersion);

        // A location no monitor lists can be deleted; its token then stops working.
        await euRow.GetByRole(AriaRole.Button, new() { Name = "Delete eu-west" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete location" }).ClickAsync();
        await Expect(euRow).ToHaveCountAsync(0);
        using (var agent = Agent(browser, token))
            await Assert.That((await agent.GetAsync("/api/agent/v1/assignments")).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        await AssertCleanAsync(browser);
    }

    [Test]
    public async Task The_form_sets_locations_and_quorum_and_the_monitor_page_shows_each_location_and_who_saw_the_incident()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        var tokens = new Dictionary<string, string>();
        foreach (var location in new[] { "eu", "us" })
            tokens[location] = (await browser.Api.PostAsync("/api/v1/locations", $$"""{"name":"{{location}}"}""")).Expect(HttpStatusCode.Created)
                .Json.GetProperty("token").GetString()!;
        using var eu = Agent(browser, tokens["eu"]);
        using var us = Agent(browser, tokens["us"]);
        // Both agents have made contact: three locations report.
        await AssignmentsAsync(eu);
        await AssignmentsAsync(us);

        // The form: the main node checks its own health endpoint, so that "local" stays up.
        await page.GotoAsync("/monitors/new");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Checkout");
        await page.GetByLabel("URL").FillAsync(browser.BaseUrl + "/healthz");
        var locations = page.GetByLabel("Locations", new() { Exact = true });
        await Expect(locations.Locator("option")).ToHaveTextAsync(["local", "eu", "us"]);
        await Expect(locations).ToHaveValuesAsync(["local"]);
        await Expect(page.GetByLabel("A majority", new() { Exact = true })).ToBeCheckedAsync();
        await locations.SelectOptionAsync(["local", "eu", "us"]);
        await page.GetByLabel("A number", new() { Exact = true }).CheckAsync();
        var count = page.GetByLabel("Number of locations", new() { Exact = true });
        await count.FillAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();
        // More locations than it lists: the server's message beside the number, which is marked and focused.
        await Expect(page.Locator("[data-error-for=m-quorum-count]")).ToHaveTextAsync("must be at most the number of locations (3)");
        await Expect(count).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(count).ToBeFocusedAsync();
        await Assert.That((await browser.Api.ListMonitorsAsync()).Value.Count).IsEqualTo(0);

        await count.FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();
        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToContainTextAsync("Checkout");
        var id = page.Url.Split('/')[^1];
        var saved = (await browser.Api.GetAsync($"/api/v1/monitors/{id}")).Json;
        await Assert.That(saved.GetProperty("locations").EnumerateArray().Select(l => l.GetString()!).ToArray()).IsEquivalentTo(new[] { "local", "eu", "us" });
        await Assert.That(saved.GetProperty("quorum").GetInt32()).IsEqualTo(2);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Locations" })).ToContainTextAsync("Down when failing from 2 of the locations that report.");

        // Edited back to a majority: the form shows what was saved, and the API carries the change.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await Expect(page.GetByLabel("A number", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(count).ToHaveValueAsync("2");
        await Expect(locations).ToHaveValuesAsync(["local", "eu", "us"]);
        await page.GetByLabel("A majority", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(heading).ToContainTextAsync("Checkout");
        var card = page.GetByRole(AriaRole.Region, new() { Name = "Locations" });
        await Expect(card).ToContainTextAsync("Down when failing from a majority of the locations that report.");
        saved = (await browser.Api.GetAsync($"/api/v1/monitors/{id}")).Json;
        await Assert.That(saved.GetProperty("quorum").GetString()).IsEqualTo("majority");
        await Assert.That(saved.GetProperty("locations").GetArrayLength()).IsEqualTo(3);

        // The main node's own check comes in; then eu fails and us is up: one of three is no incident under a majority.
        var perLocation = page.GetByTestId("monitor-locations");
        await Expect(perLocation.Locator("tr[data-location=local] [data-status=up]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var revision = (await AssignmentsAsync(eu))[id];
        await Assert.That((await AssignmentsAsync(us))[id]).IsEqualTo(revision);
        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await PushAsync(eu, "eu-buffer", 1, id, revision, at, false);
        await PushAsync(us, "us-buffer", 1, id, revision, at, true);
        var euRow = perLocation.Locator("tr[data-location=eu]");
        var usRow = perLocation.Locator("tr[data-location=us]");
        await Expect(euRow.Locator("[data-status=down]")).ToBeVisibleAsync();
        await Expect(euRow.Locator("td").Nth(4)).ToHaveTextAsync("1");
        await Expect(usRow.Locator("[data-status=up]")).ToBeVisibleAsync();
        await Expect(usRow.Locator("td").Nth(4)).ToHaveTextAsync("0");
        foreach (var row in new[] { euRow, usRow, perLocation.Locator("tr[data-location=local]") })
            await Expect(row.Locator("[data-location-status=online]")).ToBeVisibleAsync();
        await Expect(heading.Locator("[data-status=up]")).ToBeVisibleAsync();
        await Expect(page.GetByText("No incidents.")).ToBeVisibleAsync();
        await Assert.That((await browser.Api.ListIncidentsAsync(id)).Value).IsEmpty();
        // Recent checks say where each ran: live, and the same after a reload.
        var checks = page.GetByTestId("checks");
        await Expect(checks.Locator("thead th").Nth(1)).ToHaveTextAsync("Location");
        await Expect(checks.Locator("tbody tr").Filter(new() { HasText = "connection refused" }).Locator("td").Nth(1)).ToHaveTextAsync("eu");
        var stored = (await browser.Api.ListChecksAsync(id, "limit=100")).Value;
        foreach (var reloaded in new[] { false, true })
        {
            if (reloaded) await page.ReloadAsync();
            await Expect(checks.Locator("tbody tr")).ToHaveCountAsync(stored.Count);
            var shown = await checks.Locator("tbody tr td:nth-child(2)").AllInnerTextsAsync();
            await Assert.That(shown.Order().ToArray()).IsEquivalentTo(stored.Select(c => c.Location).Order().ToArray()).Because($"reloaded: {reloaded}");
        }
        await Expect(euRow.Locator("[data-status=down]")).ToBeVisibleAsync();

        // us fails as well: two of three, so it is down, and the incident names the two that saw it.
        await PushAsync(us, "us-buffer", 2, id, revision, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), false);
        await Expect(heading.Locator("[data-status=down]")).ToBeVisibleAsync();
        await Expect(usRow.Locator("[data-status=down]")).ToBeVisibleAsync();
        await Expect(perLocation.Locator("tr[data-location=local] [data-status=up]")).ToBeVisibleAsync();
        var incidents = (await browser.Api.ListIncidentsAsync(id)).Value;
        await Assert.That(incidents.Count).IsEqualTo(1);
        await Assert.That(incidents[0].Locations).IsEquivalentTo(["eu", "us"]);
        var seenFrom = page.GetByTestId("incident-locations");
        await Expect(seenFrom).ToHaveCountAsync(1);
        await Expect(seenFrom).ToHaveTextAsync(string.Join(", ", incidents[0].Locations!));
        await browser.ScreenshotAsync("monitor-locations-light");

        // axe finds nothing serious on the monitor's page with its locations and the incident, in both colour schemes.
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var other = await browser.NewPageAsync(colorScheme: scheme);
            await other.GotoAsync($"/monitors/{id}");
            await Expect(other.GetByTestId("incident-locations")).ToHaveTextAsync(string.Join(", ", incidents[0].Locations!));
            await Expect(other.GetByTestId("monitor-locations").Locator("tr[data-location=us] [data-status=down]")).ToBeVisibleAsync();
            await Assert.That(await Axe.SeriousViolationsAsync(other)).IsEmpty().Because(scheme.ToString());
            await other.Context.CloseAsync();
        }

        // Editing keeps the rule: a number above the locations listed is refused beside the field, and nothing changes.
        await page.GotoAsync($"/monitors/{id}/edit");
        await page.GetByLabel("A number", new() { Exact = true }).CheckAsync();
        await count.FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("[data-error-for=m-quorum-count]")).ToHaveTextAsync("must be at most the number of locations (3)");
        await Assert.That((await browser.Api.GetAsync($"/api/v1/monitors/{id}")).Json.GetProperty("quorum").GetString()).IsEqualTo("majority");
        await AssertCleanAsync(browser);
    }
}
