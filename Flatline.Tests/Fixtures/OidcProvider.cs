using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flatline.Tests;

/// <summary>A real OpenID provider: <c>oidc-provider</c> 8 under Node (Fixtures/oidc/provider.js) on
/// 127.0.0.1, with one confidential client for Flatline. Who signs in is chosen by the browser's
/// <c>test_account</c> cookie; <see cref="RotateKeyAsync"/> gives it a new signing key.</summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "flatline-test";
    // Long enough to be a valid HS256 key, so the test issuer can sign with it.
    public const string ClientSecret = "a-client-secret-of-forty-characters-0123";
    public const string AccountCookie = "test_account";

    static readonly SemaphoreSlim InstallLock = new(1, 1);
    readonly Process process;
    readonly StringBuilder output = new();

    OidcProvider(Process process, int port)
    {
        this.process = process;
        Issuer = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Issuer { get; }

    /// <summary>What the Node process printed, for failure messages.</summary>
    public string Output { get { lock (output) return output.ToString(); } }

    static string Folder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Flatline.slnx"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root"), "Flatline.Tests", "Fixtures", "oidc");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the provider on <paramref name="port"/> and waits until its discovery document answers.</summary>
    public static async Task<OidcProvider> StartAsync(int port, Uri redirectUri)
    {
        await EnsureInstalledAsync();
        var info = new ProcessStartInfo("node", "provider.js")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["CLIENT_ID"] = ClientId;
        info.Environment["CLIENT_SECRET"] = ClientSecret;
        info.Environment["REDIRECT_URI"] = redirectUri.ToString();
        var provider = new OidcProvider(Process.Start(info)!, port);
        provider.process.OutputDataReceived += (_, e) => provider.Append(e.Data);
        provider.process.ErrorDataReceived += (_, e) => provider.Append(e.Data);
        provider.process.BeginOutputReadLine();
        provider.process.BeginErrorReadLine();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (provider.process.HasExited)
            {
                await provider.DisposeAsync();
                throw new InvalidOperationException($"oidc-provider exited with {provider.process.ExitCode}: {provider.Output}");
            }
            try
            {
                using var response = await client.GetAsync(new Uri(provider.Issuer, "/.well-known/openid-configuration"));
                if (response.IsSuccessStatusCode) return provider;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        await provider.DisposeAsync();
        throw new TimeoutException($"oidc-provider did not answer within 30 s: {provider.Output}");
    }

    /// <summary>Replaces the signing key with a new one; returns the new key id.</summary>
    public async Task<string> RotateKeyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.PostAsync(new Uri(Issuer, "/admin/rotate"), null);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    /// <summary><c>npm ci</c> when scripts/deps has not installed the provider yet (once per test run).</summary>
    static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(Folder, "node_modules", "oidc-provider"))) return;
            using var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error")
            {
                WorkingDirectory = Folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var errors = npm.StandardError.ReadToEndAsync();
            await npm.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await npm.WaitForExitAsync(timeout.Token);
            if (npm.ExitCode != 0) throw new InvalidOperationException($"npm ci in {Folder} failed: {await errors}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException) { }
        catch (OperationCanceledException) { }
        process.Dispose();
    }
}
