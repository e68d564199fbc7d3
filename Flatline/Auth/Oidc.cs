using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Flatline;

/// <summary>Who the provider says signed in.</summary>
public sealed record OidcIdentity(string Issuer, string Subject, string? Email, string? Name);

/// <summary>Why a sign-in with the provider failed: the HTTP status to answer and words for the user.</summary>
public sealed record OidcFailure(int Status, string Title, string Detail);

/// <summary>The OpenID provider as a client sees it: discovery and keys (cached, refreshed when a token
/// names a key we do not know), the authorization URL, the code exchange and ID-token validation.</summary>
public sealed class Oidc : IDisposable
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

    /// <summary>Trades the code for tokens at the token endpoint and returns the raw ID token.</summary>
    public async Task<(string? IdToken, OidcFailure? Failure)> ExchangeCodeAsync(OpenIdConnectConfiguration document, string code, string verifier, CancellationToken cancel)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", oauth.RedirectUrl.OriginalString),
            new("code_verifier", verifier),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, document.TokenEndpoint);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        // client_secret_basic unless the provider says it only takes client_secret_post (RFC 6749 §2.3.1:
        // both parts form-encoded before the Basic encoding).
        var methods = document.TokenEndpointAuthMethodsSupported;
        if (methods.Count > 0 && !methods.Contains("client_secret_basic") && methods.Contains("client_secret_post"))
        {
            form.Add(new("client_id", oauth.ClientId));
            form.Add(new("client_secret", oauth.ClientSecret));
        }
        else
        {
            var credentials = Uri.EscapeDataString(oauth.ClientId) + ":" + Uri.EscapeDataString(oauth.ClientSecret);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        request.Content = new FormUrlEncodedContent(form);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            OidcLog.ProviderUnreachable(logger, document.TokenEndpoint, e.Message);
            return (null, new OidcFailure(502, "Bad Gateway", "the sign-in provider's token endpoint cannot be reached; try signing in again"));
        }
        using (response)
        {
            JsonDocument? body = null;
            try
            {
                body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
            }
            catch (Exception e) when (e is JsonException or HttpRequestException or IOException)
            {
            }
            using (body)
            {
                var root = body?.RootElement;
                string? Text(string name) => root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                if (!response.IsSuccessStatusCode)
                {
                    // Usually invalid_grant: the code was used already, has expired, or the verifier does not match.
                    var error = Text("error") ?? $"HTTP {(int)response.StatusCode}";
                    var description = Text("error_description");
                    OidcLog.TokenRequestRefused(logger, error, description ?? "");
                    return (null, new OidcFailure(400, "Sign-in failed",
                        $"the sign-in provider refused the sign-in code ({error}{(description is null ? "" : ": " + Clip(description))}); it may have been used already or expired. Start again."));
                }
                if (Text("id_token") is not { Length: > 0 } idToken)
                    return (null, new OidcFailure(502, "Bad Gateway", "the sign-in provider's token response has no ID token"));
                return (idToken, null);
            }
        }
    }

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
        var email = Claim("email");
        return (new OidcIdentity(token.Issuer, token.Subject, email, Claim("name") ?? Claim("preferred_username") ?? email), null);
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

    [LoggerMessage(22, LogLevel.Warning, "The sign-in provider refused the code: {Error} {Description}")]
    public static partial void TokenRequestRefused(ILogger logger, string error, string description);

    [LoggerMessage(23, LogLevel.Warning, "Refused an ID token ({Kind}): {Reason}")]
    public static partial void IdTokenRefused(ILogger logger, string kind, string reason);

    [LoggerMessage(24, LogLevel.Information, "Sign-in refused for {Issuer} {Subject}: registration is closed")]
    public static partial void RegistrationClosed(ILogger logger, string issuer, string subject);
}
