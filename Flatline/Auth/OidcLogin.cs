using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flatline;

/// <summary>One sign-in in progress: the state, nonce and PKCE verifier sent with the browser to the
/// provider, and when its cookie expires.</summary>
public sealed record OidcLoginState(string State, string Nonce, string Verifier, DateTimeOffset Expires)
{
    public static OidcLoginState New(DateTimeOffset expires) => new(Random(), Random(), Random(), expires);

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

    /// <summary>Starts a sign-in: a new state, nonce and verifier, in a cookie that expires in <see cref="Lifetime"/>.</summary>
    public OidcLoginState Start(HttpResponse response)
    {
        var now = time.GetUtcNow();
        // Whole seconds, as the token's exp holds them: the state is forgotten as its cookie expires.
        var login = OidcLoginState.New(DateTimeOffset.FromUnixTimeSeconds((now + Lifetime).ToUnixTimeSeconds()));
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Sessions.Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            Expires = login.Expires.UtcDateTime,
            Claims = new Dictionary<string, object> { ["state"] = login.State, ["nonce"] = login.Nonce, ["verifier"] = login.Verifier },
            SigningCredentials = new SigningCredentials(sessions.Key, SecurityAlgorithms.HmacSha256),
        });
        response.Cookies.Append(CookieName, token, Options(login.Expires));
        return login;
    }

    /// <summary>The sign-in this browser started, if its cookie is there, intact and not expired; the cookie is
    /// deleted either way. A copy of the cookie could come back: <see cref="UsedLoginStates"/> refuses it.</summary>
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
            ? new OidcLoginState(state, nonce, verifier, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero)) : null;
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

/// <summary>The states of sign-ins that reached the callback, until their cookies expire: a copy of the
/// login cookie replayed with its callback URL is refused here, whether or not the provider would take
/// the code twice. Bounded: at <see cref="Capacity"/> the state closest to expiry is forgotten first.</summary>
public sealed class UsedLoginStates(TimeProvider time)
{
    public const int Capacity = 10_000;

    readonly Lock gate = new();
    readonly HashSet<string> used = new(StringComparer.Ordinal);
    readonly PriorityQueue<string, DateTimeOffset> byExpiry = new();

    /// <summary>Marks the sign-in's state used; false when it was used already.</summary>
    public bool TryUse(OidcLoginState login)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            while (byExpiry.TryPeek(out var state, out var expires) && expires <= now)
            {
                byExpiry.Dequeue();
                used.Remove(state);
            }
            if (used.Contains(login.State)) return false;
            while (used.Count >= Capacity && byExpiry.TryDequeue(out var oldest, out _)) used.Remove(oldest);
            used.Add(login.State);
            byExpiry.Enqueue(login.State, login.Expires);
            return true;
        }
    }

    public int Count
    {
        get { lock (gate) return used.Count; }
    }
}
