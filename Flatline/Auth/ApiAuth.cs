namespace Flatline;

/// <summary>Who is calling the API: an API token or a signed-in user.</summary>
public sealed record Caller(string Kind, string Id, string? Name, bool ReadOnly);

/// <summary>Route metadata: the route needs a caller, a signed-in user or an API token.</summary>
public sealed class CallerRequired
{
    public static readonly CallerRequired Instance = new();
}

/// <summary>Guards the routes whose group says <see cref="RequireCaller{TBuilder}"/>: 401 without valid
/// credentials, 403 for a read-only token on an unsafe method. Every other route is public, and
/// says so by its group; no path decides.</summary>
public static class ApiAuth
{
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(CallerRequired.Instance);

    /// <summary>Runs after routing, so that the matched endpoint's metadata is known.</summary>
    public static IApplicationBuilder UseApiAuth(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (CsrfGuard.Check(context) is { } refusal)
        {
            await WriteProblem(context, 403, "Forbidden", refusal);
            return;
        }
        if (context.GetEndpoint()?.Metadata.GetMetadata<CallerRequired>() is null)
        {
            await next(context);
            return;
        }

        if (AgentTokenRefusal(context) is { } agentRefusal)
        {
            await WriteProblem(context, 403, "Forbidden", agentRefusal);
            return;
        }
        var caller = await AuthenticateAsync(context);
        if (caller is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteProblem(context, 401, "Unauthorized", "sign in, or send an API token as 'Authorization: Bearer <token>'");
            return;
        }
        if (caller.ReadOnly && !CsrfGuard.IsSafe(context.Request.Method))
        {
            await WriteProblem(context, 403, "Forbidden", "this API token is read-only");
            return;
        }
        await next(context);
    });

    /// <summary>A valid agent token reaches its location's agent routes and nothing else: 403 here, so
    /// that a stolen one can tell its owner nothing and write nothing.</summary>
    static string? AgentTokenRefusal(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !LocationRegistry.LooksLikeAgentToken(header[7..].Trim())) return null;
        return context.RequestServices.GetRequiredService<LocationRegistry>().Authenticate(header[7..].Trim()) is null
            ? null : "an agent token can only pull and push for its own location";
    }

    static async Task<Caller?> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var tokens = context.RequestServices.GetRequiredService<ApiTokenStore>();
            var token = tokens.Authenticate(header[7..].Trim());
            return token is null ? null : new Caller("token", token.Id, token.Name, token.ReadOnly);
        }
        if (await AuthEndpoints.CurrentSession(context, context.RequestServices.GetRequiredService<Sessions>()) is { } session)
            return new Caller("session", session.User.Id, session.User.Name, ReadOnly: false);
        return null;
    }

    static async Task WriteProblem(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
