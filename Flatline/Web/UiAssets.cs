using Microsoft.Net.Http.Headers;

namespace Flatline;

/// <summary>The built UI, embedded as resources and served from memory with the precompressed
/// variants the build made. Hashed files under <c>assets/</c> are immutable.</summary>
public sealed class UiAssets
{
    public sealed record Asset(string ContentType, byte[] Identity, byte[]? Gzip, byte[]? Brotli, bool Immutable);

    readonly Dictionary<string, Asset> assets = new(StringComparer.Ordinal);

    public UiAssets()
    {
        var names = typeof(UiAssets).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("ui/", StringComparison.Ordinal)).ToHashSet();
        foreach (var name in names)
        {
            // The build embeds text assets only as .gz and .br: the plain bytes are inflated once here.
            var plain = name.EndsWith(".gz", StringComparison.Ordinal) || name.EndsWith(".br", StringComparison.Ordinal) ? name[..^3] : name;
            var path = "/" + plain[3..];
            if (assets.ContainsKey(path)) continue;
            var gzip = names.Contains(plain + ".gz") ? EmbeddedFiles.Read(plain + ".gz") : null;
            assets[path] = new Asset(
                ContentTypeOf(path), names.Contains(plain) ? EmbeddedFiles.Read(plain) : EmbeddedFiles.Inflate(gzip!),
                gzip,
                names.Contains(plain + ".br") ? EmbeddedFiles.Read(plain + ".br") : null,
                Immutable: path.StartsWith("/assets/", StringComparison.Ordinal));
        }
    }

    public Asset? Find(string path) => assets.GetValueOrDefault(path);

    public Asset? Index => Find("/index.html");

    /// <param name="cacheControl">Instead of the asset's own (immutable, or no-cache).</param>
    public static Task Write(HttpContext context, Asset asset, string? cacheControl = null)
    {
        var response = context.Response;
        response.ContentType = asset.ContentType;
        response.Headers.CacheControl = cacheControl ?? (asset.Immutable ? "public, max-age=31536000, immutable" : "no-cache");
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        var body = asset.Identity;
        var accepted = context.Request.Headers.AcceptEncoding.ToString();
        if (asset.Brotli is not null && accepted.Contains("br", StringComparison.Ordinal))
        {
            response.Headers.ContentEncoding = "br";
            body = asset.Brotli;
        }
        else if (asset.Gzip is not null && accepted.Contains("gzip", StringComparison.Ordinal))
        {
            response.Headers.ContentEncoding = "gzip";
            body = asset.Gzip;
        }
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }

    static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".json" or ".webmanifest" => "application/json",
        ".txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
}

public static class UiEndpoints
{
    /// <summary>Assets by path; any other GET that is not an API path gets <c>index.html</c> so
    /// that client routes load the app. <c>/api/*</c> never falls back to the page: it gets a 404 problem.</summary>
    public static IEndpointRouteBuilder MapUi(this IEndpointRouteBuilder app)
    {
        // GET and HEAD only: a write to a missing path stays a plain 404, and a write with the wrong
        // content type to a real route keeps its 415 instead of matching this catch-all.
        app.MapMethods("/{**path}", ["GET", "HEAD"], ServePage).WithOrder(int.MaxValue).ExcludeFromDescription();
        return app;
    }

    static async Task<IResult> ServePage(HttpContext context, UiAssets ui)
    {
        if (context.Request.Path.StartsWithSegments("/api")) return Problems.ApiRouteNotFound(context);
        var asset = ui.Find(context.Request.Path.Value ?? "/");
        if (asset is null)
        {
            // A missing file (it has an extension) is a 404; anything else is a client route.
            if (Path.HasExtension(context.Request.Path.Value)) return Problems.NotFound("file");
            asset = ui.Index;
            if (asset is null) return TypedResults.Problem(statusCode: 503, title: "Service Unavailable", detail: "the web UI was not built into this executable");
        }
        await UiAssets.Write(context, asset);
        return TypedResults.Empty;
    }
}
