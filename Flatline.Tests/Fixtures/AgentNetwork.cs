namespace Flatline.Tests;

/// <summary>A main node and agents on networks the test made: a bridge on the host with 127.100.N.1, and per
/// agent a network namespace of its own joined to it by a veth pair with 127.100.N.(2+i) (loopback-range
/// addresses only, routed with route_localnet on the test's own interfaces). Each namespace has its own
/// loopback, so <c>http://127.0.0.1:PORT/</c> is a different target from every location, which the test can
/// take away from one agent (its loopback down) or cut the agent from the main node (its link down). All of
/// it is removed on dispose.</summary>
public sealed class AgentNetwork : IAsyncDisposable
{
    readonly string bridge;
    readonly List<(NetworkNamespace Space, string Veth)> agents = [];

    AgentNetwork(int subnet)
    {
        Subnet = subnet;
        bridge = "flb" + Guid.NewGuid().ToString("N")[..8];
    }

    public int Subnet { get; }

    /// <summary>The main node's address on the bridge.</summary>
    public string MainAddress => $"127.100.{Subnet}.1";

    public IReadOnlyList<NetworkNamespace> Spaces => [.. agents.Select(a => a.Space)];

    public static async Task<AgentNetwork> CreateAsync(int count)
    {
        var network = new AgentNetwork(Random.Shared.Next(1, 250));
        try
        {
            await Host("ip", "link", "add", network.bridge, "type", "bridge");
            await Host("ip", "addr", "add", $"{network.MainAddress}/24", "dev", network.bridge);
            await Host("sysctl", "-qw", $"net.ipv4.conf.{network.bridge}.route_localnet=1");
            await Host("ip", "link", "set", network.bridge, "up");
            for (var i = 0; i < count; i++)
            {
                var space = await NetworkNamespace.CreateAsync();
                var veth = network.bridge.Replace("flb", "flv", StringComparison.Ordinal) + i;
                network.agents.Add((space, veth));
                await Host("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
                await Host("ip", "link", "set", veth + "p", "netns", space.Name);
                await Host("ip", "link", "set", veth, "master", network.bridge);
                await Host("ip", "link", "set", veth, "up");
                await space.ExecAsync("ip", "addr", "add", $"127.100.{network.Subnet}.{2 + i}/24", "dev", veth + "p");
                await space.ExecAsync("sysctl", "-qw", $"net.ipv4.conf.{veth}p.route_localnet=1");
                await space.ExecAsync("ip", "link", "set", veth + "p", "up");
            }
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
        return network;
    }

    /// <summary>Cuts (or restores) the agent's link to the main node: its end of the veth pair goes down.</summary>
    public Task CutFromMainAsync(int agent, bool cut = true) => Host("ip", "link", "set", agents[agent].Veth, cut ? "down" : "up");

    /// <summary>Takes the agent's target away (or back): its namespace's loopback goes down, its link to the main node stays.</summary>
    public Task CutFromTargetAsync(int agent, bool cut = true) => agents[agent].Space.ExecAsync("ip", "link", "set", "lo", cut ? "down" : "up");

    /// <summary>Starts <paramref name="file"/> inside the agent's namespace.</summary>
    public ChildProcess StartInside(int agent, string file, IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? environment = null,
        IReadOnlyList<string>? preload = null)
    {
        var info = ChildProcess.StartInfo("ip", ["netns", "exec", agents[agent].Space.Name, file, .. args], workingDirectory);
        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        info.Environment["HOME"] = workingDirectory;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return ChildProcess.Start(info);
    }

    static async Task Host(params string[] command)
    {
        var result = await ChildProcess.RunAsync(command[0], command[1..], limit: TimeSpan.FromSeconds(20));
        if (result.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed: {result.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (space, _) in agents) await space.DisposeAsync();
        await ChildProcess.RunAsync("ip", ["link", "delete", bridge], limit: TimeSpan.FromSeconds(20));
    }
}
