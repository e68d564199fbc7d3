using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flatline.Tests.Auth;

/// <summary>Local owner mode end to end: setup, password sign-in, sessions, logout, throttling, CSRF.</summary>
public class LocalAuthTests
{
    const string Password = "correct horse battery";

    sealed class Browser : IDisposable
    {
        public readonly CookieContainer Cookies = new();
        public readonly HttpClient Client;

        public Browser(FlatlineServer server)
        {
            Client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
            // What a browser sends on a same-origin fetch.
            Client.DefaultRequestHeaders.Add("Origin", server.BaseAddress.GetLeftPart(UriPartial.Authority));
        }

        public string? Session => Cookies.GetCookies(Client.BaseAddress!)[Sessions.CookieName]?.Value;
        public void Dispose() => Client.Dispose();
    }

    static string SetupToken(FlatlineServer server) => server.Services.GetRequiredService<LocalOwner>().SetupToken!;

    static async Task<Browser> SignedIn(FlatlineServer server)
    {
        var browser = new Browser(server);
        using var setup = await browser.Client.PostJsonAsync("/auth/setup", $$"""{"token":"{{SetupToken(server)}}","name":"Ada","password":"{{Password}}"}""");
        await Assert.That(setup.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return browser;
    }

    [Test]
    public async Task Setup_creates_the_owner_once_with_the_printed_token_and_signs_in()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var browser = new Browser(server);
        var config = await (await browser.Client.GetAsync("/auth/config")).ReadJsonAsync();
        await Assert.That(config.GetProperty("mode").GetString()).IsEqualTo("local");
        await Assert.That(config.GetProperty("setup_required").GetBoolean()).IsTrue();

        using var wrongToken = await browser.Client.PostJsonAsync("/auth/setup", $$"""{"token":"deadbeef","name":"Ada","password":"{{Password}}"}""");
        await Assert.That(wrongToken.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        using var shortPassword = await browser.Client.PostJsonAsync("/auth/setup", $$"""{"token":"{{SetupToken(server)}}","name":"Ada","password":"short"}""");
        await Assert.That(shortPassword.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await shortPassword.ReadJsonAsync()).GetProperty("errors").TryGetProperty("password", out _)).IsTrue();

        var token = SetupToken(server);
        using var created = await browser.Client.PostJsonAsync("/auth/setup", $$"""{"token":"{{token}}","name":"Ada","password":"{{Password}}"}""");
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var cookie = created.Headers.GetValues("Set-Cookie").Single();
        await Assert.That(cookie).Contains("httponly");
        await Assert.That(cookie).Contains("samesite=lax");
        await Assert.That(cookie).DoesNotContain("secure");

        var me = await (await browser.Client.GetAsync("/auth/me")).ReadJsonAsync();
        await Assert.That(me.GetProperty("name").GetString()).IsEqualTo("Ada");
        await Assert.That(me.GetProperty("is_owner").GetBoolean()).IsTrue();
        await Assert.That((await browser.Client.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.OK);

        using var again = await new Browser(server).Client.PostJsonAsync("/auth/setup", $$"""{"token":"{{token}}","name":"Eve","password":"{{Password}}"}""");
        await Assert.That(again.StatusCode).IsEqualTo(HttpStatusCode.Conflict);
        var after = await (await browser.Client.GetAsync("/auth/config")).ReadJsonAsync();
        await Assert.That(after.GetProperty("setup_required").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task Password_sign_in_works_and_logout_revokes_the_session_for_good()
    {
        await using var server = await FlatlineServer.StartAsync();
        (await SignedIn(server)).Dispose();
        using var browser = new Browser(server);
        using var wrong = await browser.Client.PostJsonAsync("/auth/login", """{"name":"Ada","password":"not the password"}""");
        await Assert.That(wrong.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That(browser.Session).IsNull();

        using var right = await browser.Client.PostJsonAsync("/auth/login", $$"""{"name":"ada","password":"{{Password}}"}""");
        await Assert.That(right.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var session = browser.Session!;
        await Assert.That((await browser.Client.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.OK);

        using var logout = await browser.Client.PostAsync("/auth/logout", null);
        await Assert.That(logout.StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        // The old cookie, replayed by hand, is dead.
        using var replay = new HttpClient { BaseAddress = server.BaseAddress };
        replay.DefaultRequestHeaders.Add("Cookie", $"{Sessions.CookieName}={session}");
        await Assert.That((await replay.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That((await replay.GetAsync("/auth/me")).StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Failed_sign_ins_are_throttled()
    {
        await using var server = await FlatlineServer.StartAsync();
        (await SignedIn(server)).Dispose();
        using var browser = new Browser(server);
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
            await Assert.That((await browser.Client.PostJsonAsync("/auth/login", """{"name":"Ada","password":"guess guess guess"}""")).StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        using var blocked = await browser.Client.PostJsonAsync("/auth/login", $$"""{"name":"Ada","password":"{{Password}}"}""");
        await Assert.That(blocked.StatusCode).IsEqualTo(HttpStatusCode.TooManyRequests);
        await Assert.That(int.Parse(blocked.Headers.GetValues("Retry-After").Single())).IsGreaterThan(0);
        await Assert.That(browser.Session).IsNull();
    }

    [Test]
    public async Task Forged_expired_wrong_key_and_unsigned_session_cookies_are_refused()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FlatlineServer.StartAsync(time: time);
        using var browser = await SignedIn(server);
        var good = browser.Session!;
        var jwt = new JsonWebToken(good);

        string Sign(SecurityKey key, string alg, DateTime expires) => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Sessions.Issuer, Audience = Sessions.Audience, IssuedAt = DateTime.UtcNow, Expires = expires,
            Subject = new ClaimsIdentity([new Claim("sub", jwt.Subject), new Claim("jti", jwt.Id)]),
            SigningCredentials = new SigningCredentials(key, alg),
        });
        var wrongKey = Sign(new SymmetricSecurityKey(new byte[64]), SecurityAlgorithms.HmacSha256, DateTime.UtcNow.AddDays(1));
        var parts = good.Split('.');
        var tampered = parts[0] + "." + Base64UrlEncoder.Encode(Base64UrlEncoder.Decode(parts[1]).Replace(jwt.Subject, Guid.CreateVersion7().ToString())) + "." + parts[2];
        var unsigned = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + parts[1] + ".";

        foreach (var cookie in new[] { wrongKey, tampered, unsigned, "garbage" })
        {
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            client.DefaultRequestHeaders.Add("Cookie", $"{Sessions.CookieName}={cookie}");
            await Assert.That((await client.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        }

        time.Advance(Sessions.Lifetime + TimeSpan.FromMinutes(5));
        await Assert.That((await browser.Client.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Cross_site_writes_with_the_session_cookie_are_refused()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var browser = await SignedIn(server);
        const string monitor = """{"name":"m","enabled":false,"config":{"type":"http","url":"http://127.0.0.1:9/"}}""";

        using var evil = new HttpRequestMessage(HttpMethod.Post, "/api/v1/monitors") { Content = new StringContent(monitor, System.Text.Encoding.UTF8, "application/json") };
        evil.Headers.Add("Cookie", $"{Sessions.CookieName}={browser.Session}");
        evil.Headers.Add("Origin", "https://evil.example");
        using var plain = new HttpClient { BaseAddress = server.BaseAddress };
        await Assert.That((await plain.SendAsync(evil)).StatusCode).IsEqualTo(HttpStatusCode.Forbidden);

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/v1/monitors") { Content = new StringContent(monitor, System.Text.Encoding.UTF8, "application/json") };
        crossSite.Headers.Add("Cookie", $"{Sessions.CookieName}={browser.Session}");
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        await Assert.That((await plain.SendAsync(crossSite)).StatusCode).IsEqualTo(HttpStatusCode.Forbidden);

        using var logoutCsrf = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
        logoutCsrf.Headers.Add("Origin", "https://evil.example");
        await Assert.That((await plain.SendAsync(logoutCsrf)).StatusCode).IsEqualTo(HttpStatusCode.Forbidden);

        await Assert.That(await plain.GetStringAsync("/healthz")).Contains("ok");
        using var sameOrigin = await browser.Client.PostJsonAsync("/api/v1/monitors", monitor);
        await Assert.That(sameOrigin.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var all = await (await browser.Client.GetAsync("/api/v1/monitors")).ReadJsonAsync();
        await Assert.That(all.GetArrayLength()).IsEqualTo(1);

        // A script with a bearer token and no cookie is not a browser: not subject to the check.
        using var script = server.CreateClient();
        script.DefaultRequestHeaders.Add("Origin", "https://elsewhere.example");
        await Assert.That((await script.PostJsonAsync("/api/v1/monitors", monitor)).StatusCode).IsEqualTo(HttpStatusCode.Created);
    }

    [Test]
    public async Task The_cookie_is_secure_when_the_public_url_is_https()
    {
        await using var server = await FlatlineServer.StartAsync(s => s with { PublicUrl = new Uri("https://status.example.com/") });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Add("Origin", "https://status.example.com");
        using var created = await client.PostJsonAsync("/auth/setup", $$"""{"token":"{{SetupToken(server)}}","name":"Ada","password":"{{Password}}"}""");
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        await Assert.That(created.Headers.GetValues("Set-Cookie").Single()).Contains("secure");
    }
}
