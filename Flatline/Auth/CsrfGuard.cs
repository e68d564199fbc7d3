namespace Flatline;

/// <summary>Refuses cross-site writes: an unsafe request that carries the session cookie, or goes to
/// <c>/auth/*</c>, must come from this site (by <c>Origin</c> and <c>Sec-Fetch-Site</c>). Scripts with a
/// bearer token and no cookie are not browsers and are not checked.</summary>
public static class CsrfGuard
{
    public static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    /// <summary>Null when the request may go on, else why not.</summary>
    public static string? Check(HttpContext context)
    {
        var request = context.Request;
        if (IsSafe(request.Method)) return null;
        if (!request.Cookies.ContainsKey(Sessions.CookieName) && !request.Path.StartsWithSegments("/auth")) return null;

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site") return "cross-site requests are refused";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            if (origin == "null" || !Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return "cross-site requests are refused";
            var settings = context.RequestServices.GetRequiredService<Settings>();
            var expected = settings.PublicUrl is { } publicUrl ? publicUrl.Authority : request.Host.Value;
            if (!string.Equals(uri.Authority, expected, StringComparison.OrdinalIgnoreCase)) return "cross-site requests are refused";
        }
        return null;
    }
}
