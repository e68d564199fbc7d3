using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace Flatline.Tests;

/// <summary>One request to the issuer's token endpoint.</summary>
public sealed record TokenRequest(string? Authorization, IReadOnlyDictionary<string, string> Form)
{
    public string? Code => Form.GetValueOrDefault("code");
}

/// <summary>A hand-made OpenID issuer on 127.0.0.1 whose token endpoint answers each code with the ID
/// token the test gave for it (<see cref="Answer"/>), signed with keys the test holds: for ID-token
/// validation cases no real provider would produce. Tests that use codes of their own can share one.</summary>
/// <remarks>/.well-known/openid-configuration · /jwks (two RSA keys, k1 and k2, or k1 alone) · /authorize (unused:
/// tests read state and nonce from Flatline's redirect) · /token (records each request; an unknown code gets invalid_grant).</remarks>
public sealed class TestIssuer : IAsyncDisposable
{
    readonly ConcurrentQueue<TokenRequest> tokenRequests = new();
    readonly ConcurrentDictionary<string, string> idTokens = new();
    LoopbackServer server = null!;

    TestIssuer()
    {
    }

    public Uri BaseAddress => server.BaseAddress;

    /// <summary>The issuer, exactly as discovery names it (no trailing slash).</summary>
    public string Issuer => BaseAddress.GetLeftPart(UriPartial.Authority);

    public RsaSecurityKey Key1 { get; } = NewKey("k1");
    public RsaSecurityKey Key2 { get; } = NewKey("k2");

    /// <summary>Publish only k1 (set before Flatline first reads the keys).</summary>
    public bool OnlyKey1 { get; set; }

    /// <summary>Makes the token endpoint answer <paramref name="code"/> with <paramref name="idToken"/> as <c>id_token</c>.</summary>
    public void Answer(string code, string idToken) => idTokens[code] = idToken;

    public IReadOnlyList<TokenRequest> TokenRequests => [.. tokenRequests];

    /// <summary>The token requests that carried <paramref name="code"/>.</summary>
    public IReadOnlyList<TokenRequest> TokenRequestsFor(string code) => [.. tokenRequests.Where(r => r.Code == code)];

    static RsaSecurityKey NewKey(string kid) => new(RSA.Create(2048)) { KeyId = kid };

    public static async Task<TestIssuer> StartAsync(int port = 0)
    {
        var issuer = new TestIssuer();
        issuer.server = await LoopbackServer.StartAsync(issuer.HandleAsync, port: port);
        return issuer;
    }

    async Task HandleAsync(HttpContext context)
    {
        switch (context.Request.Path.Value)
        {
            case "/.well-known/openid-configuration":
                await Json(context, $$"""
                    {"issuer":"{{Issuer}}","authorization_endpoint":"{{Issuer}}/authorize","token_endpoint":"{{Issuer}}/token",
                     "jwks_uri":"{{Issuer}}/jwks","response_types_supported":["code"],"subject_types_supported":["public"],
                     "id_token_signing_alg_values_supported":["RS256"],"token_endpoint_auth_methods_supported":["client_secret_basic"],
                     "code_challenge_methods_supported":["S256"]}
                    """);
                break;
            case "/jwks":
                await Json(context, OnlyKey1 ? $$"""{"keys":[{{Jwk(Key1)}}]}""" : $$"""{"keys":[{{Jwk(Key1)}},{{Jwk(Key2)}}]}""");
                break;
            case "/token" when HttpMethods.IsPost(context.Request.Method):
                var form = await context.Request.ReadFormAsync();
                var request = new TokenRequest(context.Request.Headers.Authorization.ToString(), form.ToDictionary(f => f.Key, f => f.Value.ToString()));
                tokenRequests.Enqueue(request);
                if (request.Code is { } code && idTokens.TryGetValue(code, out var idToken))
                    await Json(context, $$"""{"access_token":"opaque","token_type":"Bearer","expires_in":300,"id_token":"{{idToken}}"}""");
                else
                {
                    context.Response.StatusCode = 400;
                    await Json(context, """{"error":"invalid_grant"}""");
                }
                break;
            default:
                context.Response.StatusCode = 404;
                break;
        }
    }

    static string Jwk(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(false);
        return $$"""{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{key.KeyId}}","n":"{{Base64UrlEncoder.Encode(parameters.Modulus)}}","e":"{{Base64UrlEncoder.Encode(parameters.Exponent)}}"}""";
    }

    static Task Json(HttpContext context, string json)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json, Encoding.UTF8);
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        Key1.Rsa.Dispose();
        Key2.Rsa.Dispose();
    }
}
