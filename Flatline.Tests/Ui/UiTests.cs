using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Flatline.Tests.Ui;

/// <summary>The embedded web UI in Debian's Chromium against the published executable. Every test
/// ends by checking that the page logged no errors and asked no other host for anything.</summary>
public class UiTests
{
    static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 5_000 };

    /// <summary>Long enough for a monitor with the minimum 10 s interval to be checked again.</summary>
    static readonly LocatorAssertionsToBeVisibleOptions NextCheck = new() { Timeout = 25_000 };

    static async Task AssertCleanAsync(Browser browser)
    {
        await Assert.That(browser.ConsoleErrors).IsEmpty();
        await Assert.That(browser.Requests).IsNotEmpty();
        await Assert.That(browser.Requests.Where(url => !url.StartsWith(browser.Server.BaseAddress.AbsoluteUri, StringComparison.Ordinal))).IsEmpty();
    }

    static MonitorBody Monitor(string name, Uri url, int interval = 60) => MonitorBody.Http(url).Named(name).Interval(interval).Timeout(5);

    /// <summary>Creates a monitor through the API, as the page's own fetch would; returns its id.</summary>
    static async Task<string> CreateMonitorAsync(Browser browser, MonitorBody monitor) =>
        (await browser.Api.CreateMonitorAsync(monitor)).Expect(HttpStatusCode.Created).Value.Id;

    [Test]
    public async Task The_setup_url_creates_the_owner_who_can_sign_out_and_sign_in_with_the_password()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;

        // Before setup, the sign-in page says where the setup link is.
        await page.GotoAsync("/");
        await Expect(page.GetByText("Flatline has no owner yet.")).ToBeVisibleAsync();

        await browser.SetUpOwnerAsync("Ada", "a long enough password");
        await Expect(page.GetByTestId("empty-dashboard")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("live");

        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("Ada");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();

        // The session is gone for good: the API refuses it.
        await Assert.That((await browser.Api.GetCurrentUserAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);

        await page.GetByLabel("Name").FillAsync("Ada");
        await page.GetByLabel("Password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("wrong name or password");

        await page.GetByLabel("Password").FillAsync("a long enough password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Monitors", Level = 1 })).ToBeVisibleAsync();

        // A reload keeps the session; the setup link is spent.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("empty-dashboard")).ToBeVisibleAsync();
        await page.GotoAsync(browser.SetupUrl);
        await Expect(page.GetByText("Setup is already done.")).ToBeVisibleAsync();
        await AssertCleanAsync(browser);
    }

    [Test]
    public async Task With_an_identity_provider_configured_sign_in_is_a_link_to_it_and_no_password_form()
    {
        // The provider need not be up for Flatline to start and the page to offer it.
        await using var browser = await Browser.StartAsync(environment: new Dictionary<string, string>
        {
            ["OAUTH_ISSUER_URL"] = $"http://127.0.0.1:{RawTarget.UnusedPort()}/",
            ["OAUTH_CLIENT_ID"] = "flatline",
            ["OAUTH_CLIENT_SECRET"] = "a-client-secret",
            ["OAUTH_REDIRECT_URL"] = "http://127.0.0.1/auth/callback",
        });
        var page = browser.Page;
        await page.GotoAsync("/");
        var button = page.GetByRole(AriaRole.Link, new() { Name = "Sign in with your provider" });
        await Expect(button).ToBeVisibleAsync();
        await Expect(button).ToHaveAttributeAsync("href", "/auth/login");
        await Expect(page.GetByLabel("Password")).ToHaveCountAsync(0);
        await AssertCleanAsync(browser);
    }

    [Test]
    public async Task Signing_in_at_the_identity_provider_shows_the_name_from_userinfo_and_signing_out_ends_the_session()
    {
        // The provider puts email and name only at its userinfo endpoint, as many do.
        var port = LoopbackServer.FreePort();
        await using var provider = await OidcProvider.StartAsync(LoopbackServer.FreePort(), new Uri($"http://127.0.0.1:{port}/auth/callback"));
        await using var browser = await Browser.StartAsync(port: port, environment: new Dictionary<string, string>
        {
            ["OAUTH_ISSUER_URL"] = provider.Issuer.GetLeftPart(UriPartial.Authority),
            ["OAUTH_CLIENT_ID"] = OidcProvider.ClientId,
            ["OAUTH_CLIENT_SECRET"] = OidcProvider.ClientSecret,
            ["OAUTH_REDIRECT_URL"] = $"http://127.0.0.1:{port}/auth/callback",
        });
        // Who signs in at the provider (cookies ignore ports: the provider on 127.0.0.1 reads it).
        await browser.Context.AddCookiesAsync([new() { Name = OidcProvider.AccountCookie, Value = "alice", Domain = "127.0.0.1", Path = "/" }]);
        var page = browser.Page;
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in with your provider" }).ClickAsync();
        await Expect(page.GetByTestId("empty-dashboard")).ToBeVisibleAsync();
        await Assert.That(provider.Count("GET /me")).IsEqualTo(1);

        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("Test alice");
        await Expect(page.GetByText("(alice@example.test)")).ToBeVisibleAsync();

        // The page's own POST carries what the server's cross-site check needs: the session ends.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in with your provider" })).ToBeVisibleAsync();
        await Assert.That((await browser.Api.GetCurrentUserAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);

        await Assert.That(browser.ConsoleErrors).IsEmpty();
        var provided = provider.Issuer.GetLeftPart(UriPartial.Authority) + "/";
        await Assert.That(browser.Requests.Where(url => !url.StartsWith(browser.Server.BaseAddress.AbsoluteUri, StringComparison.Ordinal)
            && !url.StartsWith(provided, StringComparison.Ordinal))).IsEmpty();
    }

    [Test]
    public async Task A_monitor_made_in_the_form_turns_up_live_then_down_with_an_incident_and_recovers_on_the_dashboard()
    {
        await using var target = await TargetServer.StartAsync();
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Add your first monitor" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("Target health");
        await page.GetByLabel("URL").FillAsync(target.Url("/health").AbsoluteUri);
        await page.GetByLabel("Interval (seconds)").FillAsync("10");
        await page.GetByLabel("Timeout (seconds)").FillAsync("10");
        await page.GetByLabel("Expected status").FillAsync("200, 2xx");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();

        // The server's message appears next to the field it names, and the field is marked invalid.
        var timeout = page.GetByLabel("Timeout (seconds)");
        await Expect(timeout).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("[data-error-for=m-timeout]")).ToHaveTextAsync("must be less than the interval (10 s)");
        await Expect(timeout).ToBeFocusedAsync();
        await Expect(page.Locator("[data-error-for=m-name]")).ToHaveCountAsync(0);
        await Assert.That((await browser.Api.ListMonitorsAsync()).Value.Count).IsEqualTo(0);

        await timeout.FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create monitor" }).ClickAsync();
        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading).ToContainTextAsync("Target health");

        // Checked within a second: the first check and its status arrive over the stream.
        await Expect(heading.Locator("[data-status=up]")).ToBeVisibleAsync(Soon);
        await Expect(page.GetByTestId("checks").Locator("tbody tr")).ToHaveCountAsync(1, new() { Timeout = 5_000 });

        // The target fails: the next check turns the monitor down and opens an incident, without a reload.
        await page.EvaluateAsync("() => { window.stillTheSamePage = true; }");
        target.HealthStatus = 503;
        await Expect(heading.Locator("[data-status=down]")).ToBeVisibleAsync(NextCheck);
        var incident = page.GetByTestId("incidents").Locator("tbody tr").First;
        await Expect(incident).ToContainTextAsync("Ongoing", new() { Timeout = 5_000 });
        await Expect(incident).ToContainTextAsync("unexpected status 503");
        await Expect(page.GetByTestId("checks").Locator("tbody tr")).ToHaveCountAsync(2);
        await Assert.That(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true")).IsTrue();

        // The dashboard shows the incident and, when the target recovers, turns up live.
        await page.GetByRole(AriaRole.Link, new() { Name = "Monitors" }).First.ClickAsync();
        await Expect(page.GetByTestId("overall")).ToHaveTextAsync("1 of 1 monitor down");
        await Expect(page.GetByTestId("open-incidents")).ToContainTextAsync("Target health");
        await Expect(page.GetByTestId("open-incidents")).ToContainTextAsync("down since");
        var row = page.Locator("tr[data-monitor='Target health']");
        await Expect(row.Locator("[data-status=down]")).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", new Regex(@"^Last [2-9] checks, [1-9] failed$"));
        target.HealthStatus = 200;
        await Expect(row.Locator("[data-status=up]")).ToBeVisibleAsync(NextCheck);
        await Expect(page.GetByTestId("overall")).ToHaveTextAsync("All monitors are up");
        await Expect(page.GetByTestId("open-incidents")).ToHaveCountAsync(0);
        await Expect(row.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", new Regex(@"^Last [3-9] checks, [1-9] failed$"));
        await Assert.That(await page.EvaluateAsync<bool>("() => window.stillTheSamePage === true")).IsTrue();
        await AssertCleanAsync(browser);
    }

    [Test]
    public async Task A_webhook_channel_is_created_tested_edited_and_linked_to_a_monitor()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var target = await TargetServer.StartAsync();
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        var monitorId = await CreateMonitorAsync(browser, Monitor("Shop", target.Url("/ok")));

        await page.GetByRole(AriaRole.Link, new() { Name = "Channels" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No channels yet" })).ToBeVisibleAsync();
        await page.GetByLabel("Name").FillAsync("Ops hook");
        await page.GetByLabel("Type").SelectOptionAsync("webhook");
        await page.GetByLabel("URL").FillAsync("not a url");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();
        await Expect(page.Locator("[data-error-for=new-url]")).ToContainTextAsync("must be an absolute http or https URL");

        await page.GetByLabel("URL").FillAsync(receiver.Url("/hook").AbsoluteUri);
        await page.GetByLabel("Signing secret (optional)").FillAsync("a-secret-of-sixteen-plus");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();
        var card = page.Locator("li[data-channel='Ops hook']");
        await Expect(card).ToBeVisibleAsync();

        // A test send reaches the receiver, and the outcome shows on the page and in the delivery log.
        await card.GetByRole(AriaRole.Button, new() { Name = "Send test" }).ClickAsync();
        await Expect(card.GetByTestId("test-outcome")).ToContainTextAsync("Test delivered (HTTP 200)");
        await Assert.That(receiver.Requests.Count).IsEqualTo(1);
        await Assert.That(receiver.Requests[0].Path).IsEqualTo("/hook");
        await Assert.That(receiver.Requests[0].Json().GetProperty("event").GetString()).IsEqualTo("test");
        await Assert.That(receiver.Requests[0].Header("webhook-signature")).IsNotNull();
        await card.GetByRole(AriaRole.Button, new() { Name = "Delivery log" }).ClickAsync();
        await Expect(card.GetByTestId("deliveries")).ToContainTextAsync("delivered (HTTP 200)");

        // A failing receiver: the outcome says so.
        receiver.Answer(500);
        await card.GetByRole(AriaRole.Button, new() { Name = "Send test" }).ClickAsync();
        await Expect(card.GetByTestId("test-outcome")).ToContainTextAsync("Test failed (HTTP 500)");

        // Editing shows the secret as the mask and keeps it when left alone.
        await card.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        var edit = page.GetByRole(AriaRole.Form, new() { Name = "Edit Ops hook" });
        await Expect(edit.GetByLabel("Signing secret (optional)")).ToHaveValueAsync("********");
        await edit.GetByLabel("Name").FillAsync("Ops webhook");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save channel" }).ClickAsync();
        card = page.Locator("li[data-channel='Ops webhook']");
        await card.GetByRole(AriaRole.Button, new() { Name = "Send test" }).ClickAsync();
        await Expect(card.GetByTestId("test-outcome")).ToContainTextAsync("Test delivered");
        await Assert.That(receiver.Requests.Count).IsEqualTo(3);
        await Assert.That(receiver.Requests[2].Header("webhook-signature")).IsNotNull();

        // Link it on the monitor's page with recoveries off, turn them on, then unlink after confirming.
        await page.GotoAsync($"/monitors/{monitorId}");
        await page.GetByLabel("Channel", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Ops webhook (webhook)" });
        await page.GetByLabel("Also on recovery").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Link channel" }).ClickAsync();
        var linked = page.GetByTestId("linked-channels");
        await Expect(linked).ToContainTextAsync("Ops webhook");
        await Expect(linked.GetByLabel("Also on recovery")).Not.ToBeCheckedAsync();
        var links = (await browser.Api.ListMonitorChannelsAsync(monitorId)).Value;
        await Assert.That(links.Count).IsEqualTo(1);
        await Assert.That(links[0].OnRecovery).IsFalse();

        await linked.GetByLabel("Also on recovery").CheckAsync();
        await Expect(linked.GetByLabel("Also on recovery")).ToBeCheckedAsync();
        // The box shows the change at once; the request that stores it may still be on its way.
        for (var i = 0; i < 50; i++)
        {
            links = (await browser.Api.ListMonitorChannelsAsync(monitorId)).Value;
            if (links[0].OnRecovery) break;
            await Task.Delay(100);
        }
        await Assert.That(links[0].OnRecovery).IsTrue();
        await linked.GetByRole(AriaRole.Button, new() { Name = "Unlink Ops webhook" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Unlink" }).ClickAsync();
        await Expect(page.GetByText("No channel is told about this monitor yet.")).ToBeVisibleAsync();
        await AssertCleanAsync(browser);
    }

    [Test]
    public async Task Pause_and_resume_work_and_delete_asks_first()
    {
        await using var target = await TargetServer.StartAsync();
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        var id = await CreateMonitorAsync(browser, Monitor("Blog", target.Url("/ok")));

        await page.GotoAsync($"/monitors/{id}");
        var heading = page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await Expect(heading.Locator("[data-status=up]")).ToBeVisibleAsync(Soon);

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(heading.Locator("[data-status=paused]")).ToBeVisibleAsync();
        await Assert.That((await browser.Api.GetMonitorAsync(id)).Value.Enabled).IsFalse();
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pause" })).ToBeVisibleAsync();
        await Assert.That((await browser.Api.GetMonitorAsync(id)).Value.Enabled).IsTrue();

        // Cancel and Escape keep it; confirming deletes it and goes back to the (now empty) dashboard.
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete Blog?" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).Not.ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).Not.ToBeVisibleAsync();
        await Assert.That((await browser.Api.GetMonitorAsync(id)).Value.Name).IsEqualTo("Blog");

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete monitor" }).ClickAsync();
        await Expect(page.GetByTestId("empty-dashboard")).ToBeVisibleAsync();
        await Assert.That((await browser.Api.GetMonitorAsync(id)).Status).IsEqualTo(HttpStatusCode.NotFound);
        await AssertCleanAsync(browser);

        // When the server goes away, the page says that it is reconnecting.
        browser.Server.Signal(15);
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("reconnecting…");
    }

    [Test]
    public async Task Api_tokens_are_shown_once_work_and_can_be_revoked()
    {
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Expect(page.GetByText("No API tokens yet.")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Expect(page.Locator("[data-error-for=token-name]")).ToContainTextAsync("is required");
        await page.GetByLabel("Token name").FillAsync("deploy");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var token = await page.GetByTestId("new-token").TextContentAsync();
        await Assert.That(token).StartsWith("flt_");
        await Expect(page.GetByTestId("tokens")).ToContainTextAsync("deploy");

        using var script = browser.Server.ApiClient(token);
        await Assert.That((await script.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.OK);

        // Shown once: after a reload the token is listed by name only.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("tokens")).ToContainTextAsync("deploy");
        await Expect(page.GetByTestId("new-token")).ToHaveCountAsync(0);
        await Assert.That(await page.ContentAsync()).DoesNotContain(token!);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke deploy" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke token" }).ClickAsync();
        await Expect(page.GetByText("No API tokens yet.")).ToBeVisibleAsync();
        await Assert.That((await script.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        await AssertCleanAsync(browser);
    }

    [Test]
    public async Task On_a_phone_the_dashboard_detail_and_form_fit_without_sideways_scrolling()
    {
        await using var target = await TargetServer.StartAsync();
        await using var browser = await Browser.StartAsync(390, 844);
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        await CreateMonitorAsync(browser,
            Monitor("A monitor with a rather long name that has to wrap somewhere", target.Url("/ok?with=a-long-query-string-that-does-not-break-by-itself-0123456789")));

        await Expect(page.Locator("tr[data-monitor^='A monitor'] [data-status=up]")).ToBeVisibleAsync(Soon);
        await Assert.That(await browser.ScrollsSidewaysAsync()).IsFalse();
        await browser.ScreenshotAsync("dashboard-phone");

        await page.GetByRole(AriaRole.Link, new() { Name = "A monitor with a rather long name" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Response time" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("checks")).ToBeVisibleAsync();
        await Assert.That(await browser.ScrollsSidewaysAsync()).IsFalse();
        await browser.ScreenshotAsync("monitor-phone");

        await page.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await Expect(page.GetByLabel("URL")).ToHaveValueAsync(new Regex("a-long-query-string"));
        await Assert.That(await browser.ScrollsSidewaysAsync()).IsFalse();
        await AssertCleanAsync(browser);
    }

    [Test]
    public async Task The_channel_form_is_made_from_the_types_the_server_describes()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        var types = (await browser.Api.GetAsync("/api/v1/notification-channel-types")).Json;

        await page.GetByRole(AriaRole.Link, new() { Name = "Channels" }).ClickAsync();
        // The page asks the server for the types: wait until they are there (AllTextContents does not wait).
        await Expect(page.GetByLabel("Type").Locator("option")).ToHaveCountAsync(types.GetArrayLength());
        var offered = await page.GetByLabel("Type").Locator("option").AllTextContentsAsync();
        await Assert.That(string.Join(",", offered)).IsEqualTo(string.Join(",", types.EnumerateArray().Select(t => t.GetProperty("label").GetString())));

        // Required fields are marked, secrets are password inputs, and the server's messages stand by their fields.
        await page.GetByLabel("Type").SelectOptionAsync("ntfy");
        await Expect(page.GetByLabel("Server URL")).ToHaveAttributeAsync("aria-required", "true");
        await Expect(page.GetByLabel("Access token (optional)")).ToHaveAttributeAsync("type", "password");
        await page.GetByLabel("Name").FillAsync("Phone");
        await page.GetByLabel("Topic").FillAsync("a b");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();
        await Expect(page.Locator("[data-error-for=new-url]")).ToHaveTextAsync("is required");
        await Expect(page.Locator("[data-error-for=new-topic]")).ToHaveTextAsync("must be 1-64 letters, digits, - or _");
        await Expect(page.GetByLabel("Topic")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("Server URL").FillAsync(receiver.Root);
        await page.GetByLabel("Topic").FillAsync("alerts");
        await page.GetByLabel("Access token (optional)").FillAsync("tk_secret");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();
        var card = page.Locator("li[data-channel='Phone']");
        await Expect(card).ToContainTextAsync("ntfy · " + receiver.Root);
        await Expect(card).Not.ToContainTextAsync("tk_secret");

        // The mask stays in the password input and keeps the token through a save.
        await card.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        var edit = page.GetByRole(AriaRole.Form, new() { Name = "Edit Phone" });
        await Expect(edit.GetByLabel("Access token (optional)")).ToHaveValueAsync("********");
        await edit.GetByLabel("Topic").FillAsync("pager");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Save channel" }).ClickAsync();
        card = page.Locator("li[data-channel='Phone']");
        await Expect(card).ToContainTextAsync("topic pager");
        await card.GetByRole(AriaRole.Button, new() { Name = "Send test" }).ClickAsync();
        await Expect(card.GetByTestId("test-outcome")).ToContainTextAsync("Test delivered");
        await Assert.That(receiver.Requests[0].Header("Authorization")).IsEqualTo("Bearer tk_secret");
        await Assert.That(receiver.Requests[0].Json().GetProperty("topic").GetString()).IsEqualTo("pager");
        await AssertCleanAsync(browser);
    }

    [Test]
    public async Task Themes_follow_the_system_the_toggle_is_remembered_and_every_page_is_captured_in_both()
    {
        await using var target = await TargetServer.StartAsync();
        await using var receiver = await Receiver.StartAsync();
        await using var browser = await Browser.StartAsync(1200, 800);
        var page = browser.Page;
        await browser.SetUpOwnerAsync();
        foreach (var (name, path) in new[] { ("API", "/ok"), ("Checkout", "/slow/40"), ("Marketing site", "/status/503"), ("Docs", "/ok") })
            await CreateMonitorAsync(browser, Monitor(name, target.Url(path), interval: 10));
        var api = browser.Api;
        var channelId = (await api.CreateNotificationChannelAsync(ChannelBody.Webhook(receiver.Url("/hook")).Named("Ops webhook"))).Expect(HttpStatusCode.Created).Value.Id;
        (await api.TestNotificationChannelAsync(channelId)).Expect(HttpStatusCode.OK);
        (await api.CreateApiTokenAsync("grafana", readOnly: true)).Expect(HttpStatusCode.Created);
        var pausedId = await CreateMonitorAsync(browser, Monitor("Staging", target.Url("/ok")));
        (await api.UpdateMonitorAsync(pausedId, MonitorBody.Change().Paused())).Expect(HttpStatusCode.OK);

        await page.ReloadAsync();
        await Expect(page.GetByTestId("overall")).ToHaveTextAsync("1 of 5 monitors down", new() { Timeout = 5_000 });
        await Expect(page.Locator("tr[data-monitor='Checkout'] [data-status=up]")).ToBeVisibleAsync();

        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            var suffix = scheme == ColorScheme.Light ? "light" : "dark";
            await page.EmulateMediaAsync(new() { ColorScheme = scheme });
            var background = await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).backgroundColor");
            await Assert.That(background).IsEqualTo(scheme == ColorScheme.Light ? "rgb(246, 247, 249)" : "rgb(17, 20, 24)");

            await page.GetByRole(AriaRole.Link, new() { Name = "Monitors" }).First.ClickAsync();
            await Expect(page.GetByTestId("open-incidents")).ToContainTextAsync("Marketing site");
            await browser.ScreenshotAsync($"dashboard-{suffix}");

            await page.GetByRole(AriaRole.Link, new() { Name = "Checkout" }).ClickAsync();
            await Expect(page.GetByTestId("checks")).ToBeVisibleAsync();
            await Expect(page.Locator(".chart svg")).ToBeVisibleAsync();
            await browser.ScreenshotAsync($"monitor-{suffix}");

            await page.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
            await page.GetByLabel("Timeout (seconds)").FillAsync("10");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
            await Expect(page.Locator("[data-error-for=m-timeout]")).ToBeVisibleAsync();
            await browser.ScreenshotAsync($"monitor-form-{suffix}");

            await page.GetByRole(AriaRole.Link, new() { Name = "Channels" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Delivery log" }).ClickAsync();
            await Expect(page.GetByTestId("deliveries")).ToContainTextAsync("delivered");
            await browser.ScreenshotAsync($"channels-{suffix}");

            await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
            await Expect(page.GetByTestId("tokens")).ToContainTextAsync("grafana");
            await browser.ScreenshotAsync($"settings-{suffix}");
        }

        // The toggle overrides the system preference and survives a reload.
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.GetByRole(AriaRole.Button, new() { Name = "Theme: system. Switch to light" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await Assert.That(await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).backgroundColor")).IsEqualTo("rgb(246, 247, 249)");
        await page.GetByRole(AriaRole.Radio, new() { Name = "Dark" }).CheckAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await page.GetByRole(AriaRole.Radio, new() { Name = "System" }).CheckAsync();
        await Assert.That(await page.EvaluateAsync<string?>("() => document.documentElement.getAttribute('data-theme')")).IsNull();

        // The sign-in page, in both themes.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await page.EmulateMediaAsync(new() { ColorScheme = scheme });
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
            await browser.ScreenshotAsync($"sign-in-{(scheme == ColorScheme.Light ? "light" : "dark")}", fullPage: false);
        }
        await AssertCleanAsync(browser);
    }
}
