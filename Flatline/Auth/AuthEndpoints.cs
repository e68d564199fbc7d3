using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

/// <summary>How the UI should sign in: <c>local</c> (password; <c>setup_required</c> until the owner
/// exists) or <c>oidc</c> (the provider's button).</summary>
public sealed record AuthConfig(string Mode, bool SetupRequired);

public sealed record SetupRequest(string? Token, string? Name, string? Password);

public sealed record LoginRequest(string? Name, string? Password);

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth").WithTags("Sign-in");
        auth.MapGet("/config", GetConfig).WithName("GetAuthConfig").WithSummary("How to sign in (local password or OIDC) and whether first-run setup is pending");
        auth.MapGet("/me", Me).WithName("GetCurrentUser").WithSummary("The signed-in user");
        auth.MapPost("/logout", Logout).WithName("Logout").WithSummary("End this session for good");
        auth.MapPost("/setup", Setup).WithName("SetupOwner").WithSummary("Local mode: create the owner with the one-time setup token");
        auth.MapPost("/login", Login).WithName("LoginWithPassword").WithSummary("Local mode: sign in with the owner's name and password");
        return app;
    }

    static AuthConfig GetConfig(Settings settings, LocalOwner owner) =>
        new(settings.OAuth is null ? "local" : "oidc", settings.OAuth is null && !owner.OwnerExists());

    static async Task<Results<Ok<SessionUser>, ProblemHttpResult>> Me(HttpContext context, Sessions sessions) =>
        await CurrentSession(context, sessions) is { } session ? TypedResults.Ok(session.User) : Unauthorized();

    static async Task<NoContent> Logout(HttpContext context, Sessions sessions)
    {
        if (await CurrentSession(context, sessions) is { } session) sessions.Revoke(session.Jti);
        sessions.ClearCookie(context.Response);
        return TypedResults.NoContent();
    }

    static Results<Created<SessionUser>, ValidationProblem, ProblemHttpResult> Setup(SetupRequest request, HttpContext context, Settings settings, LocalOwner owner, Sessions sessions)
    {
        if (settings.OAuth is not null) return Problems.Conflict("sign-in uses the OIDC provider; there is no local owner to set up");
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100) errors["name"] = ["is required and must be 1-100 characters"];
        if (request.Password is null || request.Password.Length < LocalOwner.MinPasswordLength || request.Password.Length > 1024)
            errors["password"] = [$"must be {LocalOwner.MinPasswordLength}-1024 characters"];
        if (string.IsNullOrEmpty(request.Token)) errors["token"] = ["is required: use the setup URL from Flatline's log"];
        if (errors.Count > 0) return Problems.Invalid(errors);

        var (outcome, key, id) = owner.CreateOwner(request.Token!, name!, request.Password!);
        if (outcome == LocalOwner.SetupOutcome.OwnerExists) return Problems.Conflict("the owner already exists; sign in instead");
        if (outcome == LocalOwner.SetupOutcome.BadToken) return Problems.Forbidden("the setup token is not valid; use the setup URL from Flatline's most recent start");
        var (token, expires) = sessions.Issue(key, id);
        sessions.SetCookie(context.Response, token, expires);
        return TypedResults.Created("/auth/me", sessions.User(key));
    }

    static Results<Ok<SessionUser>, ProblemHttpResult> Login(LoginRequest request, HttpContext context, Settings settings, LocalOwner owner,
        Sessions sessions, LoginThrottle throttle)
    {
        if (settings.OAuth is not null) return Problems.Conflict("sign-in uses the OIDC provider: open /auth/login");
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.Blocked(client) is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: 429, title: "Too Many Requests", detail: "too many failed sign-ins; try again later");
        }
        if (request.Name is not { Length: > 0 } name || request.Password is not { Length: > 0 } password || owner.Verify(name, password) is not { } user)
        {
            throttle.Failed(client);
            return TypedResults.Problem(statusCode: 401, title: "Unauthorized", detail: "wrong name or password");
        }
        throttle.Succeeded(client);
        var (token, expires) = sessions.Issue(user.Key, user.Id);
        sessions.SetCookie(context.Response, token, expires);
        return TypedResults.Ok(sessions.User(user.Key));
    }

    static ProblemHttpResult Unauthorized() => TypedResults.Problem(statusCode: 401, title: "Unauthorized", detail: "not signed in");

    internal static async Task<(SessionUser User, string Jti)?> CurrentSession(HttpContext context, Sessions sessions) =>
        context.Request.Cookies.TryGetValue(Sessions.CookieName, out var token) && !string.IsNullOrEmpty(token)
            ? await sessions.ValidateAsync(token) : null;
}

public static class AuthServices
{
    public static IServiceCollection AddAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiTokenStore>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<LocalOwner>();
        services.AddSingleton<LoginThrottle>();
        // Resolved only in OIDC mode, where /auth/login and /auth/callback are mapped.
        services.AddSingleton<Oidc>();
        services.AddSingleton<OidcLoginCookie>();
        services.AddSingleton<UsedLoginStates>();
        services.AddSingleton<OidcAccounts>();
        return services;
    }
}
