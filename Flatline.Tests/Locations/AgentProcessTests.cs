using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Locations;

/// <summary>The published executable as a main node and as two agents, each agent in a network namespace of
/// the test's own (<see cref="AgentNetwork"/>): the monitor's target is <c>http://127.0.0.1:PORT/</c>, a
/// different server from each location, which the test takes away from one agent or another; or it cuts an
/// agent from the main node, or kills it.</summary>
[NotInParallel("agent-processes")]
public class AgentProcessTests
{
    sealed class Cluster : IAsyncDisposable
    {
        public required TempFolder Folder;
        public required AgentNetwork Network;
        public required ChildProcess Main;
        public required Uri BaseAddress;
        public required FlatlineClient Api;
        public required int TargetPort;
        public readonly List<ChildProcess> Targets = [];
        public readonly ChildProcess?[] Agents = new ChildProcess?[2];
        public readonly string[] Tokens = new string[2];

        public ChildProcess StartAgent(int i, IReadOnlyList<string>? preload = null, IDictionary<string, string>? environment = null) =>
            Agents[i] = Network.StartInside(i, PublishedBinary.Path,
                ["agent", "--server", BaseAddress.AbsoluteUri, "--token", Tokens[i], "--data", Path.Combine(Folder.Path, $"agent{i}.db")], Folder.Path, environment);

        public async ValueTask DisposeAsync()
        {
            foreach (var agent in Agents) if (agent is not null) await agent.DisposeAsync();
            foreach (var target in Targets) await target.DisposeAsync();
            await Main.DisposeAsync();
            Api.Dispose();
            await Network.DisposeAsync();
            Folder.Dispose();
        }
    }

    static readonly string[] Names = ["eu", "us"];

    static async Task<Cluster> StartAsync(int offlineSeconds)
    {
        var folder = new TempFolder();
        var network = await AgentNetwork.CreateAsync(2);
        var env = new Dictionary<string, string> { ["DATABASE_URL"] = $"sqlite:{Path.Combine(folder.Path, "main.db")}", ["LOCATION_OFFLINE_SECONDS"] = offlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var tokens = new string[2];
        for (var i = 0; i < 2; i++)
        {
            var created = await PublishedBinary.RunAsync(folder.Path, env, "location", "create", Names[i]);
            await Assert.That(created.ExitCode).IsEqualTo(0).Because(created.Output);
            tokens[i] = created.Stdout.TrimEnd().Split('\n')[^1];
            await Assert.That(tokens[i]).StartsWith("fla_");
        }
        var apiToken = await PublishedBinary.CreateTokenAsync(folder.Path, env, "test");
        var port = LoopbackServer.FreePort();
        var main = ChildProcess.Start(PublishedBinary.StartInfo(folder.Path, env, "--address", $"{network.MainAddress}:{port}"));
        var baseAddress = new Uri($"http://{network.MainAddress}:{port}/");
        var api = new FlatlineClient(baseAddress, apiToken);
        var cluster = new Cluster { Folder = folder, Network = network, Main = main, BaseAddress = baseAddress, Api = api, TargetPort = LoopbackServer.FreePort() };
        cluster.Tokens[0] = tokens[0];
        cluster.Tokens[1] = tokens[1];
        if (!await Poll.UntilAsync(async () => { try { return (await api.GetAsync("/healthz")).IsSuccess; } catch (HttpRequestException) { return false; } }, TimeSpan.FromSeconds(15)))
            throw new InvalidOperationException("the main node did not start: " + main.Output);
        // The same URL is a different server from each location: one on the host's loopback, one in each namespace's.
        var serve = new[] { "-m", "http.server", cluster.TargetPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1" };
        cluster.Targets.Add(ChildProcess.Start("python3", serve, folder.Path));
        for (var i = 0; i < 2; i++) cluster.Targets.Add(network.StartInside(i, "python3", serve, folder.Path));
        // Every target answers before the monitor exists: a first check against a server still starting would be a real failure.
        var url = $"http://127.0.0.1:{cluster.TargetPort}/";
        string[] probe = ["curl", "-s", "-o", "/dev/null", "-m", "1", "-f", url];
        for (var i = -1; i < 2; i++)
        {
            var ready = await Poll.UntilAsync(async () => (i < 0
                ? await ChildProcess.RunAsync(probe[0], probe[1..], limit: TimeSpan.FromSeconds(5))
                : await ChildProcess.RunAsync("ip", ["netns", "exec", network.Spaces[i].Name, .. probe], limit: TimeSpan.FromSeconds(5))).ExitCode == 0, TimeSpan.FromSeconds(15));
            if (!ready) throw new InvalidOperationException($"the target of location {i} did not start");
        }
        for (var i = 0; i < 2; i++) cluster.StartAgent(i);
        return cluster;
    }

    static async Task<string> MonitorAsync(Cluster c, string quorum = "majority", int retries = 0)
    {
        var created = await c.Api.PostAsync("/api/v1/monitors",
            $$$"""{"name":"spread","interval":10,"timeout":2,"retries":{{{retries}}},"locations":["local","eu","us"],"quorum":"{{{quorum}}}","config":{"type":"http","url":"http://127.0.0.1:{{{c.TargetPort}}}/"}}""");
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created).Because(created.Text);
        return created.Json.GetProperty("id").GetString()!;
    }

    static async Task<List<CheckView>> Checks(Cluster c, string id, string location) => (await c.Api.ListChecksAsync(id, $"location={location}&limit=100")).Value;

    /// <summary>Waits until the location's newest check is <paramref name="status"/>, having seen at least one check after <paramref name="after"/>.</summary>
    static Task<bool> LatestIs(Cluster c, string id, string location, MonitorStatus status, DateTime after, int seconds = 40) => Poll.UntilAsync(async () =>
        (await Checks(c, id, location)) is [var newest, ..] && newest.CheckedAt > after && newest.Status == status, TimeSpan.FromSeconds(seconds));

    [Test]
    public async Task One_location_cut_off_from_the_target_is_no_incident_under_majority_and_two_are_one_incident_naming_both()
    {
        await using var c = await StartAsync(offlineSeconds: 60);
        var id = await MonitorAsync(c);
        foreach (var location in new[] { "local", "eu", "us" })
            await Assert.That(await LatestIs(c, id, location, MonitorStatus.Up, DateTime.MinValue)).IsTrue().Because($"{location}: {c.Main.Output}");

        await c.Network.CutFromTargetAsync(0);
        var cut = DateTime.UtcNow;
        await Assert.That(await LatestIs(c, id, "eu", MonitorStatus.Down, cut)).IsTrue();
        // The others still see it up, after the eu failure too.
        await Assert.That(await LatestIs(c, id, "us", MonitorStatus.Up, cut)).IsTrue();
        await Assert.That(await LatestIs(c, id, "local", MonitorStatus.Up, cut)).IsTrue();
        await Assert.That((await c.Api.GetMonitorAsync(id)).Value.Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That((await c.Api.ListIncidentsAsync(id)).Value).IsEmpty();

        await c.Network.CutFromTargetAsync(1);
        await Assert.That(await Poll.UntilAsync(async () => (await c.Api.ListIncidentsAsync(id)).Value.Count > 0, TimeSpan.FromSeconds(40))).IsTrue();
        var incidents = (await c.Api.ListIncidentsAsync(id)).Value;
        await Assert.That(incidents.Count).IsEqualTo(1);
        await Assert.That(incidents[0].Locations).IsEquivalentTo(["eu", "us"]);
        await Assert.That((await c.Api.GetMonitorAsync(id)).Value.Status).IsEqualTo(MonitorStatus.Down);
        await Assert.That(c.Agents[0]!.Output).DoesNotContain("unreachable");
    }

    [Test]
    public async Task An_agent_cut_off_from_the_main_node_keeps_its_results_and_delivers_them_in_order_once()
    {
        await using var c = await StartAsync(offlineSeconds: 60);
        var id = await MonitorAsync(c);
        await Assert.That(await LatestIs(c, id, "eu", MonitorStatus.Up, DateTime.MinValue)).IsTrue().Because(c.Main.Output);

        await c.Network.CutFromMainAsync(0);
        var cutAt = DateTime.UtcNow;
        await Assert.That(await Poll.UntilAsync(() => Task.FromResult(c.Agents[0]!.Output.Contains("unreachable")), TimeSpan.FromSeconds(60))).IsTrue();
        // Really cut, for most of a minute: nothing of eu's arrives meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(45));
        var during = await Checks(c, id, "eu");
        await Assert.That(during.Count(x => x.CheckedAt > cutAt.AddSeconds(12))).IsEqualTo(0);
        await c.Network.CutFromMainAsync(0, cut: false);
        await Assert.That(await Poll.UntilAsync(() => Task.FromResult(c.Agents[0]!.Output.Contains("reconnected")), TimeSpan.FromSeconds(30))).IsTrue().Because(c.Agents[0]!.Output);
        await Assert.That(await Poll.UntilAsync(async () => (await Checks(c, id, "eu")).Count(x => x.CheckedAt > cutAt.AddSeconds(40)) > 0, TimeSpan.FromSeconds(30))).IsTrue();

        var checks = (await Checks(c, id, "eu")).OrderBy(x => x.CheckedAt).ToList();
        await Assert.That(checks.Select(x => x.Id).Distinct().Count()).IsEqualTo(checks.Count);
        // One check every 10 s, none missing and none twice, also across the cut (the buffer kept their own times).
        for (var i = 1; i < checks.Count; i++)
            await Assert.That((checks[i].CheckedAt - checks[i - 1].CheckedAt).TotalSeconds).IsBetween(8.0, 12.0).Because(string.Join(", ", checks.Select(x => x.CheckedAt.ToString("HH:mm:ss.fff"))));
        await Assert.That(checks.Count(x => x.CheckedAt > cutAt && x.CheckedAt < cutAt.AddSeconds(45))).IsGreaterThanOrEqualTo(4);
    }

    [Test]
    public async Task A_killed_agent_turns_its_location_offline_with_one_alert_and_the_monitor_stays_as_it_was()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var c = await StartAsync(offlineSeconds: 8);
        var hook = await c.Api.PostAsync("/api/v1/notification-channels", $$$"""{"name":"hook","config":{"type":"webhook","url":"{{{receiver.Url("/hook")}}}"}}""");
        await Assert.That(hook.Status).IsEqualTo(HttpStatusCode.Created);
        var id = await MonitorAsync(c);
        await Assert.That(await LatestIs(c, id, "eu", MonitorStatus.Up, DateTime.MinValue)).IsTrue();
        await Assert.That((await c.Api.GetMonitorAsync(id)).Value.Status).IsEqualTo(MonitorStatus.Up);

        c.Agents[0]!.Signal(9);
        await Assert.That(await Poll.UntilAsync(() => Task.FromResult(receiver.Requests.Any(r => r.BodyText.Contains("location.offline"))), TimeSpan.FromSeconds(40))).IsTrue();
        var locations = (await c.Api.GetAsync("/api/v1/locations")).Json.EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("status").GetString());
        await Assert.That(locations["eu"]).IsEqualTo("offline");
        await Assert.That(locations["us"]).IsEqualTo("online");
        // Two more checks of the others: still up, one alert, no incident.
        var since = DateTime.UtcNow;
        await Assert.That(await LatestIs(c, id, "us", MonitorStatus.Up, since)).IsTrue();
        await Assert.That(await LatestIs(c, id, "local", MonitorStatus.Up, since)).IsTrue();
        await Assert.That((await c.Api.GetMonitorAsync(id)).Value.Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That((await c.Api.ListIncidentsAsync(id)).Value).IsEmpty();
        await Assert.That(receiver.Requests.Count(r => r.BodyText.Contains("location.offline"))).IsEqualTo(1);
        await Assert.That(c.Main.Output).Contains("Location eu is offline");
    }
}
