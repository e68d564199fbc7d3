#if !FLATLINE_EMBEDDED_OPENAPI
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Flatline;

// The build that carries the generator: development, tests, and the step that writes the
// document the published executable embeds.
public static partial class ApiDocs
{
    static partial void AddGenerator(IServiceCollection services) =>
        services.AddOpenApi("v1", OpenApiShape.Configure);

    static partial void MapDocument(IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet(ApiDocumentPath, (HttpContext context) =>
        {
            context.Response.Redirect(DocumentPath);
            return Task.CompletedTask;
        }).ExcludeFromDescription();
    }

    /// <summary><c>flatline openapi FILE</c>: starts the app on a loopback port with a scratch
    /// database, fetches the document and writes it.</summary>
    public static async Task<int> WriteDocumentAsync(string file, TextWriter stderr)
    {
        var folder = Path.Combine(Path.GetTempPath(), "flatline-openapi-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var settings = new Settings
            {
                DatabasePath = Path.Combine(folder, "flatline.db"),
                Address = new ListenAddress(System.Net.IPAddress.Loopback, 0),
                LogLevel = LogLevel.Warning,
            };
            await using var app = FlatlineApp.Build(settings);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            var document = await client.GetStringAsync(DocumentPath);
            await File.WriteAllTextAsync(file, document);
            await app.StopAsync();
            return 0;
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync($"error: could not generate the OpenAPI document: {e.Message}");
            return 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
#endif
