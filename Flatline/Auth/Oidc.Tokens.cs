using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Flatline;

/// <summary>What the token endpoint gave for the code.</summary>
public sealed record OidcTokens(string IdToken, string? AccessToken);

/// <summary>The code exchange, with the client authentication the provider takes, and the userinfo
/// endpoint for the claims an ID token leaves out.</summary>
public sealed partial class Oidc
{
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";

    // In auto mode, the method the provider took after refusing the first: later sign-ins send it first.
    volatile string? acceptedMethod;

    /// <summary>The client authentication methods to try at the token endpoint, in order: the one
    /// OAUTH_TOKEN_AUTH forces, or those discovery offers, client_secret_basic first (the default of
    /// OpenID Connect Discovery when the provider lists none).</summary>
    public IReadOnlyList<string> TokenAuthMethods(OpenIdConnectConfiguration document)
    {
        if (oauth.TokenAuth == TokenEndpointAuth.Basic) return [ClientSecretBasic];
        if (oauth.TokenAuth == TokenEndpointAuth.Post) return [ClientSecretPost];
        var offered = document.TokenEndpointAuthMethodsSupported;
        var methods = new List<string>(2);
        if (offered.Count == 0 || offered.Contains(ClientSecretBasic)) methods.Add(ClientSecretBasic);
        if (offered.Contains(ClientSecretPost)) methods.Add(ClientSecretPost);
        // Neither is offered (private_key_jwt only, say): basic, and the refusal says what was sent.
        if (methods.Count == 0) methods.Add(ClientSecretBasic);
        if (acceptedMethod is { } accepted && methods.Remove(accepted)) methods.Insert(0, accepted);
        return methods;
    }

    /// <summary>Trades the code for tokens at the token endpoint. In auto mode a provider that refuses
    /// the client (<c>invalid_client</c>) with one method discovery offers is asked with the other: it
    /// authenticates the client before it looks at the code, so the code is still good.</summary>
    public async Task<(OidcTokens? Tokens, OidcFailure? Failure)> ExchangeCodeAsync(OpenIdConnectConfiguration document, string code, string verifier, CancellationToken cancel)
    {
        var methods = TokenAuthMethods(document);
        for (var attempt = 0; ; attempt++)
        {
            var method = methods[attempt];
            var answer = await RequestTokensAsync(document, code, verifier, method, cancel);
            if (answer.Unreachable is { } unreachable) return (null, unreachable);
            if (answer.Success)
            {
                if (answer.IdToken is not { Length: > 0 } idToken)
                    return (null, new OidcFailure(502, "Bad Gateway", "the sign-in provider's token response has no ID token"));
                if (attempt > 0 && acceptedMethod != method)
                {
                    acceptedMethod = method;
                    OidcLog.ClientMethodFound(logger, string.Join(", ", methods.Take(attempt)), method);
                }
                return (new OidcTokens(idToken, answer.AccessToken), null);
            }

            var error = answer.Error ?? $"HTTP {answer.Status}";
            var description = answer.Description ?? "";
            var badClient = answer.Error == "invalid_client" || answer.Status == 401;
            if (badClient && attempt + 1 < methods.Count) continue;
            if (badClient || answer.Error == "unauthorized_client" || answer.Status == 403)
            {
                OidcLog.ClientRefused(logger, answer.Status, method, error, description);
                var sent = string.Join(" and then ", methods.Take(attempt + 1));
                return (null, new OidcFailure(502, "Sign-in failed",
                    $"the sign-in provider refused Flatline's client credentials ({error}{(description.Length == 0 ? "" : ": " + Clip(description))}); " +
                    $"Flatline sent {sent}. Check OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET and OAUTH_TOKEN_AUTH against the client registered at the provider"));
            }
            // Usually invalid_grant: the code was used already, has expired, or the verifier does not match.
            OidcLog.TokenRequestRefused(logger, answer.Status, error, description);
            return (null, new OidcFailure(400, "Sign-in failed",
                $"the sign-in provider refused the sign-in code ({error}{(description.Length == 0 ? "" : ": " + Clip(description))}); it may have been used already or expired. Start again."));
        }
    }

    /// <summary>One answer of the token endpoint: tokens, an OAuth error, or no answer at all.</summary>
    sealed record TokenAnswer(int Status, string? IdToken = null, string? AccessToken = null, string? Error = null,
        string? Description = null, OidcFailure? Unreachable = null)
    {
        public bool Success => Status is >= 200 and < 300;
    }

    async Task<TokenAnswer> RequestTokensAsync(OpenIdConnectConfiguration document, string code, string verifier, string method, CancellationToken cancel)
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
        if (method == ClientSecretPost)
        {
            form.Add(new("client_id", oauth.ClientId));
            form.Add(new("client_secret", oauth.ClientSecret));
        }
        else
        {
            // RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding.
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
            return new TokenAnswer(0, Unreachable: new OidcFailure(502, "Bad Gateway", "the sign-in provider's token endpoint cannot be reached; try signing in again"));
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            using var body = await ReadJsonAsync(response, cancel);
            var root = body?.RootElement;
            return new TokenAnswer(status, Text(root, "id_token"), Text(root, "access_token"),
                Text(root, "error") is { } error ? WithoutSecret(error) : null,
                Text(root, "error_description") is { } description ? WithoutSecret(description) : null);
        }
    }

    /// <summary>The identity with the email and names its ID token lacks read from the provider's userinfo
    /// endpoint (OpenID Connect Core §5.3), where many providers put them by default. The sign-in is valid
    /// without them: when there is no endpoint or it does not answer well, the identity stays as it was.</summary>
    public async Task<OidcIdentity> CompleteFromUserInfoAsync(OpenIdConnectConfiguration document, OidcIdentity identity, string? accessToken, CancellationToken cancel)
    {
        if (identity is { Email: not null, Name: not null }) return identity;
        if (string.IsNullOrEmpty(document.UserInfoEndpoint) || string.IsNullOrEmpty(accessToken))
        {
            if (identity.Email is null && identity.DisplayName is null)
                OidcLog.UserInfoUnavailable(logger, string.IsNullOrEmpty(accessToken) ? "the token response has no access token" : "the provider has no userinfo endpoint");
            return identity;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, document.UserInfoEndpoint);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await http.SendAsync(request, cancel);
            if (!response.IsSuccessStatusCode)
            {
                OidcLog.UserInfoUnavailable(logger, $"HTTP {(int)response.StatusCode}");
                return identity;
            }
            // A signed or encrypted answer (application/jwt) is a registration option Flatline does not ask for.
            using var body = await ReadJsonAsync(response, cancel);
            if (body?.RootElement is not { ValueKind: JsonValueKind.Object } root)
            {
                OidcLog.UserInfoUnavailable(logger, $"the answer is not a JSON object ({response.Content.Headers.ContentType?.MediaType})");
                return identity;
            }
            // §5.3.2: an answer about another subject must not be used.
            if (Text(root, "sub") != identity.Subject)
            {
                OidcLog.UserInfoUnavailable(logger, "the answer is about another subject than the ID token's");
                return identity;
            }
            string? Claim(string name) => Text(root, name) is { Length: > 0 } value ? Clip(value) : null;
            return identity with
            {
                Email = identity.Email ?? Claim("email"),
                Name = identity.Name ?? Claim("name"),
                PreferredUsername = identity.PreferredUsername ?? Claim("preferred_username"),
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            OidcLog.UserInfoUnavailable(logger, e.Message);
            return identity;
        }
    }

    /// <summary>The body as JSON, or null when it is not JSON (an HTML error page, say).</summary>
    static async Task<JsonDocument?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        try
        {
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or IOException)
        {
            return null;
        }
    }

    static string? Text(JsonElement? root, string name) =>
        root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>What the provider says, without the client secret should it echo it back.</summary>
    string WithoutSecret(string text) =>
        oauth.ClientSecret.Length >= 8 ? text.Replace(oauth.ClientSecret, "[client secret]", StringComparison.Ordinal) : text;
}
