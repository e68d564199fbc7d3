using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, environment, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static ProcessStartInfo StartInfo(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // The child sees only what the test gives it, plus PATH and HOME.
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        info.Environment["HOME"] = workingDirectory;
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;
        return info;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The published executable serving on 127.0.0.1; killed on dispose if still running.</summary>
public sealed class RunningBinary : IAsyncDisposable
{
    readonly Process process;
    readonly System.Text.StringBuilder output = new();

    RunningBinary(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }
    public int Pid => process.Id;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;
    public string Output { get { lock (output) return output.ToString(); } }

    public static async Task<RunningBinary> StartAsync(string workingDirectory, IDictionary<string, string>? environment = null)
    {
        var port = PublishedBinary.FreePort();
        var process = Process.Start(PublishedBinary.StartInfo(workingDirectory, environment, "--address", $"127.0.0.1:{port}"))!;
        var running = new RunningBinary(process, new Uri($"http://127.0.0.1:{port}/"));
        await running.WaitHealthyAsync(TimeSpan.FromSeconds(15));
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

    public void Signal(int signal) => _ = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit(5000);

    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
