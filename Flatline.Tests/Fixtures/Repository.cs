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

    /// <summary>Runs a Node.js script of the repository; its npm packages come from scripts/deps.</summary>
    public static Task<ProcessResult> NodeAsync(string script, params string[] args) =>
        ChildProcess.RunAsync("node", [File(script), .. args]);
}
