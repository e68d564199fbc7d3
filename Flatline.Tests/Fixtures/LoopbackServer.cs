using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flatline.Tests;

/// <summary>A real Kestrel server on 127.0.0.1 with a port of its own (HTTPS when given a certificate)
/// that hands every request to one delegate: the ground the test's targets, receivers and issuers
/// stand on.</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    readonly WebApplication app;

    LoopbackServer(WebApplication app)
    {
        this.app = app;
        BaseAddress = ListeningAddress(app);
    }

    public Uri BaseAddress { get; }

    public Uri Url(string pathAndQuery) => new(BaseAddress, pathAndQuery);

    /// <param name="port">0 for a port the system picks; a fixed one where the address must be known
    /// before the server starts (an OIDC redirect URL, say).</param>
    public static async Task<LoopbackServer> StartAsync(RequestDelegate handle, X509Certificate2? certificate = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // A test's hanging routes must not hold its end up for the default 30 s.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen =>
        {
            if (certificate is not null) listen.UseHttps(certificate);
        }));
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        return new LoopbackServer(app);
    }

    /// <summary>Where a started app listens, port included.</summary>
    public static Uri ListeningAddress(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>A port on 127.0.0.1 that nothing listens on: bound, noted and released. Another
    /// process could take it in between; tests use it at once.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
