using System.Globalization;

namespace Flatline.Tests;

/// <summary>How the test provider is configured, as providers are in the wild.</summary>
public sealed record OidcProviderOptions
{
    /// <summary>How Flatline's client is registered to authenticate at the token endpoint; discovery
    /// offers both <c>client_secret_basic</c> and <c>client_secret_post</c> whichever it is.</summary>
    public string TokenEndpointAuthMethod { get; init; } = "client_secret_basic";

    /// <summary>Email and name in the ID token too. By default they are only at the userinfo endpoint
    /// (oidc-provider's default, and many providers').</summary>
    public bool ClaimsInIdToken { get; init; }
}

/// <summary>A real OpenID provider: <c>oidc-provider</c> 8 under Node (Fixtures/oidc/provider.js) on
/// 127.0.0.1, with one confidential client for Flatline. Who signs in is chosen by the browser's
/// <c>test_account</c> cookie (an account named <c>anonymous…</c> has neither email nor name);
/// <see cref="RotateKeyAsync"/> gives it a new signing key; <see cref="Requests"/> lists what it was asked.</summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "flatline-test";
    // Long enough to be a valid HS256 key, so the test issuer can sign with it.
    public const string ClientSecret = "a-client-secret-of-forty-characters-0123";
    public const string AccountCookie = "test_account";

    static readonly SemaphoreSlim InstallLock = new(1, 1);
    static readonly string Folder = Repository.File("Flatline.Tests", "Fixtures", "oidc");
    readonly ChildProcess process;

    OidcProvider(ChildProcess process, int port)
    {
        this.process = process;
        Issuer = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Issuer { get; }

    /// <summary>What the Node process printed, for failure messages.</summary>
    public string Output => process.Output;

    /// <summary>The requests the provider has answered so far, as <c>METHOD /path</c> (no query).</summary>
    public IReadOnlyList<string> Requests =>
        [.. process.StdoutLines.Where(l => l.StartsWith("GET /", StringComparison.Ordinal) || l.StartsWith("POST /", StringComparison.Ordinal)).Select(l => l.Split('?')[0])];

    /// <summary>How many times the provider was asked <paramref name="request"/> (<c>POST /token</c>, say).</summary>
    public int Count(string request) => Requests.Count(r => r == request);

    public static int FreePort() => LoopbackServer.FreePort();

    /// <summary>Starts the provider on <paramref name="port"/> and waits until its discovery document answers.</summary>
    public static async Task<OidcProvider> StartAsync(int port, Uri redirectUri, OidcProviderOptions? options = null)
    {
        options ??= new OidcProviderOptions();
        await EnsureInstalledAsync();
        var provider = new OidcProvider(ChildProcess.Start("node", ["provider.js"], Folder, new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["CLIENT_ID"] = ClientId,
            ["CLIENT_SECRET"] = ClientSecret,
            ["REDIRECT_URI"] = redirectUri.ToString(),
            ["TOKEN_AUTH_METHOD"] = options.TokenEndpointAuthMethod,
            ["CLAIMS_IN_ID_TOKEN"] = options.ClaimsInIdToken ? "1" : "0",
            ["DEBUG_REQUESTS"] = "1",
        }), port);

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

    /// <summary><c>npm ci</c> when scripts/deps has not installed the provider yet (once per test run).</summary>
    static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(Folder, "node_modules", "oidc-provider"))) return;
            var npm = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], Folder, limit: TimeSpan.FromMinutes(3));
            if (npm.ExitCode != 0) throw new InvalidOperationException($"npm ci in {Folder} failed: {npm.Stderr}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
