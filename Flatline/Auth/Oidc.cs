using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Flatline;

/// <summary>Who the provider says signed in: the ID token's claims, completed from the userinfo endpoint.</summary>
public sealed record OidcIdentity(string Issuer, string Subject, string? Email, string? Name, string? PreferredUsername)
{
    /// <summary>The name to show: the person's name, else their user name at the provider. Never an id.</summary>
    public string? DisplayName => Name ?? PreferredUsername;
}

/// <summary>Why a sign-in with the provider failed: the HTTP status to answer and words for the user.</summary>
public sealed record OidcFailure(int Status, string Title, string Detail);

/// <summary>The OpenID provider as a client sees it: discovery and keys (cached, refreshed when a token
/// names a key we do not know), the authorization URL and ID-token validation; the code exchange and
/// userinfo are in Oidc.Tokens.cs.</summary>
public sealed partial class Oidc : IDisposable
{
    /// <summary>Asymmetric algorithms only: never <c>none</c>, never HS* (the client secret is no key).</summary>
    public static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384,
    ];
    public const string Scope = "openid email profile";
    static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);
    static readonly TimeSpan KeyRefreshInterval = TimeSpan.FromSeconds(30);

    readonly OAuthSettings oauth;
    readonly TimeProvider time;
    readonly ILogger<Oidc> logger;
    readonly HttpClient http;
    readonly JsonWebTokenHandler handler = new();
    readonly SemaphoreSlim refreshLock = new(1, 1);
    volatile ConfigurationManager<OpenIdConnectConfiguration> configuration;
    DateTimeOffset lastKeyRefresh = DateTimeOffset.MinValue;

    public Oidc(Settings settings, TimeProvider time, ILogger<Oidc> logger)
    {
        oauth = settings.OAuth ?? throw new InvalidOperationException("OIDC is not configured");
        this.time = time;
        this.logger = logger;
        http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = TimeSpan.FromSeconds(15),
            MaxResponseContentBufferSize = 1024 * 1024,
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Flatline", FlatlineApp.Version));
        configuration = NewConfigurationManager();
    }

    ConfigurationManager<OpenIdConnectConfiguration> NewConfigurationManager() => new(
        IssuerText.TrimEnd('/') + "/.well-known/openid-configuration",
        new OpenIdConnectConfigurationRetriever(),
        // An http issuer is the operator's explicit choice (a provider on the same host or LAN).
        new HttpDocumentRetriever(http) { RequireHttps = oauth.IssuerUrl.Scheme == Uri.UriSchemeHttps })
    {
        // The ceiling of the retry back-off while the provider is down at start-up.
        RefreshInterval = KeyRefreshInterval,
    };

    /// <summary>The issuer as the operator wrote it: <see cref="Uri"/> would add a trailing slash.</summary>
    string IssuerText => oauth.IssuerUrl.OriginalString;

    /// <summary>The provider's discovery document and keys, or a failure saying why they cannot be had.</summary>
    public async Task<(OpenIdConnectConfiguration? Configuration, OidcFailure? Failure)> GetConfigurationAsync(CancellationToken cancel)
    {
        OpenIdConnectConfiguration document;
        try
        {
            document = await configuration.GetConfigurationAsync(cancel);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException)
        {
            OidcLog.ProviderUnreachable(logger, IssuerText, e.InnerException?.Message ?? e.Message);
            return (null, Unavailable($"the sign-in provider at {IssuerText} cannot be reached; try again in a minute"));
        }
        return Check(document) is { } failure ? (null, failure) : (document, null);
    }

    OidcFailure? Check(OpenIdConnectConfiguration document)
    {
        if (!string.Equals(document.Issuer?.TrimEnd('/'), IssuerText.TrimEnd('/'), StringComparison.Ordinal))
            return Unavailable($"the sign-in provider's discovery document names the issuer '{document.Issuer}', not '{IssuerText}' (check OAUTH_ISSUER_URL)");
        if (string.IsNullOrEmpty(document.AuthorizationEndpoint) || string.IsNullOrEmpty(document.TokenEndpoint))
            return Unavailable("the sign-in provider's discovery document has no authorization or token endpoint");
        return null;
    }

    /// <summary>Fetches discovery and keys afresh for a token whose key id we do not know (the provider
    /// has rotated its keys), at most once per <see cref="KeyRefreshInterval"/>; null when nothing new
    /// could be had, and the keys we have stay in use.</summary>
    /// <remarks>A new manager rather than <c>RequestRefresh</c>: that one refreshes on a background task
    /// unless a process-wide switch was set before IdentityModel first read it, so a retry right after
    /// it would still see the old keys.</remarks>
    async Task<OpenIdConnectConfiguration?> RefreshKeysAsync(string kid, CancellationToken cancel)
    {
        await refreshLock.WaitAsync(cancel);
        try
        {
            // Another sign-in may have fetched them meanwhile.
            if (await GetConfigurationAsync(cancel) is ({ } latest, _) && latest.SigningKeys.Any(k => k.KeyId == kid)) return latest;
            var now = time.GetUtcNow();
            if (now - lastKeyRefresh < KeyRefreshInterval) return null;
            lastKeyRefresh = now;
            var fresh = NewConfigurationManager();
            var document = await fresh.GetConfigurationAsync(cancel);
            if (Check(document) is not null) return null;
            configuration = fresh;
            return document;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException)
        {
            OidcLog.ProviderUnreachable(logger, IssuerText, e.InnerException?.Message ?? e.Message);
            return null;
        }
        finally
        {
            refreshLock.Release();
        }
    }

    /// <summary>Fetches discovery and keys once at start-up, so a misconfiguration shows in the log early.
    /// A provider that is down does not stop Flatline.</summary>
    public async Task WarmUpAsync()
    {
        if ((await GetConfigurationAsync(CancellationToken.None)).Failure is { } failure)
            OidcLog.NotReadyAtStart(logger, failure.Detail);
    }

    /// <summary>Where to send the browser: the authorization-code request with PKCE (S256), state and nonce.</summary>
    public string AuthorizationUrl(OpenIdConnectConfiguration document, OidcLoginState login)
    {
        var endpoint = document.AuthorizationEndpoint;
        var query = new StringBuilder(endpoint).Append(endpoint.Contains('?') ? '&' : '?');
        void Add(string name, string value) => query.Append(name).Append('=').Append(Uri.EscapeDataString(value)).Append('&');
        Add("response_type", "code");
        Add("client_id", oauth.ClientId);
        Add("redirect_uri", oauth.RedirectUrl.OriginalString);
        Add("scope", Scope);
        Add("state", login.State);
        Add("nonce", login.Nonce);
        Add("code_challenge", CodeChallenge(login.Verifier));
        Add("code_challenge_method", "S256");
        return query.ToString(0, query.Length - 1);
    }

    public static string CodeChallenge(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>Validates the ID token: signature by the provider's keys (refreshed once for an unknown
    /// key id), allowed algorithm, exact issuer, audience, expiry, issued-at, nonce, and azp when present.</summary>
    public async Task<(OidcIdentity? Identity, OidcFailure? Failure)> ValidateIdTokenAsync(OpenIdConnectConfiguration document, string idToken, string nonce, CancellationToken cancel)
    {
        JsonWebToken unverified;
        try
        {
            unverified = new JsonWebToken(idToken);
        }
        catch (ArgumentException)
        {
            return (null, Refused("it is not a JWT"));
        }
        if (unverified.Kid is { Length: > 0 } kid && !document.SigningKeys.Any(k => k.KeyId == kid))
        {
            // The provider has rotated its keys since we last fetched them.
            if (await RefreshKeysAsync(kid, cancel) is { } refreshed) document = refreshed;
        }

        var keys = document.SigningKeys.ToList();
        var result = await handler.ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = document.Issuer,
            ValidAudience = oauth.ClientId,
            ValidAlgorithms = Algorithms,
            // A token without a kid is accepted only when the provider has a single key: never try them all.
            IssuerSigningKeyResolver = (_, _, keyId, _) => string.IsNullOrEmpty(keyId)
                ? keys.Count == 1 ? keys : []
                : keys.Where(k => k.KeyId == keyId),
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            RequireAudience = true,
            // Exactly our client id: IdentityModel would otherwise also take it with a trailing slash.
            IgnoreTrailingSlashWhenValidatingAudience = false,
            ClockSkew = ClockSkew,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } e && e > now - ClockSkew && (notBefore is not { } n || n <= now + ClockSkew);
            },
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
        {
            OidcLog.IdTokenRefused(logger, result.Exception?.GetType().Name ?? "unknown", result.Exception?.Message ?? "");
            return (null, Refused(result.Exception switch
            {
                SecurityTokenExpiredException => "it has expired",
                SecurityTokenInvalidLifetimeException => "it has expired or is not valid yet",
                SecurityTokenNoExpirationException => "it has no expiry",
                SecurityTokenInvalidIssuerException => "it was issued by someone else",
                SecurityTokenInvalidAudienceException => "it is meant for another client",
                SecurityTokenInvalidAlgorithmException => "its signing algorithm is not allowed",
                SecurityTokenSignatureKeyNotFoundException => "it is not signed with one of the provider's keys",
                SecurityTokenInvalidSignatureException => "its signature does not verify",
                _ => "it is not valid",
            }));
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (token.IssuedAt == DateTime.MinValue) return (null, Refused("it has no issued-at time"));
        if (token.IssuedAt > now + ClockSkew) return (null, Refused("it was issued in the future"));
        if (!token.TryGetClaim("nonce", out var nonceClaim) || !FixedTimeEquals(nonceClaim.Value, nonce))
            return (null, Refused("its nonce does not match this sign-in"));
        if (token.TryGetClaim("azp", out var azp) && azp.Value != oauth.ClientId)
            return (null, Refused("it was issued to another client (azp)"));
        if (string.IsNullOrEmpty(token.Subject)) return (null, Refused("it names no subject"));

        string? Claim(string type) => token.TryGetClaim(type, out var claim) && claim.Value.Length > 0 ? Clip(claim.Value) : null;
        return (new OidcIdentity(token.Issuer, token.Subject, Claim("email"), Claim("name"), Claim("preferred_username")), null);
    }

    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    static OidcFailure Unavailable(string detail) => new(503, "Service Unavailable", detail);

    static OidcFailure Refused(string why) => new(400, "Sign-in failed", $"the sign-in provider's ID token was refused: {why}");

    static string Clip(string text) => text.Length > 200 ? text[..200] : text;

    public void Dispose()
    {
        http.Dispose();
        refreshLock.Dispose();
    }
}

static partial class OidcLog
{
    [LoggerMessage(20, LogLevel.Warning, "Sign-in provider {Address} cannot be reached: {Reason}")]
    public static partial void ProviderUnreachable(ILogger logger, string address, string reason);

    [LoggerMessage(21, LogLevel.Warning, "Sign-in is not ready yet: {Reason}")]
    public static partial void NotReadyAtStart(ILogger logger, string reason);

    [LoggerMessage(22, LogLevel.Warning, "The sign-in provider refused the code (HTTP {Status}): {Error} {Description}")]
    public static partial void TokenRequestRefused(ILogger logger, int status, string error, string description);

    [LoggerMessage(23, LogLevel.Warning, "Refused an ID token ({Kind}): {Reason}")]
    public static partial void IdTokenRefused(ILogger logger, string kind, string reason);

    [LoggerMessage(24, LogLevel.Information, "Sign-in refused for {Issuer} {Subject}: registration is closed")]
    public static partial void RegistrationClosed(ILogger logger, string issuer, string subject);

    [LoggerMessage(25, LogLevel.Warning, "The sign-in provider's token endpoint refused Flatline's client credentials (HTTP {Status}, sent as {Method}): {Error} {Description}")]
    public static partial void ClientRefused(ILogger logger, int status, string method, string error, string description);

    [LoggerMessage(26, LogLevel.Information, "The sign-in provider refused {Refused} and took {Method}, which Flatline sends first from now on (OAUTH_TOKEN_AUTH can force it)")]
    public static partial void ClientMethodFound(ILogger logger, string refused, string method);

    [LoggerMessage(27, LogLevel.Warning, "The ID token has no email or name and the provider's userinfo endpoint gave none: {Reason}")]
    public static partial void UserInfoUnavailable(ILogger logger, string reason);
}
