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

    /// <summary><c>flatline docs-bundle FILE</c>: Scalar's bundle, which Scalar.AspNetCore embeds gzip-compressed
    /// (1.4 MB), written Brotli-compressed (about 1 MB) for the published executable to embed instead.</summary>
    public static int WriteScalarBundle(string file)
    {
        using var bundle = ScalarAssembly.GetManifestResourceStream(ScalarBundleResource)
            ?? throw new InvalidOperationException($"Scalar.AspNetCore no longer embeds {ScalarBundleResource}");
        using var inflate = new System.IO.Compression.GZipStream(bundle, System.IO.Compression.CompressionMode.Decompress);
        using var plain = new MemoryStream();
        inflate.CopyTo(plain);
        var output = new byte[System.IO.Compression.BrotliEncoder.GetMaxCompressedLength((int)plain.Length)];
        if (!System.IO.Compression.BrotliEncoder.TryCompress(plain.GetBuffer().AsSpan(0, (int)plain.Length), output, out var written, quality: 11, window: 24))
            throw new InvalidOperationException("Brotli could not compress Scalar's bundle");
        File.WriteAllBytes(file, output.AsSpan(0, written));
        return 0;
    }

    // The JIT build serves Scalar's own gzip resource.
    static Stream? OpenScalarBundle(out string encoding)
    {
        encoding = "gzip";
        return ScalarAssembly.GetManifestResourceStream(ScalarBundleResource);
    }
}
#endif
