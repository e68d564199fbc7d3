using System.Text.RegularExpressions;

namespace Flatline.Tests;

/// <summary>docs/config.md's full example, which the tests apply, and the variables it reads.</summary>
public static partial class ConfigExample
{
    public static readonly IReadOnlyDictionary<string, string> Secrets = new Dictionary<string, string>
    {
        ["WORKER_TOKEN"] = "worker-token-1",
        ["OPS_HOOK_SECRET"] = "0123456789abcdef-ops",
        ["CHAT_URL"] = "https://hooks.slack.com/services/T000/B000/XXXX",
    };

    /// <summary>The items of one apply of the example: 4 monitors, the prod tag's colour, 2 channels, 2 windows, a status page, 3 links.</summary>
    public const int Changes = 13;

    public static async Task<string> TextAsync() =>
        ExampleBlock().Match(await File.ReadAllTextAsync(Repository.File("docs", "config.md"))).Groups[1].Value;

    [GeneratedRegex("## A full example\\s+```yaml\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();
}
