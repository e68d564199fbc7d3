namespace Flatline.Tests.Smoke;

/// <summary>Configuration as code and the Kuma import as a user runs them: the published executable,
/// whose trimmed JSON metadata is what reads a file's config records.</summary>
public class ConfigCliTests
{
    static Dictionary<string, string> Secrets => new(ConfigExample.Secrets);

    static Task<string> Example() => ConfigExample.TextAsync();

    [Test]
    public async Task FLATLINE_CONFIG_applies_the_file_at_start_and_a_bad_file_stops_start_up_with_one_line()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("flatline.yaml"), await Example());
        var environment = new Dictionary<string, string>(Secrets) { ["FLATLINE_CONFIG"] = "flatline.yaml" };
        await using (var server = await RunningBinary.StartAsync(folder.Path, environment))
        {
            await server.WaitForLineAsync(line => line.Contains($"FLATLINE_CONFIG: applying flatline.yaml: {ConfigExample.Changes} changes", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            using var api = server.ApiClient(await PublishedBinary.CreateTokenAsync(folder.Path, null, "config-test"));
            var monitors = (await api.ListMonitorsAsync()).Value;
            await Assert.That(monitors.Select(m => m.Name)).IsEquivalentTo(new[] { "API", "Postgres", "Worker health", "Mail exchanger" });
            await Assert.That(monitors.Single(m => m.Name == "Worker health").DependsOn).IsEquivalentTo(new[] { monitors.Single(m => m.Name == "Postgres").Id });
            // The file's status page is served, its sections in the file's order.
            using var visitor = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            using var page = await visitor.GetAsync("/status/acme");
            await Assert.That((int)page.StatusCode).IsEqualTo(200);
            var html = await page.Content.ReadAsStringAsync();
            await Assert.That(html).Contains("Acme status");
            await Assert.That(html.IndexOf("Public services", StringComparison.Ordinal)).IsLessThan(html.IndexOf("Infrastructure", StringComparison.Ordinal));
        }
        await using (var again = await RunningBinary.StartAsync(folder.Path, environment))
            await again.WaitForLineAsync(line => line.Contains("FLATLINE_CONFIG: flatline.yaml is applied already (no changes)", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        await File.WriteAllTextAsync(folder.File("bad.yaml"), "monitors:\n  - key: api\n    name: API\n    interval: soon\n    config: {type: http, url: \"https://api.example.com\"}\n");
        var bad = await PublishedBinary.RunAsync(folder.Path, new Dictionary<string, string> { ["FLATLINE_CONFIG"] = "bad.yaml", ["FLATLINE_ADDRESS"] = "127.0.0.1:0" });
        await Assert.That(bad.ExitCode).IsEqualTo(2).Because(bad.Output);
        await Assert.That(bad.Stderr.TrimEnd().Split('\n').Length).IsEqualTo(1).Because(bad.Stderr);
        await Assert.That(bad.Stderr).StartsWith("error: FLATLINE_CONFIG: bad.yaml:4:15: monitors[api].interval must be a whole number from 10 to 86400 seconds");
        await Assert.That(bad.Stdout).DoesNotContain("Listening");
    }

    [Test]
    public async Task Apply_export_and_apply_again_round_trip_through_the_executable()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("flatline.yaml"), await Example());
        var first = await PublishedBinary.RunAsync(folder.Path, Secrets, "apply", "flatline.yaml");
        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Output);
        await Assert.That(first.Stdout).Contains($"Applied {ConfigExample.Changes} changes in one transaction.");
        var export = await PublishedBinary.RunAsync(folder.Path, null, "export", "export.yaml");
        await Assert.That(export.ExitCode).IsEqualTo(0).Because(export.Output);

        var empty = new Dictionary<string, string>(Secrets) { ["DATABASE_URL"] = "sqlite:other.db" };
        var onEmpty = await PublishedBinary.RunAsync(folder.Path, empty, "apply", "export.yaml");
        await Assert.That(onEmpty.ExitCode).IsEqualTo(0).Because(onEmpty.Output);
        var again = await PublishedBinary.RunAsync(folder.Path, empty, "export");
        await Assert.That(again.Stdout).IsEqualTo(await File.ReadAllTextAsync(folder.File("export.yaml")));
        var twice = await PublishedBinary.RunAsync(folder.Path, Secrets, "apply", "export.yaml", "--dry-run");
        await Assert.That(twice.Stdout).Contains("No changes");
    }

    [Test]
    public async Task The_kuma_fixture_imports_through_the_executable_once()
    {
        using var folder = new TempFolder();
        var fixture = Path.GetFullPath(Repository.File("Flatline.Tests", "Fixtures", "uptime-kuma-2.5.3"));
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            if (File.Exists(Path.Combine(fixture, "kuma.db" + suffix)))
            {
                File.Copy(Path.Combine(fixture, "kuma.db" + suffix), folder.File("kuma.db" + suffix));
                File.SetAttributes(folder.File("kuma.db" + suffix), FileAttributes.Normal);
            }
        var first = await PublishedBinary.RunAsync(folder.Path, null, "import", "kuma.db");
        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Output);
        await Assert.That(first.Stdout).Contains("maintenance windows           2 imported");
        await Assert.That(first.Stdout).Contains("status pages                  1 imported");
        await Assert.That(first.Stdout).Contains("announcements                 1 imported");
        await Assert.That(first.Stdout).Contains("skipped monitor");
        var second = await PublishedBinary.RunAsync(folder.Path, null, "import", "kuma.db");
        await Assert.That(second.Stdout).Contains("Nothing imported");
    }
}
