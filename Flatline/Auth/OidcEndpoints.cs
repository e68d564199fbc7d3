using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Flatline;

/// <summary>A 303 See Other: after a sign-in step the browser goes on with a GET, whatever came before.</summary>
public sealed class SeeOther(string location) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public string Location => location;
    public int? StatusCode => StatusCodes.Status303SeeOther;

    public Task ExecuteAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    }

    public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status303SeeOther, typeof(void)));
}

/// <summary>Sign-in with the OpenID provider (when <c>OAUTH_*</c> are set): the authorization-code flow
/// with PKCE, and the callback that makes the first account the owner and refuses any other.</summary>
public static class OidcEndpoints
{
    public static IEndpointRouteBuilder MapOidc(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth").WithTags("Sign-in");
        auth.MapGet("/login", StartLogin).WithName("StartOidcLogin").WithSummary("OIDC mode: go to the provider to sign in");
        auth.MapGet("/callback", Callback).WithName("OidcCallback").WithSummary("OIDC mode: where the provider sends the browser back");
        return app;
    }

    static async Task<Results<SeeOther, ContentHttpResult, ProblemHttpResult>> StartLogin(HttpContext context, Oidc oidc, OidcLoginCookie loginCookie)
    {
        context.Response.Headers.CacheControl = "no-store";
        var (document, failure) = await oidc.GetConfigurationAsync(context.RequestAborted);
        if (document is null) return Fail(context, failure!);
        return new SeeOther(oidc.AuthorizationUrl(document, loginCookie.Start(context.Response)));
    }

    static async Task<Results<SeeOther, ContentHttpResult, ProblemHttpResult>> Callback(
        string? code, string? state, string? iss, string? error, [FromQuery(Name = "error_description")] string? errorDescription,
        HttpContext context, Oidc oidc, OidcLoginCookie loginCookie, UsedLoginStates usedStates, OidcAccounts accounts, Sessions sessions,
        ILogger<Oidc> logger)
    {
        // The query holds the code: keep it out of any Referer, caches and history snapshots.
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers.CacheControl = "no-store";
        var login = await loginCookie.TakeAsync(context);

        if (!string.IsNullOrEmpty(error))
        {
            var what = error == "access_denied" ? "sign-in was cancelled or refused at the provider" : "the sign-in provider reported an error";
            var detail = $"{what} ({Clip(error)}{(string.IsNullOrEmpty(errorDescription) ? "" : ": " + Clip(errorDescription))})";
            return Fail(context, new OidcFailure(error == "access_denied" ? 403 : 400, "Sign-in failed", detail));
        }
        if (login is null)
            return Fail(context, new OidcFailure(400, "Sign-in failed", "this sign-in has expired or was started in another browser; start again"));
        if (string.IsNullOrEmpty(state) || !Oidc.FixedTimeEquals(state, login.State))
            return Fail(context, new OidcFailure(400, "Sign-in failed", "the sign-in state does not match the one this browser started; start again"));
        if (!usedStates.TryUse(login))
            return Fail(context, new OidcFailure(400, "Sign-in failed", "this sign-in's state has been used already (each sign-in returns once); start again"));
        if (string.IsNullOrEmpty(code))
            return Fail(context, new OidcFailure(400, "Sign-in failed", "the sign-in provider sent no code"));

        var (document, unavailable) = await oidc.GetConfigurationAsync(context.RequestAborted);
        if (document is null) return Fail(context, unavailable!);
        // RFC 9207: a provider that names itself in the response must be the one we sent the browser to.
        if (iss is not null && iss != document.Issuer)
            return Fail(context, new OidcFailure(400, "Sign-in failed", "the response came from another issuer than the one this sign-in went to"));

        var (tokens, refused) = await oidc.ExchangeCodeAsync(document, code, login.Verifier, context.RequestAborted);
        if (tokens is null) return Fail(context, refused!);
        var (identity, invalid) = await oidc.ValidateIdTokenAsync(document, tokens.IdToken, login.Nonce, context.RequestAborted);
        if (identity is null) return Fail(context, invalid!);
        identity = await oidc.CompleteFromUserInfoAsync(document, identity, tokens.AccessToken, context.RequestAborted);

        if (accounts.SignIn(identity) is not { } account)
        {
            OidcLog.RegistrationClosed(logger, identity.Issuer, identity.Subject);
            return Fail(context, new OidcFailure(403, "Forbidden", "registration is closed: this Flatline already has its owner"));
        }
        var (token, expires) = sessions.Issue(account.Key, account.Id);
        sessions.SetCookie(context.Response, token, expires);
        return new SeeOther("/");
    }

    /// <summary>A page for a browser, problem JSON for anything else (by the Accept header).</summary>
    static Results<SeeOther, ContentHttpResult, ProblemHttpResult> Fail(HttpContext context, OidcFailure failure)
    {
        if (failure.Status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = "30";
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
            return TypedResults.Content(Page(failure), "text/html; charset=utf-8", statusCode: failure.Status);
        return TypedResults.Problem(statusCode: failure.Status, title: failure.Title, detail: failure.Detail);
    }

    // No script and no inline style: the strict CSP applies here too.
    static string Page(OidcFailure failure) => $"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{WebUtility.HtmlEncode(failure.Title)} · Flatline</title></head>
        <body>
        <main>
        <h1>{WebUtility.HtmlEncode(failure.Title)}</h1>
        <p>{WebUtility.HtmlEncode(Capitalize(failure.Detail))}.</p>
        <p><a href="/auth/login">Sign in again</a> · <a href="/">Back to Flatline</a></p>
        </main>
        </body>
        </html>
        """;

    static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].TrimEnd('.');

    static string Clip(string text) => text.Length > 200 ? text[..200] : text;
}
