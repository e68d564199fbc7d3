namespace Flatline;

/// <summary>Refuses cross-site writes: an unsafe request that carries the session cookie, or goes to
/// <c>/auth/*</c>, must come from this site (by <c>Origin</c> and <c>Sec-Fetch-Site</c>). With the cookie
/// and neither header it is refused too: every browser Flatline's page runs in sends <c>Origin</c> on a
/// POST, PATCH or DELETE fetch, so a request without it is one nobody can vouch for. Scripts with a bearer
/// token are not browsers and are not checked (a page on another site cannot add that header).</summary>
public static class CsrfGuard
{
    const string CrossSite = "cross-site requests are refused";

    public static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    /// <summary>Null when the request may go on, else why not.</summary>
    public static string? Check(HttpContext context)
    {
        var request = context.Request;
        if (IsSafe(request.Method)) return null;
        var withCookie = request.Cookies.ContainsKey(Sessions.CookieName)
            && !request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if (!withCookie && !request.Path.StartsWithSegments("/auth")) return null;

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site") return CrossSite;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            if (origin == "null" || !Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return CrossSite;
            var settings = context.RequestServices.GetRequiredService<Settings>();
            var expected = settings.PublicUrl is { } publicUrl ? publicUrl.Authority : request.Host.Value;
            if (!string.Equals(uri.Authority, expected, StringComparison.OrdinalIgnoreCase)) return CrossSite;
            return null;
        }
        if (site == "same-origin") return null;
        // No word from the browser on where the request comes from: a signed-in write must say.
        // Without the cookie (a script signing in with a password) there is no session to misuse.
        return withCookie ? "cross-site requests are refused: a request with the session cookie must carry Origin or Sec-Fetch-Site" : null;
    }
}
