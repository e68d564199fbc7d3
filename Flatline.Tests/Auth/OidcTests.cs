using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace Flatline.Tests.Auth;

/// <summary>OIDC mode end to end: against a real OpenID provider (oidc-provider under Node) for the
/// flow, and against a hand-made issuer for ID tokens no real provider would send.</summary>
public class OidcTests
{
    /// <summary>A browser without JavaScript: a cookie jar, and redirects followed by hand so each hop can be inspected.</summary>
    sealed class Browser : IDisposable
    {
        public readonly CookieContainer Cookies = new();
        public readonly HttpClient Client;

        public Browser(string? account = null)
        {
            Client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, UseCookies = true, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
            // The provider and Flatline share 127.0.0.1, and cookies ignore ports: the provider reads this one.
            if (account is not null) Cookies.Add(new Uri("http://127.0.0.1/"), new Cookie(OidcProvider.AccountCookie, account));
        }

        public string? Session(FlatlineServer server) => Cookies.GetCookies(server.BaseAddress)[Sessions.CookieName]?.Value;

        public async Task<HttpResponseMessage> GetAsync(Uri url, string accept = "text/html,application/xhtml+xml,*/*;q=0.8")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Accept", accept);
            return await Client.SendAsync(request);
        }

        /// <summary>From Flatline's /auth/login through the provider's redirects, up to (not into) the
        /// callback; returns the callback URL with its code and state.</summary>
        public async Task<Uri> AuthorizeAsync(FlatlineServer server)
        {
            var callback = new Uri(server.BaseAddress, "/auth/callback").GetLeftPart(UriPartial.Path);
            var url = new Uri(server.BaseAddress, "/auth/login");
            for (var hop = 0; hop < 20; hop++)
            {
                using var response = await GetAsync(url);
                if ((int)response.StatusCode is < 300 or > 399 || response.Headers.Location is null)
                    throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                url = new Uri(url, response.Headers.Location);
                if (url.GetLeftPart(UriPartial.Path) == callback) return url;
            }
            throw new InvalidOperationException("no callback after 20 redirects");
        }

        /// <summary>The whole sign-in; returns the callback's response.</summary>
        public async Task<HttpResponseMessage> SignInAsync(FlatlineServer server, string accept = "text/html") =>
            await GetAsync(await AuthorizeAsync(server), accept);

        public void Dispose() => Client.Dispose();
    }

    static Uri CallbackUrl(int port) => new($"http://127.0.0.1:{port}/auth/callback");

    static async Task<FlatlineServer> StartFlatlineAsync(int port, Uri issuer) =>
        await FlatlineServer.StartAsync(s => s with
        {
            Address = new ListenAddress(IPAddress.Loopback, port),
            OAuth = new OAuthSettings(issuer, OidcProvider.ClientId, OidcProvider.ClientSecret, CallbackUrl(port)),
        });

    static async Task<(OidcProvider Provider, FlatlineServer Server)> StartBothAsync()
    {
        var port = OidcProvider.FreePort();
        var provider = await OidcProvider.StartAsync(OidcProvider.FreePort(), CallbackUrl(port));
        return (provider, await StartFlatlineAsync(port, provider.Issuer));
    }

    static async Task AssertSignedIn(HttpResponseMessage callback, Browser browser, FlatlineServer server)
    {
        await Assert.That(callback.StatusCode).IsEqualTo(HttpStatusCode.SeeOther);
        await Assert.That(callback.Headers.Location!.OriginalString).IsEqualTo("/");
        await Assert.That(browser.Session(server)).IsNotNull();
    }

    [Test]
    public async Task The_first_account_to_sign_in_becomes_the_owner_and_its_session_works()
    {
        var (provider, server) = await StartBothAsync();
        await using var _ = provider;
        await using var __ = server;
        using var browser = new Browser("alice");

        var config = await (await browser.GetAsync(new Uri(server.BaseAddress, "/auth/config"), "application/json")).ReadJsonAsync();
        await Assert.That(config.GetProperty("mode").GetString()).IsEqualTo("oidc");
        await Assert.That(config.GetProperty("setup_required").GetBoolean()).IsFalse();

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

        using var callback = await browser.SignInAsync(server);
        await AssertSignedIn(callback, browser, server);
        await Assert.That(callback.Headers.GetValues("Referrer-Policy").Single()).IsEqualTo("no-referrer");
        await Assert.That(browser.Cookies.GetCookies(new Uri(server.BaseAddress, "/auth/callback"))[OidcLoginCookie.CookieName]).IsNull();

        var me = await (await browser.GetAsync(new Uri(server.BaseAddress, "/auth/me"), "application/json")).ReadJsonAsync();
        await Assert.That(me.GetProperty("name").GetString()).IsEqualTo("Test alice");
        await Assert.That(me.GetProperty("email").GetString()).IsEqualTo("alice@example.test");
        await Assert.That(me.GetProperty("is_owner").GetBoolean()).IsTrue();
        using var monitors = await browser.GetAsync(new Uri(server.BaseAddress, "/api/v1/monitors"), "application/json");
        await Assert.That(monitors.StatusCode).IsEqualTo(HttpStatusCode.OK);

        // The same account signs in again, from another browser, as the same user.
        using var again = new Browser("alice");
        await AssertSignedIn(await again.SignInAsync(server), again, server);
        var meAgain = await (await again.GetAsync(new Uri(server.BaseAddress, "/auth/me"), "application/json")).ReadJsonAsync();
        await Assert.That(meAgain.GetProperty("id").GetString()).IsEqualTo(me.GetProperty("id").GetString());

        // Local sign-in is closed in OIDC mode.
        using var api = new HttpClient { BaseAddress = server.BaseAddress };
        api.DefaultRequestHeaders.Add("Origin", server.BaseAddress.GetLeftPart(UriPartial.Authority));
        await Assert.That((await api.PostJsonAsync("/auth/login", """{"name":"alice","password":"correct horse battery"}""")).StatusCode).IsEqualTo(HttpStatusCode.Conflict);
        await Assert.That((await api.PostJsonAsync("/auth/setup", """{"token":"x","name":"alice","password":"correct horse battery"}""")).StatusCode).IsEqualTo(HttpStatusCode.Conflict);
    }

    [Test]
    public async Task Another_account_is_told_registration_is_closed_and_gets_no_session()
    {
        var (provider, server) = await StartBothAsync();
        await using var _ = provider;
        await using var __ = server;
        using (var alice = new Browser("alice")) await AssertSignedIn(await alice.SignInAsync(server), alice, server);

        using var bob = new Browser("bob");
        using var page = await bob.SignInAsync(server);
        await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(page.Content.Headers.ContentType!.MediaType).IsEqualTo("text/html");
        await Assert.That((await page.Content.ReadAsStringAsync()).ToLowerInvariant()).Contains("registration is closed");
        await Assert.That(bob.Session(server)).IsNull();

        // An API client (no text/html in Accept) gets problem JSON instead.
        using var script = new Browser("carol");
        using var problem = await script.SignInAsync(server, "application/json");
        await Assert.That(problem.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(problem.Content.Headers.ContentType!.MediaType).IsEqualTo("application/problem+json");
        await Assert.That((await problem.ReadJsonAsync()).GetProperty("detail").GetString()).Contains("registration is closed");
        await Assert.That(script.Session(server)).IsNull();

        using var me = await bob.GetAsync(new Uri(server.BaseAddress, "/auth/me"), "application/json");
        await Assert.That(me.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_tampered_state_or_a_missing_login_cookie_is_refused()
    {
        var (provider, server) = await StartBothAsync();
        await using var _ = provider;
        await using var __ = server;

        using var browser = new Browser("alice");
        var callback = await browser.AuthorizeAsync(server);
        var query = QueryHelpers.ParseQuery(callback.Query);
        var tampered = QueryHelpers.AddQueryString(callback.GetLeftPart(UriPartial.Path), new Dictionary<string, string?>
        {
            ["code"] = query["code"].ToString(),
            ["state"] = query["state"].ToString()[..^2] + "xx",
            ["iss"] = query["iss"].ToString(),
        });
        using var refused = await browser.GetAsync(new Uri(tampered), "application/json");
        await Assert.That(refused.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await refused.ReadJsonAsync()).GetProperty("detail").GetString()).Contains("state");
        await Assert.That(browser.Session(server)).IsNull();
        // The login cookie went with the refused attempt: the untampered URL is no good now either.
        using var afterwards = await browser.GetAsync(callback);
        await Assert.That(afterwards.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(browser.Session(server)).IsNull();

        // A callback in a browser that did not start the sign-in (no login cookie).
        using var starter = new Browser("alice");
        var stolen = await starter.AuthorizeAsync(server);
        using var other = new Browser("alice");
        using var noCookie = await other.GetAsync(stolen);
        await Assert.That(noCookie.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(await noCookie.Content.ReadAsStringAsync()).Contains("started in another browser");
        await Assert.That(other.Session(server)).IsNull();
    }

    [Test]
    public async Task A_code_used_twice_is_refused_by_the_provider_and_the_error_shown()
    {
        var (provider, server) = await StartBothAsync();
        await using var _ = provider;
        await using var __ = server;
        using var browser = new Browser("alice");
        var callback = await browser.AuthorizeAsync(server);
        var loginCookie = browser.Cookies.GetCookies(callback)[OidcLoginCookie.CookieName]!.Value;
        await AssertSignedIn(await browser.GetAsync(callback), browser, server);

        // Replayed with the same state and a copy of the login cookie: only the provider can say no now.
        using var replayer = new Browser();
        replayer.Cookies.Add(callback, new Cookie(OidcLoginCookie.CookieName, loginCookie, "/auth"));
        using var replay = await replayer.GetAsync(callback, "application/json");
        await Assert.That(replay.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await replay.ReadJsonAsync()).GetProperty("detail").GetString()).Contains("invalid_grant");
        await Assert.That(replayer.Session(server)).IsNull();
    }

    [Test]
    public async Task Signing_in_after_the_provider_rotates_its_key_fetches_the_new_key()
    {
        var (provider, server) = await StartBothAsync();
        await using var _ = provider;
        await using var __ = server;
        using (var before = new Browser("alice")) await AssertSignedIn(await before.SignInAsync(server), before, server);

        var kid = await provider.RotateKeyAsync();
        using var after = new Browser("alice");
        using var callback = await after.SignInAsync(server);
        await AssertSignedIn(callback, after, server);
        await Assert.That(kid.Length).IsGreaterThan(0);
    }

    [Test]
    public async Task A_provider_down_at_start_up_does_not_stop_Flatline_and_sign_in_works_once_it_is_up()
    {
        var port = OidcProvider.FreePort();
        var providerPort = OidcProvider.FreePort();
        await using var server = await StartFlatlineAsync(port, new Uri($"http://127.0.0.1:{providerPort}"));
        using var browser = new Browser("alice");
        using (var health = await browser.GetAsync(new Uri(server.BaseAddress, "/healthz"), "application/json"))
            await Assert.That(health.StatusCode).IsEqualTo(HttpStatusCode.OK);

        using (var page = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/login")))
        {
            await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.ServiceUnavailable);
            await Assert.That(page.Content.Headers.ContentType!.MediaType).IsEqualTo("text/html");
            await Assert.That(await page.Content.ReadAsStringAsync()).Contains("cannot be reached");
        }
        using (var problem = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/login"), "application/json"))
        {
            await Assert.That(problem.StatusCode).IsEqualTo(HttpStatusCode.ServiceUnavailable);
            await Assert.That((await problem.ReadJsonAsync()).GetProperty("detail").GetString()).Contains("cannot be reached");
        }

        await using var provider = await OidcProvider.StartAsync(providerPort, CallbackUrl(port));
        // Flatline retries discovery with a short back-off; wait for it, within bounds.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        HttpStatusCode status;
        do
        {
            using var probe = new Browser();
            using var login = await probe.GetAsync(new Uri(server.BaseAddress, "/auth/login"));
            status = login.StatusCode;
            if (status != HttpStatusCode.SeeOther) await Task.Delay(250);
        } while (status != HttpStatusCode.SeeOther && DateTime.UtcNow < deadline);
        await Assert.That(status).IsEqualTo(HttpStatusCode.SeeOther);
        await AssertSignedIn(await browser.SignInAsync(server), browser, server);
    }

    [Test]
    public async Task A_provider_error_in_the_callback_is_a_clear_page_not_a_500()
    {
        var (provider, server) = await StartBothAsync();
        await using var _ = provider;
        await using var __ = server;
        using var browser = new Browser("alice");
        var state = QueryHelpers.ParseQuery((await browser.AuthorizeAsync(server)).Query)["state"].ToString();
        using var denied = await browser.GetAsync(new Uri(server.BaseAddress, $"/auth/callback?error=access_denied&error_description=the+user+said+no&state={state}"));
        await Assert.That(denied.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        var body = await denied.Content.ReadAsStringAsync();
        await Assert.That(body).Contains("access_denied");
        await Assert.That(body).Contains("the user said no");
        using var other = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/callback?error=server_error&error_description=%3Cscript%3E"), "application/json");
        await Assert.That(other.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(browser.Session(server)).IsNull();
        using var page = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/callback?error=server_error&error_description=%3Cscript%3E"));
        await Assert.That(await page.Content.ReadAsStringAsync()).DoesNotContain("<script>");
    }

    // ID tokens crafted by the test, served by its own issuer.

    sealed record Claims(string Iss, object Aud, string Sub, long? Iat, long? Exp, string? Nonce, string? Azp = null);

    static string Encode(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    static string Payload(Claims c)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("iss", c.Iss);
            if (c.Aud is string[] many)
            {
                json.WriteStartArray("aud");
                foreach (var a in many) json.WriteStringValue(a);
                json.WriteEndArray();
            }
            else json.WriteString("aud", (string)c.Aud);
            json.WriteString("sub", c.Sub);
            if (c.Iat is { } iat) json.WriteNumber("iat", iat);
            if (c.Exp is { } exp) json.WriteNumber("exp", exp);
            if (c.Nonce is { } nonce) json.WriteString("nonce", nonce);
            if (c.Azp is { } azp) json.WriteString("azp", azp);
            json.WriteString("email", "dana@example.test");
            json.WriteString("name", "Dana");
            json.WriteEndObject();
        }
        return Encode(Encoding.UTF8.GetString(stream.ToArray()));
    }

    static string Rs256(RSA key, string? kid, string payload)
    {
        var input = Encode(kid is null ? """{"alg":"RS256","typ":"JWT"}""" : $$"""{"alg":"RS256","typ":"JWT","kid":"{{kid}}"}""") + "." + payload;
        return input + "." + Base64UrlEncoder.Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    static string Craft(string problem, TestIssuer issuer, string nonce)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var good = new Claims(issuer.Issuer, OidcProvider.ClientId, "dana", now, now + 300, nonce);
        var k1 = issuer.Key1.Rsa;
        using var stranger = RSA.Create(2048);
        return problem switch
        {
            "nothing wrong" => Rs256(k1, "k1", Payload(good)),
            "no kid and a single key" => Rs256(k1, null, Payload(good)),
            "an audience list with our client and azp" => Rs256(k1, "k1", Payload(good with { Aud = new[] { OidcProvider.ClientId, "other" }, Azp = OidcProvider.ClientId })),
            "a bad signature" => Rs256(stranger, "k1", Payload(good)),
            "an unknown key" => Rs256(stranger, "k9", Payload(good)),
            "a wrong issuer" => Rs256(k1, "k1", Payload(good with { Iss = issuer.Issuer + "/evil" })),
            "an issuer with a trailing slash" => Rs256(k1, "k1", Payload(good with { Iss = issuer.Issuer + "/" })),
            "a wrong audience" => Rs256(k1, "k1", Payload(good with { Aud = "someone-else" })),
            "an audience with a trailing slash" => Rs256(k1, "k1", Payload(good with { Aud = OidcProvider.ClientId + "/" })),
            "another azp" => Rs256(k1, "k1", Payload(good with { Aud = new[] { OidcProvider.ClientId, "other" }, Azp = "other" })),
            "no iat" => Rs256(k1, "k1", Payload(good with { Iat = null })),
            "no exp" => Rs256(k1, "k1", Payload(good with { Exp = null })),
            "an expiry in the past" => Rs256(k1, "k1", Payload(good with { Iat = now - 1200, Exp = now - 600 })),
            "a wrong nonce" => Rs256(k1, "k1", Payload(good with { Nonce = "not-the-nonce" })),
            "no nonce" => Rs256(k1, "k1", Payload(good with { Nonce = null })),
            "alg none" => Encode("""{"alg":"none","typ":"JWT"}""") + "." + Payload(good) + ".",
            "HS256 with the client secret" => Hs256(Payload(good)),
            "no kid and several keys" => Rs256(k1, null, Payload(good)),
            "garbage" => "not.a.jwt",
            _ => throw new ArgumentException(problem),
        };
    }

    static string Hs256(string payload)
    {
        var input = Encode("""{"alg":"HS256","typ":"JWT","kid":"k1"}""") + "." + payload;
        return input + "." + Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(OidcProvider.ClientSecret), Encoding.ASCII.GetBytes(input)));
    }

    static async Task<(HttpResponseMessage Callback, IReadOnlyDictionary<string, string> Authorize)> SignInWithCraftedTokenAsync(
        TestIssuer issuer, FlatlineServer server, Browser browser, string problem)
    {
        using var login = await browser.GetAsync(new Uri(server.BaseAddress, "/auth/login"));
        await Assert.That(login.StatusCode).IsEqualTo(HttpStatusCode.SeeOther);
        var authorize = QueryHelpers.ParseQuery(login.Headers.Location!.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
        issuer.IdToken = Craft(problem, issuer, authorize["nonce"]);
        var callback = await browser.GetAsync(new Uri(server.BaseAddress, $"/auth/callback?code=the-code&state={Uri.EscapeDataString(authorize["state"])}"), "application/json");
        return (callback, authorize);
    }

    [Test]
    [Arguments("nothing wrong")]
    [Arguments("an audience list with our client and azp")]
    [Arguments("no kid and a single key")]
    public async Task A_valid_id_token_from_the_test_issuer_signs_in_with_pkce_and_basic_client_auth(string shape)
    {
        await using var issuer = await TestIssuer.StartAsync();
        issuer.OnlyKey1 = shape == "no kid and a single key";
        var port = OidcProvider.FreePort();
        await using var server = await StartFlatlineAsync(port, new Uri(issuer.Issuer));
        using var browser = new Browser();
        var (callback, authorize) = await SignInWithCraftedTokenAsync(issuer, server, browser, shape);
        using (callback) await AssertSignedIn(callback, browser, server);

        var (authorization, form) = issuer.TokenRequests.Single();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OidcProvider.ClientId}:{Uri.EscapeDataString(OidcProvider.ClientSecret)}"));
        await Assert.That(authorization).IsEqualTo($"Basic {basic}");
        await Assert.That(form["grant_type"]).IsEqualTo("authorization_code");
        await Assert.That(form["code"]).IsEqualTo("the-code");
        await Assert.That(form["redirect_uri"]).IsEqualTo(CallbackUrl(port).ToString());
        await Assert.That(form.ContainsKey("client_secret")).IsFalse();
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"])));
        await Assert.That(challenge).IsEqualTo(authorize["code_challenge"]);
    }

    [Test]
    [Arguments("a bad signature")]
    [Arguments("an unknown key")]
    [Arguments("a wrong issuer")]
    [Arguments("an issuer with a trailing slash")]
    [Arguments("a wrong audience")]
    [Arguments("an audience with a trailing slash")]
    [Arguments("another azp")]
    [Arguments("no iat")]
    [Arguments("no exp")]
    [Arguments("an expiry in the past")]
    [Arguments("a wrong nonce")]
    [Arguments("no nonce")]
    [Arguments("alg none")]
    [Arguments("HS256 with the client secret")]
    [Arguments("no kid and several keys")]
    [Arguments("garbage")]
    public async Task An_id_token_is_refused_with(string problem)
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var server = await StartFlatlineAsync(OidcProvider.FreePort(), new Uri(issuer.Issuer));
        using var browser = new Browser();
        var (callback, _) = await SignInWithCraftedTokenAsync(issuer, server, browser, problem);
        using (callback)
        {
            await Assert.That((int)callback.StatusCode).IsEqualTo(400);
            await Assert.That((await callback.ReadJsonAsync()).GetProperty("detail").GetString()).Contains("ID token was refused");
        }
        await Assert.That(issuer.TokenRequests.Count).IsEqualTo(1);
        await Assert.That(browser.Session(server)).IsNull();
        var users = server.Database.Open();
        using var count = users.CreateCommand();
        count.CommandText = "SELECT count(*) FROM users";
        await Assert.That((long)count.ExecuteScalar()!).IsEqualTo(0);
        users.Dispose();
    }
}
