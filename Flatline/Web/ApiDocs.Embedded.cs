#if FLATLINE_EMBEDDED_OPENAPI
namespace Flatline;

// The published executable: the document generated at build time, served from memory.
public static partial class ApiDocs
{
    // Embedded gzip-compressed; inflated once for clients that do not accept gzip.
    static readonly byte[] Compressed = EmbeddedFiles.Read("openapi/v1.json.gz");
    static readonly byte[] Document = EmbeddedFiles.Inflate(Compressed);

    static partial void MapDocument(IEndpointRouteBuilder app)
    {
        app.MapGet(DocumentPath, ServeDocument).ExcludeFromDescription();
        app.MapGet(ApiDocumentPath, ServeDocument).ExcludeFromDescription();
    }

    static Task ServeDocument(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "application/json;charset=utf-8";
        response.Headers.Vary = "Accept-Encoding";
        var body = Document;
        if (context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.Ordinal))
        {
            response.Headers.ContentEncoding = "gzip";
            body = Compressed;
        }
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    // The published executable embeds the bundle Brotli-compressed (see WriteScalarBundle), and the
    // trimmer drops Scalar.AspNetCore's gzip copy (ILLink.Substitutions.xml).
    static Stream? OpenScalarBundle(out string encoding)
    {
        encoding = "br";
        return typeof(ApiDocs).Assembly.GetManifestResourceStream("docs/scalar.js.br");
    }
}
#endif
