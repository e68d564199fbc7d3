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

    /// <param name="services">Registers more services the way the app registers its own (e.g. a test-only channel type).</param>
    public static Task<FlatlineServer> StartAsync(Func<Settings, Settings>? configure = null, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var folder = new TempFolder();
        var settings = DefaultSettings(folder.File("flatline.db"));
        return StartAsync(configure is null ? settings : configure(settings), folder, time, services);
    }

    /// <summary>Starts on an existing database file (for restart tests); the caller owns the file.</summary>
    public static Task<FlatlineServer> StartOnAsync(string databasePath, TimeProvider? time = null) =>
        StartAsync(DefaultSettings(databasePath), null, time);

    static async Task<FlatlineServer> StartAsync(Settings settings, TempFolder? folder, TimeProvider? time, Action<IServiceCollection>? services = null)
    {
        var server = new FlatlineServer(settings, folder, time);
        server.app = FlatlineApp.Build(settings, time, services);
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
    public HttpClient CreateClient(bool readOnly = false) => CreateApiClient(readOnly).Http;

    public HttpClient CreateAnonymousClient() => CreateAnonymousApiClient().Http;

    /// <summary>A typed client with a fresh API token of its own (read-write unless <paramref name="readOnly"/>).</summary>
    public FlatlineClient CreateApiClient(bool readOnly = false)
    {
        var token = Services.GetRequiredService<ApiTokenStore>().Create("test", readOnly);
        return new FlatlineClient(BaseAddress, token.Token) { TokenId = token.Id };
    }

    public FlatlineClient CreateAnonymousApiClient() => new(BaseAddress);

    /// <summary>Runs SQL on the server's database: to seed history the API cannot write.</summary>
    public void Execute(string sql)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The one value <paramref name="sql"/> selects: to count what the database holds.</summary>
    public T Scalar<T>(string sql)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)command.ExecuteScalar()!;
    }

    public async ValueTask DisposeAsync()
    {
        var database = Database;
        await app.StopAsync();
        await app.DisposeAsync();
        // This server's database alone: clearing every pool would close other tests' connections too.
        database.ReleaseConnections();
        ownedFolder?.Dispose();
    }
}

/// <summary>One Flatline server for the tests of a class (or of the session) that only read from it,
/// make requests it refuses, or touch nothing but rows of their own: with
/// <c>[ClassDataSource&lt;SharedFlatlineServer&gt;(Shared = SharedType.PerClass)]</c>. A test that counts
/// what the whole database holds needs a server of its own.</summary>
public sealed class SharedFlatlineServer : TUnit.Core.Interfaces.IAsyncInitializer, IAsyncDisposable
{
    FlatlineServer? server;

    public FlatlineServer Server => server ?? throw new InvalidOperationException("the shared server has not started");

    public async Task InitializeAsync() => server = await FlatlineServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (server is not null) await server.DisposeAsync();
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
