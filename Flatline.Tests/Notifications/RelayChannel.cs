using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Notifications;

/// <summary>A channel type only the tests have, shaped like the mail relay of SPEC §15: every field
/// kind the built-in types do not use (integer, enum, string list, boolean) and a secret. Registering
/// it is all it takes for the API, the validator, the OpenAPI document and the outbox to know it.</summary>
public static partial class RelayChannel
{
    public static readonly ChannelField Host = new("host", ChannelFieldKind.String, "Host") { Required = true, MaxLength = 253, Placeholder = "smtp.example.com" };
    public static readonly ChannelField Port = new("port", ChannelFieldKind.Integer, "Port") { Minimum = 1, Maximum = 65535 };
    public static readonly ChannelField Security = new("security", ChannelFieldKind.Enum, "Security") { Required = true, Options = ["starttls", "tls", "none"] };
    public static readonly ChannelField Password = new("password", ChannelFieldKind.String, "Password") { Secret = true, MaxLength = 200 };
    public static readonly ChannelField To = new("to", ChannelFieldKind.StringList, "To")
    {
        Required = true,
        Help = "One address per line.",
        MaxLength = 254,
        Pattern = Address(),
        PatternRule = "must be an email address",
    };
    public static readonly ChannelField Html = new("html", ChannelFieldKind.Boolean, "Send HTML");

    [GeneratedRegex("^[^@\\s]+@[^@\\s]+$")]
    private static partial Regex Address();

    public static NotificationChannelType Type(RelaySender sender) =>
        new("relay", "Relay", "A mail relay, for the tests.", [Host, Port, Security, Password, To, Html], _ => sender);
}

/// <summary>Records what it is asked to send, and throws what the test queued first.</summary>
public sealed class RelaySender : INotificationSender
{
    readonly ConcurrentQueue<Exception> failures = new();
    readonly ConcurrentQueue<(ChannelConfig Config, Notification Notification)> sent = new();

    public IReadOnlyList<(ChannelConfig Config, Notification Notification)> Sent => [.. sent];

    public RelaySender Throw(Exception exception)
    {
        failures.Enqueue(exception);
        return this;
    }

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (failures.TryDequeue(out var failure)) throw failure;
        sent.Enqueue((config, notification));
        return Task.FromResult(new DeliveryResult(true, null, null, false));
    }
}

/// <summary>The real app in-process with the relay type registered through the same call the
/// built-in types use, and nothing else changed.</summary>
public sealed class RelayServer : IAsyncDisposable
{
    readonly TempFolder folder = new();
    WebApplication app = null!;

    public IServiceProvider Services => app.Services;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<RelayServer> StartAsync(RelaySender sender, TimeProvider? time = null)
    {
        var server = new RelayServer();
        server.app = FlatlineApp.Build(FlatlineServer.DefaultSettings(server.folder.File("flatline.db")), time,
            services => services.AddNotificationChannelType(RelayChannel.Type(sender)));
        // Source-generated JSON only, as in the published executable (the test process allows reflection).
        var chain = server.app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions.TypeInfoResolverChain;
        foreach (var reflection in chain.OfType<System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver>().ToList()) chain.Remove(reflection);
        await server.app.StartAsync();
        server.BaseAddress = new Uri(server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Services.GetRequiredService<ApiTokenStore>().Create("test", false).Token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        folder.Dispose();
    }
}
