using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public static class ConfigEndpoints
{
    public static IEndpointRouteBuilder MapConfigFile(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/config").WithTags("Configuration");
        group.MapGet("/export", ExportConfig).WithName("ExportConfiguration")
            .WithSummary("The configuration file `flatline export` writes (YAML; secrets as ${VARIABLE} placeholders)")
            .Produces<string>(StatusCodes.Status200OK, "application/yaml");
        return app;
    }

    static ContentHttpResult ExportConfig(Database database, TimeProvider time, NotificationChannelTypes types, HttpResponse response)
    {
        response.Headers.ContentDisposition = "attachment; filename=\"flatline.yaml\"";
        return TypedResults.Text(ConfigExport.Write(database, time, types).Text, "application/yaml; charset=utf-8");
    }
}
