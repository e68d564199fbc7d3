using System.Globalization;
using System.Text;

namespace Flatline;

/// <summary>The page's stylesheet and script, embedded and served from memory.</summary>
public sealed class StatusPageAssets
{
    public const string StylePath = "/status/_/page.css";
    public const string ScriptPath = "/status/_/page.js";

    public UiAssets.Asset Style { get; } = StatusPageCache.Compressed("text/css; charset=utf-8", EmbeddedFiles.Read("status/page.css"));
    public UiAssets.Asset Script { get; } = StatusPageCache.Compressed("text/javascript; charset=utf-8", EmbeddedFiles.Read("status/page.js"));
}

/// <summary>The public side of status pages: <c>/status/{slug}</c> (and <c>/</c> on a page's custom
/// domain), its password form, summary.json and feed.atom. Public by their own group, rate-limited
/// per address; an unknown slug, and anything the page does not publish, is the same 404.</summary>
public static class PublicStatusEndpoints
{
    const string CustomDomainKey = "flatline.status.custom-domain";

    /// <summary>Every public read answers HEAD as it answers GET, without the body (monitoring and link
    /// checkers ask HEAD); the OpenAPI document lists the HEAD operations apart (<c>…Head</c>).</summary>
    internal static readonly string[] GetAndHead = ["GET", "HEAD"];

    /// <summary>On a page's custom domain, <c>/</c>, <c>/summary.json</c> and <c>/feed.atom</c> are that
    /// page's; every other path, and every other host, goes on to the app as usual.</summary>
    public static IApplicationBuilder UseStatusPageDomains(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var path = context.Request.Path.Value;
        if (path is "/" or "/summary.json" or "/feed.atom"
            && context.RequestServices.GetRequiredService<StatusPageCache>().SlugForHost(context.Request.Host.Host) is { } slug)
        {
            context.Items[CustomDomainKey] = true;
            context.Request.Path = "/status/" + slug + (path == "/" ? "" : path);
        }
        return next(context);
    });

    public static IEndpointRouteBuilder MapPublicStatusPages(this IEndpointRouteBuilder app)
    {
        // Public by its own group; every handler first takes its share of the address's rate limit.
        var group = app.MapGroup("/status").WithTags("Public status pages");
        group.MapMethods("/_/page.css", GetAndHead, Style).WithName("GetStatusPageStyle").WithSummary("The status pages' stylesheet");
        group.MapMethods("/_/page.js", GetAndHead, Script).WithName("GetStatusPageScript").WithSummary("The status pages' script, which refreshes a page from its summary.json");
        group.MapMethods("/{slug}", GetAndHead, Page).WithName("GetPublicStatusPage")
            .WithSummary("A status page as HTML (also at / on its custom domain); a password page shows its form until unlocked")
            .Produces(200, contentType: "text/html").Produces(304).ProducesProblem(404).ProducesProblem(429);
        group.MapPost("/{slug}", Unlock).WithName("UnlockStatusPage")
            .WithSummary("Send a password page's password (form field password); sets the page's signed cookie and redirects to the page")
            .Accepts<string>("application/x-www-form-urlencoded").Produces(303).Produces(401, contentType: "text/html").ProducesProblem(404).ProducesProblem(429);
        group.MapMethods("/{slug}/summary.json", GetAndHead, Summary).WithName("GetStatusPageSummary")
            .WithSummary("What the page shows, as JSON: its state, sections and monitors, open incidents, announcements, active and upcoming maintenance")
            .Produces<PublicPage>().Produces(304).ProducesProblem(401).ProducesProblem(404).ProducesProblem(429);
        group.MapMethods("/{slug}/feed.atom", GetAndHead, Feed).WithName("GetStatusPageFeed")
            .WithSummary("The page's announcements and its monitors' incidents as an Atom feed")
            .Produces(200, contentType: "application/atom+xml").ProducesProblem(401).ProducesProblem(404).ProducesProblem(429);
        return app;
    }

    static async Task Style(HttpContext context, StatusPageAssets assets, PublicRateLimit limit)
    {
        if (!await limit.AdmitAsync(context)) return;
        await Serve(context, assets.Style, "public, max-age=300", null);
    }

    static async Task Script(HttpContext context, StatusPageAssets assets, PublicRateLimit limit)
    {
        if (!await limit.AdmitAsync(context)) return;
        await Serve(context, assets.Script, "public, max-age=300", null);
    }

    static async Task Page(string slug, HttpContext context, StatusPageCache cache, PagePasswords passwords, PublicRateLimit limit)
    {
        if (!await limit.AdmitAsync(context)) return;
        if (Find(slug, cache) is not { } entry)
        {
            await NotFoundPage(context);
            return;
        }
        var basePath = BasePath(context, slug);
        if (!passwords.Unlocked(context, entry.Page))
        {
            await Html(context, 200, StatusPageHtml.PasswordForm(entry.Page.View.Title, basePath, null));
            return;
        }
        var cacheControl = entry.Page.PasswordHash is null ? "public, no-cache" : "private, no-cache";
        await Serve(context, entry.Html(basePath), cacheControl, entry.ETag);
    }

    static async Task Unlock(string slug, HttpContext context, StatusPageCache cache, PagePasswords passwords, PublicRateLimit limit)
    {
        if (!await limit.AdmitAsync(context)) return;
        if (Find(slug, cache) is not { } entry || entry.Page.PasswordHash is null)
        {
            await NotFoundPage(context);
            return;
        }
        var basePath = BasePath(context, slug);
        var password = await FormField(context, "password");
        var (outcome, wait) = passwords.TryUnlock(context, entry.Page, password, basePath.Length == 0 ? "/" : basePath);
        switch (outcome)
        {
            case PagePasswords.Outcome.Unlocked:
                context.Response.StatusCode = 303;
                context.Response.Headers.Location = basePath.Length == 0 ? "/" : basePath;
                return;
            case PagePasswords.Outcome.Throttled:
                var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Html(context, 429, StatusPageHtml.PasswordForm(entry.Page.View.Title, basePath,
                    $"Too many wrong passwords from your address. Try again in {minutes} minute{(minutes == 1 ? "" : "s")}."));
                return;
            default:
                await Html(context, 401, StatusPageHtml.PasswordForm(entry.Page.View.Title, basePath, "That password is not right."));
                return;
        }
    }

    static async Task Summary(string slug, HttpContext context, StatusPageCache cache, PagePasswords passwords, PublicRateLimit limit)
    {
        if (!await limit.AdmitAsync(context) || await Readable(slug, context, cache, passwords) is not { } entry) return;
        await Serve(context, entry.Summary, entry.Page.PasswordHash is null ? "public, no-cache" : "private, no-cache", entry.ETag);
    }

    static async Task Feed(string slug, HttpContext context, StatusPageCache cache, PagePasswords passwords, Settings settings, PublicRateLimit limit)
    {
        if (!await limit.AdmitAsync(context) || await Readable(slug, context, cache, passwords) is not { } entry) return;
        var origin = settings.PublicUrl is { } url && !context.Items.ContainsKey(CustomDomainKey)
            ? url.GetLeftPart(UriPartial.Authority)
            : $"{context.Request.Scheme}://{context.Request.Host}";
        var feed = StatusPageCache.Compressed("application/atom+xml; charset=utf-8",
            Encoding.UTF8.GetBytes(AtomFeed.Render(entry.Snapshot, origin, BasePath(context, slug), entry.Page.View.Id)));
        await Serve(context, feed, entry.Page.PasswordHash is null ? "public, max-age=60" : "private, max-age=60", entry.ETag);
    }

    /// <summary>The entry when the page exists and this visitor may read it; otherwise writes the 404 or 401.</summary>
    static async Task<StatusPageCache.Entry?> Readable(string slug, HttpContext context, StatusPageCache cache, PagePasswords passwords)
    {
        var entry = Find(slug, cache);
        if (entry is null) await Problem(context, 404, "Not Found", "no such status page");
        else if (!passwords.Unlocked(context, entry.Page)) await Problem(context, 401, "Unauthorized", "this status page needs its password");
        else return entry;
        return null;
    }

    /// <summary>One field of a small urlencoded form body (at most 4 KiB). Read by hand: the framework's
    /// form reader (multipart, files) would add to the executable for one password field.</summary>
    static async Task<string?> FormField(HttpContext context, string name)
    {
        if (!(context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ?? false)) return null;
        var buffer = new byte[4096];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0) length += read;
        foreach (var pair in Encoding.ASCII.GetString(buffer, 0, length).Split('&'))
        {
            var equals = pair.IndexOf('=');
            if (equals > 0 && pair[..equals] == name) return Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
        }
        return null;
    }

    static StatusPageCache.Entry? Find(string slug, StatusPageCache cache) =>
        StatusPageValidator.IsSlug(slug) ? cache.Get(slug) : null;

    static string BasePath(HttpContext context, string slug) => context.Items.ContainsKey(CustomDomainKey) ? "" : "/status/" + slug;

    /// <summary>The asset, or 304 when the client holds <paramref name="etag"/> already.</summary>
    internal static Task Serve(HttpContext context, UiAssets.Asset asset, string cacheControl, string? etag)
    {
        if (etag is not null)
        {
            context.Response.Headers.ETag = etag;
            if (context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } held && Holds(held, etag))
            {
                context.Response.Headers.CacheControl = cacheControl;
                context.Response.StatusCode = 304;
                return Task.CompletedTask;
            }
        }
        return UiAssets.Write(context, asset, cacheControl);
    }

    static bool Holds(string ifNoneMatch, string etag)
    {
        foreach (var tag in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries))
            if (tag == "*" || tag == etag || tag == "W/" + etag) return true;
        return false;
    }

    static Task Html(HttpContext context, int status, string html)
    {
        var body = Encoding.UTF8.GetBytes(html);
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    static Task NotFoundPage(HttpContext context)
    {
        var html = new Markup(512).Raw("<!doctype html>").Open("html", ("lang", "en"))
            .Raw("<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Element("title", "Not found").Open("link", ("rel", "stylesheet"), ("href", StatusPageAssets.StylePath))
            .Raw("</head><body>").Open("main", ("id", "main"), ("class", "locked")).Element("h1", "Not found")
            .Element("p", "There is no status page here.").Close("main").Raw("</body></html>");
        return Html(context, 404, html.ToString());
    }

    internal static async Task Problem(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
