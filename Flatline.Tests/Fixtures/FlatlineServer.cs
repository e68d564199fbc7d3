using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests;

/// <summary>The real app, in-process, on 127.0.0.1 with a port of its own and a fresh SQLite file.</summary>
public sealed class FlatlineServer : IAsyncDisposable
{
    readonly TempFolder? ownedFolder;
    WebApplication app = null!;

    FlatlineServer(Settings settings, TempFolder? folder, TimeProvider? time)
    {
        Settings = settings;
        ownedFolder = folder;
        Time = time;
    }

    public Settings Settings { get; }
    public TimeProvider? Time { get; }
    public Uri BaseAddress { get; private set; } = null!;
    public IServiceProvider Services => app.Services;
    public Database Database => Services.GetRequiredService<Database>();

    public static Settings DefaultSettings(string databasePath) => new()
    {
        DatabasePath = databasePath,
        Address = new ListenAddress(System.Net.IPAddress.Loopback, 0),
        LogLevel = LogLevel.Warning,
    };

    public static Task<FlatlineServer> StartAsync(Func<Settings, Settings>? configure = null, TimeProvider? time = null)
    {
        var folder = new TempFolder();
        var settings = DefaultSettings(folder.File("flatline.db"));
        return StartAsync(configure is null ? settings : configure(settings), folder, time);
    }

    /// <summary>Starts on an existing database file (for restart tests); the caller owns the file.</summary>
    public static Task<FlatlineServer> StartOnAsync(string databasePath, TimeProvider? time = null) =>
        StartAsync(DefaultSettings(databasePath), null, time);

    static async Task<FlatlineServer> StartAsync(Settings settings, TempFolder? folder, TimeProvider? time)
    {
        var server = new FlatlineServer(settings, folder, time);
        server.app = FlatlineApp.Build(settings, time);
        WithoutReflectionJson(server.app.Services);
        await server.app.StartAsync();
        server.BaseAddress = LoopbackServer.ListeningAddress(server.app);
        return server;
    }

    /// <summary>The test process allows reflection-based JSON (Playwright needs it); the app must not
    /// lean on it, so its HTTP JSON options keep only the source-generated resolvers, as under AOT.</summary>
    static void WithoutReflectionJson(IServiceProvider services)
    {
        var chain = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions.TypeInfoResolverChain;
        for (var i = chain.Count - 1; i >= 0; i--)
            if (chain[i] is System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver) chain.RemoveAt(i);
    }

    /// <summary>A client with a fresh read-write API token.</summary>
    public HttpClient CreateClient(bool readOnly = false)
    {
        var client = CreateAnonymousClient();
        var token = Services.GetRequiredService<ApiTokenStore>().Create("test", readOnly).Token;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient CreateAnonymousClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        ownedFolder?.Dispose();
    }
}

public static class HttpJson
{
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string path, string json) =>
        client.PatchAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
}
