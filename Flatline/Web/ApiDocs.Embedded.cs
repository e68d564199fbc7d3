#if FLATLINE_EMBEDDED_OPENAPI
namespace Flatline;

// The published executable: the document generated at build time, served from memory.
public static partial class ApiDocs
{
    static readonly byte[] Document = ReadDocument();

    static byte[] ReadDocument()
    {
        using var stream = typeof(ApiDocs).Assembly.GetManifestResourceStream("openapi/v1.json")
            ?? throw new InvalidOperationException("the OpenAPI document was not embedded at build time");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    static partial void MapDocument(IEndpointRouteBuilder app)
    {
        app.MapGet(DocumentPath, ServeDocument).ExcludeFromDescription();
        app.MapGet(ApiDocumentPath, ServeDocument).ExcludeFromDescription();
    }

    static Task ServeDocument(HttpContext context)
    {
        context.Response.ContentType = "application/json;charset=utf-8";
        context.Response.ContentLength = Document.Length;
        return context.Response.Body.WriteAsync(Document).AsTask();
    }
}
#endif
