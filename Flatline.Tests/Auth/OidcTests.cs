using System.Net;
using Microsoft.AspNetCore.WebUtilities;

namespace Flatline.Tests.Auth;

/// <summary>OIDC mode end to end against a real OpenID provider (oidc-provider under Node). ID tokens
/// no real provider would send are in <see cref="IdTokenTests"/>.</summary>
public class OidcTests
{
    /// <summary>A browser on Flatline's address whose provider account is <paramref name="account"/>.</summary>
    static CookieBrowser Browser(FlatlineServer server, string? account = null)
    {
        var browser = new CookieBrowser(server.BaseAddress);
        // The provider and Flatline share 127.0.0.1, and cookies ignore ports: the provider reads this one.
        if (account is not null) browser.Cookies.Add(new Uri("http://127.0.0.1/"), new Cookie(OidcProvider.AccountCookie, account));
        return browser;
    }

    internal static Uri CallbackUrl(int port) => new($"http://127.0.0.1:{port}/auth/callback");

    /// <summary>Flatline in OIDC mode on <paramref name="port"/>, a port fixed in advance because the
    /// provider must know the redirect URL before Flatline starts.</summary>
    internal static Task<FlatlineServer> StartFlatlineAsync(int port, Uri issuer) =>
        FlatlineServer.StartAsync(s => s with
        {
            Address = new ListenAddress(IPAddress.Loopback, port),
            OAuth = new OAuthSettings(issuer, OidcProvider.ClientId, OidcProvider.ClientSecret, CallbackUrl(port)),
        });

    sealed record ProviderAndFlatline(OidcProvider Provider, FlatlineServer Server) : IAsyncDisposable
    {
        public static async Task<ProviderAndFlatline> StartAsync()
        {
            var port = LoopbackServer.FreePort();
            var provider = await OidcProvider.StartAsync(LoopbackServer.FreePort(), CallbackUrl(port));
            try
            {
                return new(provider, await StartFlatlineAsync(port, provider.Issuer));
            }
            catch
            {
                await provider.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await Provider.DisposeAsync();
        }
    }

    internal static async Task AssertSignedIn(HttpResponseMessage callback, CookieBrowser browser)
    {
        await Assert.That(callback.StatusCode).IsEqualTo(HttpStatusCode.SeeOther);
        await Assert.That(callback.Headers.Location!.OriginalString).IsEqualTo("/");
        await Assert.That(browser.Session()).IsNotNull();
    }

    [Test]
    public async Task The_first_account_to_sign_in_becomes_the_owner_and_its_session_works()
    {
        await using var both = await ProviderAndFlatline.StartAsync();
        var (provider, server) = both;
        using var browser = Browser(server, "alice");

        var config = (await browser.Api.GetAuthConfigAsync()).Value;
        await Assert.That(config.Mode).IsEqualTo("oidc");
        await Assert.That(config.SetupRequired).IsFalse();

        using var login = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/login"));
        await Assert.That(login.StatusCode).IsEqualTo(HttpStatusCode.SeeOther);
        var authorize = login.Headers.Location!;
        await Assert.That(authorize.GetLeftPart(UriPartial.Authority)).IsEqualTo(provider.Issuer.GetLeftPart(UriPartial.Authority));
        var query = QueryHelpers.ParseQuery(authorize.Query);
        await Assert.That(query["response_type"].ToString()).IsEqualTo("code");
        await Assert.That(query["client_id"].ToString()).IsEqualTo(OidcProvider.ClientId);
        await Assert.That(query["redirect_uri"].ToString()).IsEqualTo(CallbackUrl(server.BaseAddress.Port).ToString());
        await Assert.That(query["scope"].ToString()).IsEqualTo("openid email profile");
        await Assert.That(query["code_challenge_method"].ToString()).IsEqualTo("S256");
        await Assert.That(query["code_challenge"].ToString().Length).IsEqualTo(43);
        await Assert.That(query["state"].ToString().Length).IsGreaterThanOrEqualTo(32);
        await Assert.That(query["nonce"].ToString().Length).IsGreaterThanOrEqualTo(32);
        var loginCookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(OidcLoginCookie.CookieName + "=", StringComparison.Ordinal));
        await Assert.That(loginCookie).Contains("httponly");
        await Assert.That(loginCookie).Contains("path=/auth");
        await Assert.That(loginCookie).Contains("samesite=lax");

        using var callback = await browser.SignInAsync();
        await AssertSignedIn(callback, browser);
        await Assert.That(callback.Headers.GetValues("Referrer-Policy").Single()).IsEqualTo("no-referrer");
        await Assert.That(browser.Cookies.GetCookies(new Uri(server.BaseAddress, "/auth/callback"))[OidcLoginCookie.CookieName]).IsNull();

        var me = (await browser.Api.GetCurrentUserAsync()).Value;
        await Assert.That(me.Name).IsEqualTo("Test alice");
        await Assert.That(me.Email).IsEqualTo("alice@example.test");
        await Assert.That(me.IsOwner).IsTrue();
        await Assert.That((await browser.Api.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.OK);

        // The same account signs in again, from another browser, as the same user.
        using var again = Browser(server, "alice");
        await AssertSignedIn(await again.SignInAsync(), again);
        var meAgain = (await again.Api.GetCurrentUserAsync()).Value;
        await Assert.That(meAgain.Id).IsEqualTo(me.Id);

        // Local sign-in is closed in OIDC mode.
        using var page = CookieBrowser.On(server);
        await Assert.That((await page.Api.LoginWithPasswordAsync("alice", "correct horse battery")).Status).IsEqualTo(HttpStatusCode.Conflict);
        await Assert.That((await page.Api.SetupOwnerAsync("x", "alice", "correct horse battery")).Status).IsEqualTo(HttpStatusCode.Conflict);
    }

    [Test]
    public async Task Another_account_is_told_registration_is_closed_and_gets_no_session()
    {
        await using var both = await ProviderAndFlatline.StartAsync();
        var (provider, server) = both;
        using (var alice = Browser(server, "alice")) await AssertSignedIn(await alice.SignInAsync(), alice);

        using var bob = Browser(server, "bob");
        using var page = await bob.SignInAsync();
        await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(page.Content.Headers.ContentType!.MediaType).IsEqualTo("text/html");
        await Assert.That((await page.Content.ReadAsStringAsync()).ToLowerInvariant()).Contains("registration is closed");
        await Assert.That(bob.Session()).IsNull();

        // An API client (no text/html in Accept) gets problem JSON instead.
        using var script = Browser(server, "carol");
        using var problem = await script.SignInAsync("application/json");
        await Assert.That(problem.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(problem.Content.Headers.ContentType!.MediaType).IsEqualTo("application/problem+json");
        await Assert.That((await ApiResponse.ReadAsync(problem)).Problem.Detail).Contains("registration is closed");
        await Assert.That(script.Session()).IsNull();

        await Assert.That((await bob.Api.GetCurrentUserAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_tampered_state_or_a_missing_login_cookie_is_refused()
    {
        await using var both = await ProviderAndFlatline.StartAsync();
        var (provider, server) = both;

        using var browser = Browser(server, "alice");
        var callback = await browser.AuthorizeAsync();
        var query = QueryHelpers.ParseQuery(callback.Query);
        var tampered = QueryHelpers.AddQueryString(callback.GetLeftPart(UriPartial.Path), new Dictionary<string, string?>
        {
            ["code"] = query["code"].ToString(),
            ["state"] = query["state"].ToString()[..^2] + "xx",
            ["iss"] = query["iss"].ToString(),
        });
        using var refused = await browser.GetAsync(new Uri(tampered), "application/json");
        await Assert.That(refused.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await ApiResponse.ReadAsync(refused)).Problem.Detail).Contains("state");
        await Assert.That(browser.Session()).IsNull();
        // The login cookie went with the refused attempt: the untampered URL is no good now either.
        using var afterwards = await browser.GetAsync(callback);
        await Assert.That(afterwards.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(browser.Session()).IsNull();

        // A callback in a browser that did not start the sign-in (no login cookie).
        using var starter = Browser(server, "alice");
        var stolen = await starter.AuthorizeAsync();
        using var other = Browser(server, "alice");
        using var noCookie = await other.GetAsync(stolen);
        await Assert.That(noCookie.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(await noCookie.Content.ReadAsStringAsync()).Contains("started in another browser");
        await Assert.That(other.Session()).IsNull();
    }

    [Test]
    public async Task A_code_used_twice_is_refused_by_the_provider_and_the_error_shown()
    {
        await using var both = await ProviderAndFlatline.StartAsync();
        var (provider, server) = both;
        using var browser = Browser(server, "alice");
        var callback = await browser.AuthorizeAsync();
        var loginCookie = browser.Cookies.GetCookies(callback)[OidcLoginCookie.CookieName]!.Value;
        await AssertSignedIn(await browser.GetAsync(callback), browser);

        // Replayed with the same state and a copy of the login cookie: only the provider can say no now.
        using var replayer = Browser(server);
        replayer.Cookies.Add(callback, new Cookie(OidcLoginCookie.CookieName, loginCookie, "/auth"));
        using var replay = await replayer.GetAsync(callback, "application/json");
        await Assert.That(replay.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await ApiResponse.ReadAsync(replay)).Problem.Detail).Contains("invalid_grant");
        await Assert.That(replayer.Session()).IsNull();
    }

    [Test]
    public async Task Signing_in_after_the_provider_rotates_its_key_fetches_the_new_key()
    {
        await using var both = await ProviderAndFlatline.StartAsync();
        var (provider, server) = both;
        using (var before = Browser(server, "alice")) await AssertSignedIn(await before.SignInAsync(), before);

        var kid = await provider.RotateKeyAsync();
        using var after = Browser(server, "alice");
        using var callback = await after.SignInAsync();
        await AssertSignedIn(callback, after);
        await Assert.That(kid.Length).IsGreaterThan(0);
    }

    [Test]
    public async Task A_provider_down_at_start_up_does_not_stop_Flatline_and_sign_in_works_once_it_is_up()
    {
        var port = LoopbackServer.FreePort();
        var providerPort = LoopbackServer.FreePort();
        await using var server = await StartFlatlineAsync(port, new Uri($"http://127.0.0.1:{providerPort}"));
        using var browser = Browser(server, "alice");
        await Assert.That((await browser.Api.GetHealthAsync()).Status).IsEqualTo(HttpStatusCode.OK);

        using (var page = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/login")))
        {
            await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.ServiceUnavailable);
            await Assert.That(page.Content.Headers.ContentType!.MediaType).IsEqualTo("text/html");
            await Assert.That(await page.Content.ReadAsStringAsync()).Contains("cannot be reached");
        }
        using (var problem = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/login"), "application/json"))
        {
            await Assert.That(problem.StatusCode).IsEqualTo(HttpStatusCode.ServiceUnavailable);
            await Assert.That((await ApiResponse.ReadAsync(problem)).Problem.Detail).Contains("cannot be reached");
        }

        await using var provider = await OidcProvider.StartAsync(providerPort, CallbackUrl(port));
        // Flatline retries discovery with a short back-off; wait for it, within bounds.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        HttpStatusCode status;
        do
        {
            using var probe = Browser(server);
            using var login = await probe.GetAsync(new Uri(server.BaseAddress, "/auth/login"));
            status = login.StatusCode;
            if (status != HttpStatusCode.SeeOther) await Task.Delay(250);
        } while (status != HttpStatusCode.SeeOther && DateTime.UtcNow < deadline);
        await Assert.That(status).IsEqualTo(HttpStatusCode.SeeOther);
        await AssertSignedIn(await browser.SignInAsync(), browser);
    }

    [Test]
    public async Task A_provider_error_in_the_callback_is_a_clear_page_not_a_500()
    {
        await using var both = await ProviderAndFlatline.StartAsync();
        var (provider, server) = both;
        using var browser = Browser(server, "alice");
        var state = QueryHelpers.ParseQuery((await browser.AuthorizeAsync()).Query)["state"].ToString();
        using var denied = await browser.GetAsync(new Uri(server.BaseAddress, $"/auth/callback?error=access_denied&error_description=the+user+said+no&state={state}"));
        await Assert.That(denied.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        var body = await denied.Content.ReadAsStringAsync();
        await Assert.That(body).Contains("access_denied");
        await Assert.That(body).Contains("the user said no");
        using var other = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/callback?error=server_error&error_description=%3Cscript%3E"), "application/json");
        await Assert.That(other.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(browser.Session()).IsNull();
        using var page = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/callback?error=server_error&error_description=%3Cscript%3E"));
        await Assert.That(await page.Content.ReadAsStringAsync()).DoesNotContain("<script>");
    }
}

/// <summary>The steps of a sign-in through the real provider, as the browser takes them.</summary>
file static class OidcFlow
{
    /// <summary>From Flatline's /auth/login through the provider's redirects, up to (not into) the
    /// callback; returns the callback URL with its code and state.</summary>
    public static async Task<Uri> AuthorizeAsync(this CookieBrowser browser)
    {
        var server = browser.Client.BaseAddress!;
        var callback = new Uri(server, "/auth/callback").GetLeftPart(UriPartial.Path);
        var url = new Uri(server, "/auth/login");
        for (var hop = 0; hop < 20; hop++)
        {
            using var response = await browser.GetAsync(url);
            if ((int)response.StatusCode is < 300 or > 399 || response.Headers.Location is null)
                throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            url = new Uri(url, response.Headers.Location);
            if (url.GetLeftPart(UriPartial.Path) == callback) return url;
        }
        throw new InvalidOperationException("no callback after 20 redirects");
    }

    /// <summary>The whole sign-in; returns the callback's response.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(this CookieBrowser browser, string accept = "text/html") =>
        await browser.GetAsync(await browser.AuthorizeAsync(), accept);
}
