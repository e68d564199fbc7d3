using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flatline.Tests.Auth;

/// <summary>Local owner mode end to end: setup, password sign-in, sessions, logout, throttling, CSRF.</summary>
public class LocalAuthTests
{
    const string Password = "correct horse battery";

    static string SetupToken(FlatlineServer server) => server.Services.GetRequiredService<LocalOwner>().SetupToken!;

    static async Task<CookieBrowser> SignedIn(FlatlineServer server)
    {
        var browser = CookieBrowser.On(server);
        var setup = await browser.Api.SetupOwnerAsync(SetupToken(server), "Ada", Password);
        await Assert.That(setup.Status).IsEqualTo(HttpStatusCode.Created);
        return browser;
    }

    /// <summary>A client that sends <paramref name="cookie"/> as the session cookie, as a replay or forgery would.</summary>
    static FlatlineClient WithSessionCookie(FlatlineServer server, string? cookie)
    {
        var api = server.CreateAnonymousApiClient();
        api.Http.DefaultRequestHeaders.Add("Cookie", $"{Sessions.CookieName}={cookie}");
        return api;
    }

    [Test]
    public async Task Setup_creates_the_owner_once_with_the_printed_token_and_signs_in()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var browser = CookieBrowser.On(server);
        var config = (await browser.Api.GetAuthConfigAsync()).Value;
        await Assert.That(config.Mode).IsEqualTo("local");
        await Assert.That(config.SetupRequired).IsTrue();

        var wrongToken = await browser.Api.SetupOwnerAsync("deadbeef", "Ada", Password);
        await Assert.That(wrongToken.Status).IsEqualTo(HttpStatusCode.Forbidden);
        var shortPassword = await browser.Api.SetupOwnerAsync(SetupToken(server), "Ada", "short");
        await Assert.That(shortPassword.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(shortPassword.HasErrorFor("password")).IsTrue();

        var token = SetupToken(server);
        var created = await browser.Api.SetupOwnerAsync(token, "Ada", Password);
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created);
        var cookie = created.Response.Headers.GetValues("Set-Cookie").Single();
        await Assert.That(cookie).Contains("httponly");
        await Assert.That(cookie).Contains("samesite=lax");
        await Assert.That(cookie).DoesNotContain("secure");

        var me = (await browser.Api.GetCurrentUserAsync()).Value;
        await Assert.That(me.Name).IsEqualTo("Ada");
        await Assert.That(me.Sub).IsEqualTo("ada");
        await Assert.That(me.Email).IsNull();
        await Assert.That(me.IsOwner).IsTrue();
        // The setup's answer is the same user.
        await Assert.That(created.Value).IsEqualTo(me);
        await Assert.That((await browser.Api.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.OK);

        using var eve = CookieBrowser.On(server);
        var again = await eve.Api.SetupOwnerAsync(token, "Eve", Password);
        await Assert.That(again.Status).IsEqualTo(HttpStatusCode.Conflict);
        var after = (await browser.Api.GetAuthConfigAsync()).Value;
        await Assert.That(after.SetupRequired).IsFalse();
    }

    [Test]
    public async Task Password_sign_in_works_and_logout_revokes_the_session_for_good()
    {
        await using var server = await FlatlineServer.StartAsync();
        (await SignedIn(server)).Dispose();
        using var browser = CookieBrowser.On(server);
        var wrong = await browser.Api.LoginWithPasswordAsync("Ada", "not the password");
        await Assert.That(wrong.Status).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That(browser.Session()).IsNull();

        var right = await browser.Api.LoginWithPasswordAsync("ada", Password);
        await Assert.That(right.Status).IsEqualTo(HttpStatusCode.OK);
        var session = browser.Session()!;
        await Assert.That((await browser.Api.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.OK);

        var logout = await browser.Api.LogoutAsync();
        await Assert.That(logout.Status).IsEqualTo(HttpStatusCode.NoContent);
        // The old cookie, replayed by hand, is dead.
        using var replay = WithSessionCookie(server, session);
        await Assert.That((await replay.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That((await replay.GetCurrentUserAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Failed_sign_ins_are_throttled()
    {
        await using var server = await FlatlineServer.StartAsync();
        (await SignedIn(server)).Dispose();
        using var browser = CookieBrowser.On(server);
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
            await Assert.That((await browser.Api.LoginWithPasswordAsync("Ada", "guess guess guess")).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        var blocked = await browser.Api.LoginWithPasswordAsync("Ada", Password);
        await Assert.That(blocked.Status).IsEqualTo(HttpStatusCode.TooManyRequests);
        await Assert.That(int.Parse(blocked.Response.Headers.GetValues("Retry-After").Single())).IsGreaterThan(0);
        await Assert.That(browser.Session()).IsNull();
    }

    [Test]
    public async Task Forged_expired_wrong_key_and_unsigned_session_cookies_are_refused()
    {
        var time = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: time);
        using var browser = await SignedIn(server);
        var good = browser.Session()!;
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
            using var forged = WithSessionCookie(server, cookie);
            await Assert.That((await forged.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        }

        // Only the clock matters to a session's end: the server's timers need not run through the month.
        time.Jump(Sessions.Lifetime + TimeSpan.FromMinutes(5));
        await Assert.That((await browser.Api.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Cross_site_writes_with_the_session_cookie_are_refused()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var browser = await SignedIn(server);
        var monitor = MonitorBody.Http("http://127.0.0.1:9/").Named("m").Paused();

        // Requests made by hand: the point is which headers they carry.
        using var evil = new HttpRequestMessage(HttpMethod.Post, "/api/v1/monitors") { Content = new StringContent(monitor.ToJson(), System.Text.Encoding.UTF8, "application/json") };
        evil.Headers.Add("Cookie", $"{Sessions.CookieName}={browser.Session()}");
        evil.Headers.Add("Origin", "https://evil.example");
        using var plain = new HttpClient { BaseAddress = server.BaseAddress };
        await Assert.That((await plain.SendAsync(evil)).StatusCode).IsEqualTo(HttpStatusCode.Forbidden);

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/v1/monitors") { Content = new StringContent(monitor.ToJson(), System.Text.Encoding.UTF8, "application/json") };
        crossSite.Headers.Add("Cookie", $"{Sessions.CookieName}={browser.Session()}");
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        await Assert.That((await plain.SendAsync(crossSite)).StatusCode).IsEqualTo(HttpStatusCode.Forbidden);

        using var logoutCsrf = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
        logoutCsrf.Headers.Add("Origin", "https://evil.example");
        await Assert.That((await plain.SendAsync(logoutCsrf)).StatusCode).IsEqualTo(HttpStatusCode.Forbidden);

        await Assert.That(await plain.GetStringAsync("/healthz")).Contains("ok");
        var sameOrigin = await browser.Api.CreateMonitorAsync(monitor);
        await Assert.That(sameOrigin.Status).IsEqualTo(HttpStatusCode.Created);
        await Assert.That((await browser.Api.ListMonitorsAsync()).Value.Count).IsEqualTo(1);

        // A script with a bearer token and no cookie is not a browser: not subject to the check.
        using var script = server.CreateApiClient();
        script.Http.DefaultRequestHeaders.Add("Origin", "https://elsewhere.example");
        await Assert.That((await script.CreateMonitorAsync(monitor)).Status).IsEqualTo(HttpStatusCode.Created);
    }

    [Test]
    public async Task A_write_with_the_session_cookie_and_neither_Origin_nor_Sec_Fetch_Site_is_refused_and_a_bearer_token_write_is_not()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var browser = await SignedIn(server);
        var monitor = MonitorBody.Http("http://127.0.0.1:9/").Named("m").Paused();

        // The session cookie alone, as a client that says nothing about where it comes from sends it.
        using var cookieOnly = WithSessionCookie(server, browser.Session());
        var create = await cookieOnly.CreateMonitorAsync(monitor);
        await Assert.That(create.Status).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(create.Problem.Detail).Contains("Origin or Sec-Fetch-Site");
        await Assert.That((await cookieOnly.LogoutAsync()).Status).IsEqualTo(HttpStatusCode.Forbidden);
        // Neither write happened: no monitor, and the session still works.
        await Assert.That((await cookieOnly.ListMonitorsAsync()).Value.Count).IsEqualTo(0);
        await Assert.That((await cookieOnly.GetCurrentUserAsync()).Status).IsEqualTo(HttpStatusCode.OK);

        // Either header from the browser is enough.
        using var sameOrigin = WithSessionCookie(server, browser.Session());
        sameOrigin.Http.DefaultRequestHeaders.Add("Sec-Fetch-Site", "same-origin");
        await Assert.That((await sameOrigin.CreateMonitorAsync(monitor)).Status).IsEqualTo(HttpStatusCode.Created);
        await Assert.That((await browser.Api.CreateMonitorAsync(monitor)).Status).IsEqualTo(HttpStatusCode.Created);

        // A script with a bearer token sends neither, with or without a cookie jar.
        using var script = server.CreateApiClient();
        await Assert.That((await script.CreateMonitorAsync(monitor)).Status).IsEqualTo(HttpStatusCode.Created);
        script.Http.DefaultRequestHeaders.Add("Cookie", $"{Sessions.CookieName}={browser.Session()}");
        await Assert.That((await script.CreateMonitorAsync(monitor)).Status).IsEqualTo(HttpStatusCode.Created);
        // Signing in with a password has no session to misuse: a script may do it without the headers.
        using var login = server.CreateAnonymousApiClient();
        await Assert.That((await login.LoginWithPasswordAsync("Ada", Password)).Status).IsEqualTo(HttpStatusCode.OK);

        await Assert.That((await script.ListMonitorsAsync()).Value.Count).IsEqualTo(4);
        await Assert.That((await sameOrigin.LogoutAsync()).Status).IsEqualTo(HttpStatusCode.NoContent);
        await Assert.That((await cookieOnly.GetCurrentUserAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task The_cookie_is_secure_when_the_public_url_is_https()
    {
        await using var server = await FlatlineServer.StartAsync(s => s with { PublicUrl = new Uri("https://status.example.com/") });
        using var api = server.CreateAnonymousApiClient();
        api.Http.DefaultRequestHeaders.Add("Origin", "https://status.example.com");
        var created = await api.SetupOwnerAsync(SetupToken(server), "Ada", Password);
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created);
        await Assert.That(created.Response.Headers.GetValues("Set-Cookie").Single()).Contains("secure");
    }
}
