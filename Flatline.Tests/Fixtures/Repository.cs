using System.Diagnostics;

namespace Flatline.Tests;

/// <summary>The repository the tests run from, and Node.js scripts kept in it.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "Flatline.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("the tests run outside the repository");
    }

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    public sealed record NodeResult(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs a Node.js script of the repository; its npm packages come from scripts/deps.</summary>
    public static async Task<NodeResult> NodeAsync(string script, params string[] args)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(File(script));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new NodeResult(process.ExitCode, await stdout, await stderr);
    }
}
