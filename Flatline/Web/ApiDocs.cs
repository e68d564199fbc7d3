using Scalar.AspNetCore;

namespace Flatline;

/// <summary>The OpenAPI document at /openapi/v1.json (and /api/v1/openapi.json) and the Scalar
/// reference at /docs, served from the executable with no request to another host.</summary>
/// <remarks>The document is made by Microsoft.AspNetCore.OpenApi. The published executable embeds
/// the document that the build generated (<c>flatline openapi FILE</c> on the JIT build) instead of
/// the generator, which keeps a megabyte of code out of the single file; a smoke test checks that
/// the embedded document equals the one the generator makes.</remarks>
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
        app.MapScalarApiReference("/docs", options =>
        {
            options.WithOpenApiRoutePattern(DocumentPath);
            options.WithTitle("Flatline API");
            options.DefaultFonts = false;
        }).ExcludeFromDescription();
        return app;
    }

    static partial void AddGenerator(IServiceCollection services);

    static partial void MapDocument(IEndpointRouteBuilder app);
}
