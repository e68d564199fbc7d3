using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Flatline.Tests;

/// <summary>How a process that ran to its end ended.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>A process a test started: its stdout and stderr kept line by line (and a line awaited as
/// it arrives), its exit awaited within a limit, and the whole tree killed on dispose if it still runs,
/// so that no test leaves a process behind.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    readonly Process process;
    readonly string name;
    readonly List<string> stdout = [];
    readonly List<string> stderr = [];
    readonly StringBuilder output = new();
    readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> waiters = [];
    readonly Task pumps;
    int disposed;

    ChildProcess(Process process, string name)
    {
        this.process = process;
        this.name = name;
        pumps = Task.WhenAll(PumpAsync(process.StandardOutput, stdout), PumpAsync(process.StandardError, stderr))
            .ContinueWith(_ => FailWaiters(), TaskScheduler.Default);
    }

    public int Pid => process.Id;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;

    public IReadOnlyList<string> StdoutLines { get { lock (output) return [.. stdout]; } }
    public IReadOnlyList<string> StderrLines { get { lock (output) return [.. stderr]; } }

    /// <summary>Stdout and stderr interleaved as the lines arrived, for assertions and failure messages.</summary>
    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>A start description with both streams redirected; <paramref name="environment"/> is
    /// added to the test's own.</summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, string? workingDirectory = null,
        IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? []) info.Environment[key] = value;
        return info;
    }

    public static ChildProcess Start(ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        return new ChildProcess(process, Path.GetFileName(info.FileName));
    }

    public static ChildProcess Start(string file, IEnumerable<string> args, string? workingDirectory = null,
        IEnumerable<KeyValuePair<string, string>>? environment = null) =>
        Start(StartInfo(file, args, workingDirectory, environment));

    /// <summary>Starts a server process on a free loopback port and waits for the line that says it
    /// is ready. A port free for TcpListener may still hold a closed connection (TIME_WAIT), which
    /// some servers' bind refuses: then it tries another port, five times at most.</summary>
    /// <param name="fixedPort">The port to use on every attempt (to start again where a stopped server was), instead of a free one.</param>
    public static async Task<(ChildProcess Process, int Port)> StartOnFreePortAsync(Func<int, ProcessStartInfo> start, Func<string, bool> ready, TimeSpan limit,
        int? fixedPort = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (fixedPort is not null && attempt > 1) await Task.Delay(200 * attempt);
            var port = fixedPort ?? LoopbackServer.FreePort();
            var process = Start(start(port));
            try
            {
                await process.WaitForLineAsync(ready, limit);
                return (process, port);
            }
            catch (InvalidOperationException) when (attempt < 5 && process.Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                await process.DisposeAsync();
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Runs a process to its end; past <paramref name="limit"/> it is killed and the test fails.</summary>
    public static async Task<ProcessResult> RunAsync(ProcessStartInfo info, TimeSpan limit)
    {
        await using var child = Start(info);
        var exitCode = await child.WaitForExitAsync(limit);
        return new ProcessResult(exitCode, Join(child.StdoutLines), Join(child.StderrLines));
    }

    public static Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null,
        IEnumerable<KeyValuePair<string, string>>? environment = null, TimeSpan? limit = null) =>
        RunAsync(StartInfo(file, args, workingDirectory, environment), limit ?? TimeSpan.FromSeconds(60));

    static string Join(IReadOnlyList<string> lines) => string.Concat(lines.Select(l => l + "\n"));

    /// <summary>The first line (already printed or still to come, on either stream) that
    /// <paramref name="match"/> accepts. Fails when the process ends without one or the limit passes.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan limit)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (output)
        {
            if (stdout.Concat(stderr).FirstOrDefault(match) is { } line) return line;
            if (pumps.IsCompleted) throw new InvalidOperationException($"{name} ended without the line awaited: {output}");
            waiters.Add((match, found));
        }
        try
        {
            return await found.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{name} printed no such line within {limit}: {Output}");
        }
        finally
        {
            lock (output) waiters.RemoveAll(w => w.Found == found);
        }
    }

    /// <summary>Waits for the exit and for the last line of output; past <paramref name="limit"/> the
    /// process is killed and the test fails.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        try
        {
            await Task.WhenAll(process.WaitForExitAsync(), pumps).WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"{name} did not exit within {limit}: {Output}");
        }
        return process.ExitCode;
    }

    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal.ToString(CultureInfo.InvariantCulture)}", Pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit(5000);
    }

    void Kill()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended in the meantime.
        }
    }

    async Task PumpAsync(StreamReader reader, List<string> lines)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            List<TaskCompletionSource<string>> matched;
            lock (output)
            {
                lines.Add(line);
                output.AppendLine(line);
                matched = [.. waiters.Where(w => w.Match(line)).Select(w => w.Found)];
            }
            foreach (var found in matched) found.TrySetResult(line);
        }
    }

    void FailWaiters()
    {
        lock (output)
            foreach (var (_, found) in waiters)
                found.TrySetException(new InvalidOperationException($"{name} ended without the line awaited: {output}"));
    }

    public async ValueTask DisposeAsync()
    {
        // Tests that restart a process dispose it when they are done with it and again on the way out.
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        Kill();
        try
        {
            await Task.WhenAll(process.WaitForExitAsync(), pumps).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // A grandchild that escaped the kill may hold the pipes open; the test is over either way.
        }
        process.Dispose();
    }
}
