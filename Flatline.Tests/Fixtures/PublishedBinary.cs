using System.Diagnostics;

namespace Flatline.Tests;

/// <summary>The published Native-AOT executable. <c>scripts/test</c> publishes it first and passes its
/// path in <c>FLATLINE_BINARY</c>; a missing binary fails the test rather than skipping it.</summary>
public static class PublishedBinary
{
    public static string Path
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("FLATLINE_BINARY");
            if (string.IsNullOrEmpty(path)) path = Repository.File("artifacts", "publish", "flatline");
            if (!File.Exists(path)) throw new FileNotFoundException($"the published executable is missing at {path}: run scripts/test, which publishes it");
            return path;
        }
    }

    public static Task<ProcessResult> RunAsync(string workingDirectory, IDictionary<string, string>? environment, params string[] args) =>
        ChildProcess.RunAsync(StartInfo(workingDirectory, environment, args), TimeSpan.FromSeconds(30));

    /// <summary><c>flatline token create --name NAME</c>: the token it printed on its last line.</summary>
    public static async Task<string> CreateTokenAsync(string workingDirectory, IDictionary<string, string>? environment, string name)
    {
        var created = await RunAsync(workingDirectory, environment, "token", "create", "--name", name);
        if (created.ExitCode != 0) throw new InvalidOperationException($"token create exited with {created.ExitCode}: {created.Output}");
        return created.Stdout.TrimEnd().Split('\n')[^1];
    }

    public static ProcessStartInfo StartInfo(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var info = ChildProcess.StartInfo(Path, args, workingDirectory);
        // The child sees only what the test gives it, plus PATH and HOME.
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        info.Environment["HOME"] = workingDirectory;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return info;
    }
}

/// <summary>The published executable serving on 127.0.0.1; killed on dispose if still running.</summary>
public sealed class RunningBinary : IAsyncDisposable
{
    readonly ChildProcess process;

    RunningBinary(ChildProcess process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public int Pid => process.Pid;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;
    public string Output => process.Output;

    /// <param name="wrapper">A command line the executable runs under (it gets the executable's path
    /// and arguments after its own), to start it in a harsher world than the test's.</param>
    /// <param name="port">A port chosen in advance (an OpenID provider must know the redirect URL first); a free one when null.</param>
    public static async Task<RunningBinary> StartAsync(string workingDirectory, IDictionary<string, string>? environment = null,
        IReadOnlyList<string>? wrapper = null, int? port = null)
    {
        port ??= LoopbackServer.FreePort();
        var info = PublishedBinary.StartInfo(workingDirectory, environment, "--address", $"127.0.0.1:{port}");
        if (wrapper is { Count: > 0 })
        {
            info.ArgumentList.Insert(0, info.FileName);
            for (var i = wrapper.Count - 1; i > 0; i--) info.ArgumentList.Insert(0, wrapper[i]);
            info.FileName = wrapper[0];
        }
        var running = new RunningBinary(ChildProcess.Start(info), new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await running.WaitHealthyAsync(TimeSpan.FromSeconds(15));
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
        return running;
    }

    public async Task WaitHealthyAsync(TimeSpan limit)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"flatline exited with {process.ExitCode}: {Output}");
            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "healthz"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(20);
        }
        throw new TimeoutException($"flatline did not become healthy within {limit}: {Output}");
    }

    /// <summary>A typed client, with <paramref name="token"/> as its bearer token when given.</summary>
    public FlatlineClient ApiClient(string? token = null) => new(BaseAddress, token);

    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan limit) => process.WaitForLineAsync(match, limit);

    public void Signal(int signal) => process.Signal(signal);

    public Task<int> WaitForExitAsync(TimeSpan limit) => process.WaitForExitAsync(limit);

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
