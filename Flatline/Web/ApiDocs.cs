using System.IO.Compression;
using System.Reflection;

namespace Flatline;

/// <summary>The OpenAPI document at /openapi/v1.json (and /api/v1/openapi.json) and the Scalar
/// reference at /docs, served from the executable with no request to another host.</summary>
/// <remarks>The document is made by Microsoft.AspNetCore.OpenApi. The published executable embeds
/// the document that the build generated (<c>flatline openapi FILE</c> on the JIT build) instead of
/// the generator, which keeps a megabyte of code out of the single file; a smoke test checks that
/// the embedded document equals the one the generator makes.
/// The reference is Scalar's own bundle, shipped inside Scalar.AspNetCore, served here with a page of
/// ten lines: Scalar.AspNetCore's <c>MapScalarApiReference</c> carries a source-generated serializer
/// for all of its options (some thirty enums, each a copy of System.Text.Json's generic code) that
/// cost 1.1 MB of the executable to write one fixed line of configuration.</remarks>
public static partial class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ApiDocumentPath = "/api/v1/openapi.json";

    public static IServiceCollection AddApiDocs(this IServiceCollection services)
    {
        AddGenerator(services);
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        MapDocument(app);
        // Routing matches /docs and /docs/ alike; the page's relative links want the slash.
        app.MapGet("/docs", ServePage).ExcludeFromDescription();
        app.MapGet("/docs/scalar.js", (HttpContext context) =>
            ServeCompressed(context, OpenScalarBundle(out var encoding), encoding, "text/javascript")).ExcludeFromDescription();
        app.MapGet("/docs/favicon.svg", (HttpContext context) =>
            ServeCompressed(context, ScalarAssembly.GetManifestResourceStream("ScalarStaticAssets.favicon.svg"), "gzip", "image/svg+xml")).ExcludeFromDescription();
        return app;
    }

    // Scalar's configuration: the document to render, and no web fonts (they would come from a CDN).
    const string Page = """
        <!doctype html>
        <html lang="en">
        <head>
        <title>Flatline API</title>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="icon" href="/docs/favicon.svg">
        </head>
        <body>
        <div id="app"></div>
        <script src="/docs/scalar.js"></script>
        <script>Scalar.createApiReference('#app', {"withDefaultFonts":false,"favicon":"/docs/favicon.svg","sources":[{"title":"v1","url":"/openapi/v1.json"}]})</script>
        </body>
        </html>
        """;

    static Task ServePage(HttpContext context)
    {
        if (!context.Request.Path.Value!.EndsWith('/'))
        {
            context.Response.Redirect("/docs/");
            return Task.CompletedTask;
        }
        context.Response.ContentType = "text/html;charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.WriteAsync(Page);
    }

    static readonly Assembly ScalarAssembly = typeof(Scalar.AspNetCore.ScalarOptions).Assembly;
    const string ScalarBundleResource = "ScalarStaticAssets.scalar.js";

    /// <summary>One of Scalar's files, embedded compressed in <paramref name="encoding"/> (the bundle,
    /// 4.9 MB of script, as Brotli in the published executable, gzip otherwise; its favicon as gzip):
    /// sent as it is to a client that accepts that encoding; otherwise recompressed as gzip while
    /// sending (browsers offer Brotli over HTTPS only), or inflated for a client that takes neither.
    /// The resource stream reads the executable's mapped image: nothing is held in the heap.</summary>
    static async Task ServeCompressed(HttpContext context, Stream? resource, string encoding, string contentType)
    {
        var response = context.Response;
        await using var stream = resource;
        if (stream is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var etag = "\"" + ScalarAssembly.GetName().Version + "-" + stream.Length + "\"";
        response.ContentType = contentType;
        response.Headers.Vary = "Accept-Encoding";
        response.Headers.CacheControl = "no-cache";
        response.Headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        var accepted = context.Request.Headers.AcceptEncoding.ToString();
        if (accepted.Contains(encoding, StringComparison.Ordinal))
        {
            response.Headers.ContentEncoding = encoding;
            response.ContentLength = stream.Length;
            await stream.CopyToAsync(response.Body, context.RequestAborted);
            return;
        }
        await using Stream plain = encoding == "br"
            ? new BrotliStream(stream, CompressionMode.Decompress)
            : new GZipStream(stream, CompressionMode.Decompress);
        if (accepted.Contains("gzip", StringComparison.Ordinal))
        {
            response.Headers.ContentEncoding = "gzip";
            await using var gzip = new GZipStream(response.Body, CompressionLevel.Optimal, leaveOpen: true);
            await plain.CopyToAsync(gzip, context.RequestAborted);
            return;
        }
        await plain.CopyToAsync(response.Body, context.RequestAborted);
    }

    static partial void AddGenerator(IServiceCollection services);

    static partial void MapDocument(IEndpointRouteBuilder app);
}
