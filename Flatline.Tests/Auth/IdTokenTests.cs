using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;
using TUnit.Core.Interfaces;

namespace Flatline.Tests.Auth;

/// <summary>ID tokens crafted by the test, served by a hand-made issuer: the validation cases no real
/// provider would produce. The refused ones share one issuer and one server; each signs in with a
/// code of its own.</summary>
[ClassDataSource<IssuerAndFlatline>(Shared = SharedType.PerClass)]
public class IdTokenTests(IssuerAndFlatline refusing)
{
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

    /// <summary>Signs in with a code of the test's own, which the issuer answers with the crafted token.</summary>
    static async Task<(HttpResponseMessage Callback, IReadOnlyDictionary<string, string> Authorize)> SignInWithCraftedTokenAsync(
        IssuerAndFlatline setup, CookieBrowser browser, string code, string problem)
    {
        using var login = await browser.GetAsync(new Uri(setup.Server.BaseAddress, "/auth/login"));
        await Assert.That(login.StatusCode).IsEqualTo(HttpStatusCode.SeeOther);
        var authorize = QueryHelpers.ParseQuery(login.Headers.Location!.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
        setup.Issuer.Answer(code, Craft(problem, setup.Issuer, authorize["nonce"]));
        var callback = await browser.GetAsync(new Uri(setup.Server.BaseAddress, $"/auth/callback?code={code}&state={Uri.EscapeDataString(authorize["state"])}"), "application/json");
        return (callback, authorize);
    }

    static string NewCode() => $"code-{Guid.NewGuid():N}";

    [Test]
    [Arguments("nothing wrong")]
    [Arguments("an audience list with our client and azp")]
    [Arguments("no kid and a single key")]
    public async Task A_valid_id_token_from_the_test_issuer_signs_in_with_pkce_and_basic_client_auth(string shape)
    {
        // Signing in makes an owner, and the keys are read once: an issuer and a server of its own.
        await using var setup = await IssuerAndFlatline.StartAsync(onlyKey1: shape == "no kid and a single key");
        using var browser = new CookieBrowser(setup.Server.BaseAddress);
        var code = NewCode();
        var (callback, authorize) = await SignInWithCraftedTokenAsync(setup, browser, code, shape);
        using (callback) await OidcTests.AssertSignedIn(callback, browser);

        var (authorization, form) = setup.Issuer.TokenRequests.Single();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OidcProvider.ClientId}:{Uri.EscapeDataString(OidcProvider.ClientSecret)}"));
        await Assert.That(authorization).IsEqualTo($"Basic {basic}");
        await Assert.That(form["grant_type"]).IsEqualTo("authorization_code");
        await Assert.That(form["code"]).IsEqualTo(code);
        await Assert.That(form["redirect_uri"]).IsEqualTo(OidcTests.CallbackUrl(setup.Server.BaseAddress.Port).ToString());
        await Assert.That(form.ContainsKey("client_secret")).IsFalse();
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"])));
        await Assert.That(challenge).IsEqualTo(authorize["code_challenge"]);
    }

    [Test]
    public async Task A_provider_that_would_take_a_code_twice_still_gets_one_callback_per_state()
    {
        // The test issuer answers a code as often as it is asked: only Flatline can refuse the replay.
        await using var setup = await IssuerAndFlatline.StartAsync();
        using var browser = new CookieBrowser(setup.Server.BaseAddress);
        using var login = await browser.GetAsync(new Uri(setup.Server.BaseAddress, "/auth/login"));
        var authorize = QueryHelpers.ParseQuery(login.Headers.Location!.Query);
        var callbackUrl = new Uri(setup.Server.BaseAddress, $"/auth/callback?code={NewCode()}&state={Uri.EscapeDataString(authorize["state"].ToString())}");
        var code = QueryHelpers.ParseQuery(callbackUrl.Query)["code"].ToString();
        setup.Issuer.Answer(code, Craft("nothing wrong", setup.Issuer, authorize["nonce"].ToString()));
        // A copy of the login cookie, taken before the callback.
        var loginCookie = browser.Cookies.GetCookies(callbackUrl)[OidcLoginCookie.CookieName]!.Value;
        using (var callback = await browser.GetAsync(callbackUrl)) await OidcTests.AssertSignedIn(callback, browser);

        using var replayer = new CookieBrowser(setup.Server.BaseAddress);
        replayer.Cookies.Add(callbackUrl, new Cookie(OidcLoginCookie.CookieName, loginCookie, "/auth"));
        using var replay = await replayer.GetAsync(callbackUrl, "application/json");
        await Assert.That((int)replay.StatusCode).IsEqualTo(400);
        await Assert.That((await ApiResponse.ReadAsync(replay)).Problem.Detail).Contains("state has been used already");
        await Assert.That(replayer.Session()).IsNull();
        await Assert.That(setup.Issuer.TokenRequestsFor(code).Count).IsEqualTo(1);
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM sessions")).IsEqualTo(1L);
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
        var setup = refusing;
        using var browser = new CookieBrowser(setup.Server.BaseAddress);
        var code = NewCode();
        var (callback, _) = await SignInWithCraftedTokenAsync(setup, browser, code, problem);
        using (callback)
        {
            await Assert.That((int)callback.StatusCode).IsEqualTo(400);
            await Assert.That((await ApiResponse.ReadAsync(callback)).Problem.Detail).Contains("ID token was refused");
        }
        await Assert.That(setup.Issuer.TokenRequestsFor(code).Count).IsEqualTo(1);
        await Assert.That(browser.Session()).IsNull();
        // No test on this server signs in: a user here would be one a refused token made.
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM users")).IsEqualTo(0L);
    }
}

/// <summary>A test issuer and a Flatline in OIDC mode signing in through it. Shared (the parameterless
/// constructor, for TUnit) it serves tests whose sign-ins are all refused.</summary>
public sealed class IssuerAndFlatline : IAsyncInitializer, IAsyncDisposable
{
    TestIssuer? issuer;
    FlatlineServer? server;

    public TestIssuer Issuer => issuer ?? throw new InvalidOperationException("not started");
    public FlatlineServer Server => server ?? throw new InvalidOperationException("not started");

    public static async Task<IssuerAndFlatline> StartAsync(bool onlyKey1 = false)
    {
        var setup = new IssuerAndFlatline();
        await setup.StartBothAsync(onlyKey1);
        return setup;
    }

    public Task InitializeAsync() => StartBothAsync(onlyKey1: false);

    /// <param name="onlyKey1">Publish only k1: the issuer must say so before Flatline first reads its keys.</param>
    async Task StartBothAsync(bool onlyKey1)
    {
        issuer = await TestIssuer.StartAsync();
        issuer.OnlyKey1 = onlyKey1;
        server = await OidcTests.StartFlatlineAsync(LoopbackServer.FreePort(), new Uri(issuer.Issuer));
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null) await server.DisposeAsync();
        if (issuer is not null) await issuer.DisposeAsync();
    }
}
