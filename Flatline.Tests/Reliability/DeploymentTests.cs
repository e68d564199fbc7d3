using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Flatline.Tests.Reliability;

/// <summary>scripts/flatline.service and scripts/install.sh, checked with the real tools.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public partial class DeploymentTests
{
    static string Unit => Repository.File("scripts", "flatline.service");

    /// <summary>A copy of the unit whose ExecStart names the published executable, because
    /// systemd-analyze checks that the binary exists.</summary>
    static string UnitCopy(TempFolder folder)
    {
        var text = File.ReadAllText(Unit).Replace("ExecStart=/usr/local/bin/flatline", $"ExecStart={PublishedBinary.Path}", StringComparison.Ordinal);
        var path = folder.File("flatline.service");
        File.WriteAllText(path, text);
        return path;
    }

    [GeneratedRegex(@"Overall exposure level for flatline\.service: (\d+\.\d+)")]
    private static partial Regex ExposureLine();

    [Test]
    public async Task Systemd_rates_the_unit_at_two_or_below()
    {
        using var folder = new TempFolder();
        var run = await ChildProcess.RunAsync("systemd-analyze", ["security", "--offline=true", "--no-pager", UnitCopy(folder)]);
        var match = ExposureLine().Match(run.Stdout + run.Stderr);
        await Assert.That(match.Success).IsTrue().Because(run.Stdout + run.Stderr);
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Console.WriteLine($"systemd-analyze security exposure: {exposure}");
        await Assert.That(exposure).IsLessThanOrEqualTo(2.0);
    }

    [Test]
    public async Task Systemd_verifies_the_unit_without_a_word()
    {
        using var folder = new TempFolder();
        var run = await ChildProcess.RunAsync("systemd-analyze", ["verify", "--no-pager", UnitCopy(folder)]);
        await Assert.That(run.ExitCode).IsEqualTo(0);
        await Assert.That((run.Stdout + run.Stderr).Trim()).IsEqualTo("");
    }

    [Test]
    public async Task The_unit_has_the_settings_the_deployment_relies_on()
    {
        var lines = File.ReadAllLines(Unit).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();
        string[] required =
        [
            "ExecStart=/usr/local/bin/flatline", "DynamicUser=yes", "StateDirectory=flatline", "WorkingDirectory=/var/lib/flatline",
            "Environment=DATABASE_URL=sqlite:/var/lib/flatline/flatline.db", "EnvironmentFile=-/etc/flatline/flatline.env",
            "Restart=on-failure", "TimeoutStopSec=15s", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
            "NoNewPrivileges=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
            "CapabilityBoundingSet=", "LockPersonality=yes", "MemoryDenyWriteExecute=yes", "RestrictNamespaces=yes", "RestrictRealtime=yes",
            "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes", "ProtectClock=yes", "ProtectHostname=yes",
            "ProtectControlGroups=yes", "ProtectProc=invisible", "ProcSubset=pid", "UMask=0077",
        ];
        foreach (var line in required) await Assert.That(lines.Contains(line)).IsTrue().Because($"the unit lacks {line}");
        // Probes go to the internet: an allow list or "IPAddressDeny=any" would break every monitor.
        await Assert.That(lines.Any(l => l.StartsWith("IPAddressAllow=", StringComparison.Ordinal))).IsFalse();
        await Assert.That(lines.Any(l => l.StartsWith("IPAddressDeny=", StringComparison.Ordinal) && l.Contains("any", StringComparison.Ordinal))).IsFalse();
    }

    /// <summary>MemoryDenyWriteExecute=yes is the kernel's W^X rule; PR_SET_MDWE applies the same rule
    /// (it is inherited across exec), so the executable is run serving and probing under it.</summary>
    [Test]
    public async Task The_executable_serves_and_probes_with_writable_memory_never_executable()
    {
        await using var target = await TargetServer.StartAsync();
        using var folder = new TempFolder();
        const string Wrapper = """
            import ctypes, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_MDWE, PR_GET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 66, 1
            if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0 or libc.prctl(PR_GET_MDWE, 0, 0, 0, 0) != 1:
                sys.exit("PR_SET_MDWE failed: errno %d" % ctypes.get_errno())
            os.execv(sys.argv[1], sys.argv[1:])
            """;
        // Starting fails the test, with what it printed, unless it serves under the rule.
        await using var binary = await RunningBinary.StartAsync(folder.Path, wrapper: ["python3", "-c", Wrapper]);
        using var api = binary.ApiClient(await PublishedBinary.CreateTokenAsync(folder.Path, null, "mdwe"));
        var created = await api.CreateMonitorAsync(MonitorBody.Http(target.Url("/ok")).Named("mdwe").Interval(60).Timeout(5).Keyword("ok"));
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created);
        var id = created.Value.Id;
        var status = MonitorStatus.Unknown;
        for (var i = 0; i < 100 && status != MonitorStatus.Up; i++)
        {
            await Task.Delay(50);
            status = (await api.GetMonitorAsync(id)).Value.Status;
        }
        await Assert.That(status).IsEqualTo(MonitorStatus.Up);
        await Assert.That((await api.GetAsync("/")).Status).IsEqualTo(HttpStatusCode.OK);
    }

    [Test]
    public async Task Install_puts_every_file_in_place_and_a_second_run_changes_nothing()
    {
        using var root = new TempFolder();
        var script = Repository.File("scripts", "install.sh");
        var first = await ChildProcess.RunAsync("bash", [script, "--binary", PublishedBinary.Path, "--prefix", root.Path]);
        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Stderr);
        await Assert.That(first.Stdout).Contains("systemctl enable --now flatline");
        await Assert.That(first.Stdout).Contains("journalctl -u flatline");

        var binary = root.File("usr/local/bin/flatline");
        var unit = root.File("etc/systemd/system/flatline.service");
        var env = root.File("etc/flatline/flatline.env");
        await Assert.That(File.ReadAllBytes(binary).SequenceEqual(File.ReadAllBytes(PublishedBinary.Path))).IsTrue();
        await Assert.That(File.GetUnixFileMode(binary)).IsEqualTo(Mode("755"));
        await Assert.That(File.ReadAllText(unit)).IsEqualTo(File.ReadAllText(Unit));
        await Assert.That(File.GetUnixFileMode(unit)).IsEqualTo(Mode("644"));
        await Assert.That(File.GetUnixFileMode(env)).IsEqualTo(Mode("600"));
        var owner = await ChildProcess.RunAsync("stat", ["-c", "%u:%g", env]);
        await Assert.That(owner.Stdout.Trim()).IsEqualTo("0:0");

        // Every variable of .env.example, with a generated secret that Flatline accepts.
        var settings = ReadEnv(env);
        foreach (var key in ReadEnv(Repository.File(".env.example")).Keys) await Assert.That(settings.ContainsKey(key)).IsTrue();
        await Assert.That(settings["JWT_SECRET"].Length).IsGreaterThanOrEqualTo(32);
        await Assert.That(settings["DATABASE_URL"]).IsEqualTo("sqlite:/var/lib/flatline/flatline.db");
        var parsed = Settings.Parse(settings, null, out var errors);
        await Assert.That(errors).IsEmpty();
        await Assert.That(parsed is null).IsFalse();

        var before = Snapshot(root.Path);
        var second = await ChildProcess.RunAsync("bash", [script, "--binary", PublishedBinary.Path, "--prefix", root.Path]);
        await Assert.That(second.ExitCode).IsEqualTo(0).Because(second.Stderr);
        await Assert.That(second.Stdout).Contains("never overwritten");
        await Assert.That(Snapshot(root.Path)).IsEquivalentTo(before);

        // DESTDIR works the same, and an edited env file survives a reinstall.
        await File.AppendAllTextAsync(env, "PUBLIC_URL=https://status.example.com\n");
        var edited = File.ReadAllText(env);
        var third = await ChildProcess.RunAsync("bash", [script, "--binary", PublishedBinary.Path], environment: new Dictionary<string, string> { ["DESTDIR"] = root.Path });
        await Assert.That(third.ExitCode).IsEqualTo(0).Because(third.Stderr);
        await Assert.That(File.ReadAllText(env)).IsEqualTo(edited);
    }

    static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    static Dictionary<string, string> ReadEnv(string path) => File.ReadAllLines(path)
        .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('='))
        .Select(l => l.Split('=', 2))
        .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);

    /// <summary>Path, content hash, mode and modification time of every file under a folder.</summary>
    static List<string> Snapshot(string folder) => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
        .Select(f => $"{f} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))} {File.GetUnixFileMode(f)} {File.GetLastWriteTimeUtc(f).Ticks}")
        .ToList();
}
