using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Flatline.Tests.Locations;

/// <summary>The published executable as a main node and as two real agents whose wall clocks are half a
/// minute off, one ahead and one behind, through Debian's libfaketime (LD_PRELOAD: the executable calls
/// libc's clock_gettime through the dynamic linker, so the preload takes its clock; the monotonic clock
/// is left alone, as a skewed machine's would be). Each location checks a monitor of its own against one
/// target on 127.0.0.1 that notes, on the test's true clock, when each request came: every stored check
/// must sit at the moment its request really arrived, so that the three locations' checks interleave as
/// they really ran.</summary>
[NotInParallel("agent-processes")]
public class AgentClockProcessTests
{
    const string FakeTime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    static readonly string[] Locations = ["local", "ahead", "behind"];

    [Test]
    public async Task Agents_whose_clocks_are_30_s_ahead_and_behind_store_their_checks_at_the_true_time_and_in_order()
    {
        await Assert.That(File.Exists(FakeTime)).IsTrue().Because($"{FakeTime} is Debian's faketime package (scripts/deps test installs it)");
        using var folder = new TempFolder();
        var arrivals = new ConcurrentQueue<(string Path, DateTime At)>();
        await using var target = await LoopbackServer.StartAsync(context =>
        {
            arrivals.Enqueue((context.Request.Path.Value ?? "", DateTime.UtcNow));
            return Task.CompletedTask;
        });
        var env = new Dictionary<string, string> { ["DATABASE_URL"] = $"sqlite:{folder.File("main.db")}" };
        var apiToken = await PublishedBinary.CreateTokenAsync(folder.Path, env, "test");
        await using var main = await RunningBinary.StartAsync(folder.Path, env);
        using var api = new FlatlineClient(main.BaseAddress, apiToken);

        var ids = new Dictionary<string, string>();
        var tokens = new Dictionary<string, string>();
        foreach (var location in Locations)
        {
            if (location != "local")
            {
                var created = await api.PostAsync("/api/v1/locations", $$"""{"name":"{{location}}"}""");
                await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created).Because(created.Text);
                tokens[location] = created.Json.GetProperty("token").GetString()!;
            }
            var monitor = await api.PostAsync("/api/v1/monitors",
                $$$"""{"name":"{{{location}}}","interval":10,"timeout":2,"locations":["{{{location}}}"],"config":{"type":"http","url":"{{{target.Url("/" + location)}}}"}}""");
            await Assert.That(monitor.Status).IsEqualTo(HttpStatusCode.Created).Because(monitor.Text);
            ids[location] = monitor.Json.GetProperty("id").GetString()!;
        }

        var started = DateTime.UtcNow;
        await using var ahead = StartAgent(folder, main.BaseAddress, tokens["ahead"], "+30s");
        await using var behind = StartAgent(folder, main.BaseAddress, tokens["behind"], "-30s");
        // The agents really run on the false clocks: each sees the main node's time half a minute from its own.
        await Assert.That(await SkewAsync(ahead)).IsBetween(28, 31).Because(ahead.Output);
        await Assert.That(await SkewAsync(behind)).IsBetween(-31, -28).Because(behind.Output);

        var stored = new Dictionary<string, List<CheckView>>();
        var enough = await Poll.UntilAsync(async () =>
        {
            foreach (var location in Locations) stored[location] = (await api.ListChecksAsync(ids[location], "limit=100")).Value;
            return stored.Values.All(checks => checks.Count >= 4);
        }, TimeSpan.FromSeconds(90));
        var readAt = DateTime.UtcNow;
        await Assert.That(enough).IsTrue().Because(string.Join("; ", stored.Select(s => $"{s.Key}: {s.Value.Count}")) + "\n" + ahead.Output + behind.Output);

        var requests = arrivals.ToArray();
        foreach (var location in Locations)
        {
            var checks = stored[location].OrderBy(c => c.CheckedAt).ToList();
            var own = requests.Where(r => r.Path == "/" + location).Select(r => r.At).OrderBy(t => t).ToList();
            var shown = string.Join(", ", checks.Select(c => c.CheckedAt.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))
                + " vs requests " + string.Join(", ", own.Select(t => t.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)));
            await Assert.That(checks.All(c => c.Status == MonitorStatus.Up)).IsTrue().Because($"{location}: {shown}");
            await Assert.That(checks.Select(c => c.Id).Distinct().Count()).IsEqualTo(checks.Count);
            foreach (var check in checks)
            {
                // Never in the future nor before the agents existed (30 s off would be either).
                await Assert.That(check.CheckedAt).IsGreaterThan(started.AddSeconds(-1)).Because($"{location}: {shown}");
                await Assert.That(check.CheckedAt).IsLessThan(readAt.AddSeconds(1)).Because($"{location}: {shown}");
                // At the moment its request reached the target, on the test's own clock.
                var nearest = own.MinBy(t => Math.Abs((t - check.CheckedAt).TotalMilliseconds));
                await Assert.That(Math.Abs((nearest - check.CheckedAt).TotalMilliseconds)).IsLessThan(1000).Because($"{location}: {shown}");
            }
            // One check per request, in the order the requests came, an interval apart.
            await Assert.That(own.Count(t => t <= checks[^1].CheckedAt.AddSeconds(1))).IsEqualTo(checks.Count).Because($"{location}: {shown}");
            for (var i = 1; i < checks.Count; i++)
                await Assert.That((checks[i].CheckedAt - checks[i - 1].CheckedAt).TotalSeconds).IsBetween(8.0, 12.0).Because($"{location}: {shown}");
        }
        await Assert.That(ahead.Output).DoesNotContain("unreachable");
        await Assert.That(behind.Output).DoesNotContain("unreachable");
    }

    static ChildProcess StartAgent(TempFolder folder, Uri server, string token, string offset) =>
        ChildProcess.Start(PublishedBinary.StartInfo(folder.Path, new Dictionary<string, string>
        {
            ["FLATLINE_AGENT_TOKEN"] = token,
            ["LD_PRELOAD"] = FakeTime,
            ["FAKETIME"] = offset,
            ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        }, "agent", "--server", server.AbsoluteUri, "--data", folder.File($"agent{offset}.db")));

    /// <summary>The agent's own word on how far its clock is from the main node's, in whole seconds.</summary>
    static async Task<int> SkewAsync(ChildProcess agent)
    {
        var line = await agent.WaitForLineAsync(l => l.Contains("connected to", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        var match = Regex.Match(line, @"this clock is (-?\d+) s off");
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
