using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flatline;

/// <summary>One sign-in in progress: the state, nonce and PKCE verifier sent with the browser to the provider.</summary>
public sealed record OidcLoginState(string State, string Nonce, string Verifier)
{
    public static OidcLoginState New() => new(Random(), Random(), Random());

    static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
}

/// <summary>Keeps the sign-in in progress in a short-lived, signed, HttpOnly cookie in the browser that
/// started it, so nothing is held server-side for sign-ins that are never finished.</summary>
public sealed class OidcLoginCookie(Sessions sessions, Settings settings, TimeProvider time)
{
    public const string CookieName = "flatline_login";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    // Signed with the session key but for another audience, so neither token passes for the other.
    const string Audience = "flatline-login";

    readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public void Set(HttpResponse response, OidcLoginState login)
    {
        var now = time.GetUtcNow();
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Sessions.Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            Claims = new Dictionary<string, object> { ["state"] = login.State, ["nonce"] = login.Nonce, ["verifier"] = login.Verifier },
            SigningCredentials = new SigningCredentials(sessions.Key, SecurityAlgorithms.HmacSha256),
        });
        response.Cookies.Append(CookieName, token, Options(now + Lifetime));
    }

    /// <summary>The sign-in this browser started, if its cookie is there, intact and not expired; the cookie is
    /// deleted either way, so a state is good for one callback only.</summary>
    public async Task<OidcLoginState?> TakeAsync(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var token) || string.IsNullOrEmpty(token)) return null;
        context.Response.Cookies.Delete(CookieName, Options(null));
        var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Sessions.Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = sessions.Key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            LifetimeValidator = (_, expires, _, _) => expires is { } e && e > time.GetUtcNow().UtcDateTime,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return null;
        string? Get(string name) => jwt.TryGetClaim(name, out var claim) && claim.Value.Length > 0 ? claim.Value : null;
        return Get("state") is { } state && Get("nonce") is { } nonce && Get("verifier") is { } verifier
            ? new OidcLoginState(state, nonce, verifier) : null;
    }

    // Path /auth: the cookie goes only to the callback (and the login route), not to every request.
    CookieOptions Options(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = settings.PublicUrl?.Scheme == "https" || settings.OAuth?.RedirectUrl.Scheme == "https",
        Path = "/auth",
        Expires = expires,
        IsEssential = true,
    };
}
