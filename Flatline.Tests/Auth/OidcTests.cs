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
    internal static Task<FlatlineServer> StartFlatlineAsync(int port, Uri issuer, TokenEndpointAuth tokenAuth = TokenEndpointAuth.Auto, LogCapture? log = null) =>
        FlatlineServer.StartAsync(s => s with
        {
            Address = new ListenAddress(IPAddress.Loopback, port),
            OAuth = new OAuthSettings(issuer, OidcProvider.ClientId, OidcProvider.ClientSecret, CallbackUrl(port), tokenAuth),
        }, services: log is null ? null : log.AddTo);

    sealed record ProviderAndFlatline(OidcProvider Provider, FlatlineServer Server) : IAsyncDisposable
    {
        public static async Task<ProviderAndFlatline> StartAsync(OidcProviderOptions? options = null,
            TokenEndpointAuth tokenAuth = TokenEndpointAuth.Auto, LogCapture? log = null)
        {
            var port = LoopbackServer.FreePort();
            var provider = await OidcProvider.StartAsync(LoopbackServer.FreePort(), CallbackUrl(port), options);
            try
            {
                return new(provider, await StartFlatlineAsync(port, provider.Issuer, tokenAuth, log));
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
        await Assert.That(me.Sub).IsEqualTo("alice");
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
    public async Task A_replayed_callback_with_a_used_state_is_refused_before_the_provider_is_asked()
    {
        await using var both = await ProviderAndFlatline.StartAsync();
        var (provider, server) = both;
        using var browser = Browser(server, "alice");
        var callback = await browser.AuthorizeAsync();
        var loginCookie = browser.Cookies.GetCookies(callback)[OidcLoginCookie.CookieName]!.Value;
        await AssertSignedIn(await browser.GetAsync(callback), browser);
        await Assert.That(provider.Count("POST /token")).IsEqualTo(1);

        // Replayed with the same state and a copy of the login cookie: Flatline remembers the state.
        using var replayer = Browser(server);
        replayer.Cookies.Add(callback, new Cookie(OidcLoginCookie.CookieName, loginCookie, "/auth"));
        using var replay = await replayer.GetAsync(callback, "application/json");
        await Assert.That(replay.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        var detail = (await ApiResponse.ReadAsync(replay)).Problem.Detail;
        await Assert.That(detail).Contains("state has been used already");
        await Assert.That(detail).DoesNotContain("invalid_grant");
        await Assert.That(replayer.Session()).IsNull();
        await Assert.That(provider.Count("POST /token")).IsEqualTo(1);
    }

    [Test]
    public async Task Email_and_name_only_at_the_userinfo_endpoint_reach_auth_me_in_the_original_user_shape()
    {
        // oidc-provider's default: the ID token carries sub, and the scopes' claims are at userinfo.
        await using var both = await ProviderAndFlatline.StartAsync(new OidcProviderOptions { ClaimsInIdToken = false });
        var (provider, server) = both;
        using var browser = Browser(server, "alice");
        var before = DateTimeOffset.UtcNow;
        await AssertSignedIn(await browser.SignInAsync(), browser);
        await Assert.That(provider.Count("GET /me")).IsEqualTo(1);

        using var response = await browser.Client.GetAsync("/auth/me");
        var me = await response.ReadJsonAsync();
        await Assert.That(Guid.TryParse(me.GetProperty("id").GetString(), out _)).IsTrue();
        await Assert.That(me.GetProperty("sub").GetString()).IsEqualTo("alice");
        await Assert.That(me.GetProperty("email").GetString()).IsEqualTo("alice@example.test");
        await Assert.That(me.GetProperty("name").GetString()).IsEqualTo("Test alice");
        await Assert.That(me.GetProperty("is_owner").GetBoolean()).IsTrue();
        var createdAt = DateTimeOffset.Parse(me.GetProperty("created_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        await Assert.That(createdAt).IsGreaterThanOrEqualTo(before.AddSeconds(-1));
        await Assert.That(createdAt).IsLessThanOrEqualTo(DateTimeOffset.UtcNow);
    }

    [Test]
    public async Task Email_and_name_in_the_id_token_need_no_userinfo_request()
    {
        await using var both = await ProviderAndFlatline.StartAsync(new OidcProviderOptions { ClaimsInIdToken = true });
        var (provider, server) = both;
        using var browser = Browser(server, "alice");
        await AssertSignedIn(await browser.SignInAsync(), browser);
        var me = (await browser.Api.GetCurrentUserAsync()).Value;
        await Assert.That(me.Name).IsEqualTo("Test alice");
        await Assert.That(me.Email).IsEqualTo("alice@example.test");
        await Assert.That(provider.Count("GET /me")).IsEqualTo(0);
    }

    [Test]
    public async Task An_account_with_neither_email_nor_name_anywhere_has_no_name_rather_than_its_id()
    {
        await using var both = await ProviderAndFlatline.StartAsync();
        var (provider, server) = both;
        using var browser = Browser(server, "anonymous-1");
        await AssertSignedIn(await browser.SignInAsync(), browser);
        await Assert.That(provider.Count("GET /me")).IsEqualTo(1);
        using var response = await browser.Client.GetAsync("/auth/me");
        var me = await response.ReadJsonAsync();
        await Assert.That(me.GetProperty("sub").GetString()).IsEqualTo("anonymous-1");
        await Assert.That(me.GetProperty("name").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Null);
        await Assert.That(me.GetProperty("email").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Null);
    }

    [Test]
    public async Task A_client_registered_for_client_secret_post_signs_in_though_discovery_offers_basic_first()
    {
        await using var both = await ProviderAndFlatline.StartAsync(new OidcProviderOptions { TokenEndpointAuthMethod = "client_secret_post" });
        var (provider, server) = both;
        using (var first = Browser(server, "alice"))
        {
            await AssertSignedIn(await first.SignInAsync(), first);
            await Assert.That((await first.Api.GetCurrentUserAsync()).Value.Name).IsEqualTo("Test alice");
        }
        // Basic was refused, post was taken.
        await Assert.That(provider.Count("POST /token")).IsEqualTo(2);

        // Flatline remembers what the provider took: the next sign-in asks once.
        using var second = Browser(server, "alice");
        await AssertSignedIn(await second.SignInAsync(), second);
        await Assert.That(provider.Count("POST /token")).IsEqualTo(3);
    }

    [Test]
    public async Task OAUTH_TOKEN_AUTH_post_sends_client_secret_post_from_the_first_request()
    {
        await using var both = await ProviderAndFlatline.StartAsync(new OidcProviderOptions { TokenEndpointAuthMethod = "client_secret_post" }, TokenEndpointAuth.Post);
        var (provider, server) = both;
        using var browser = Browser(server, "alice");
        await AssertSignedIn(await browser.SignInAsync(), browser);
        await Assert.That(provider.Count("POST /token")).IsEqualTo(1);
    }

    [Test]
    public async Task A_refused_client_is_told_so_and_the_log_has_the_status_and_error_but_not_the_secret()
    {
        // OAUTH_TOKEN_AUTH=basic against a client registered for client_secret_post.
        var log = new LogCapture();
        await using var both = await ProviderAndFlatline.StartAsync(new OidcProviderOptions { TokenEndpointAuthMethod = "client_secret_post" }, TokenEndpointAuth.Basic, log);
        var (provider, server) = both;
        using var browser = Browser(server, "alice");
        using var page = await browser.SignInAsync();
        await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.BadGateway);
        var text = await page.Content.ReadAsStringAsync();
        await Assert.That(text).Contains("refused Flatline&#39;s client credentials");
        await Assert.That(text).Contains("invalid_client");
        await Assert.That(text).DoesNotContain("may have been used already");
        await Assert.That(text).DoesNotContain(OidcProvider.ClientSecret);
        await Assert.That(browser.Session()).IsNull();
        await Assert.That(provider.Count("POST /token")).IsEqualTo(1);

        var line = log.Lines.Single(l => l.Contains("refused Flatline's client credentials", StringComparison.Ordinal));
        await Assert.That(line).Contains("HTTP 401");
        await Assert.That(line).Contains("client_secret_basic");
        await Assert.That(line).Contains("invalid_client");
        // oidc-provider's error_description for a method the client is not registered for.
        await Assert.That(line).Contains("client authentication");
        await Assert.That(log.Text).DoesNotContain(OidcProvider.ClientSecret);

        // An API client gets the same as problem JSON.
        using var script = Browser(server, "alice");
        using var problem = await script.SignInAsync("application/json");
        await Assert.That(problem.StatusCode).IsEqualTo(HttpStatusCode.BadGateway);
        await Assert.That((await ApiResponse.ReadAsync(problem)).Problem.Detail).Contains("refused Flatline's client credentials");
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
