namespace Flatline.Tests;

/// <summary>A main node and agents on networks the test made: a bridge on the host with 127.100.N.1, and per
/// agent a network namespace of its own joined to it by a veth pair with 127.100.N.M (loopback-range
/// addresses only, routed with route_localnet on the test's own interfaces). Each namespace has its own
/// loopback, so <c>http://127.0.0.1:PORT/</c> is a different target from every location, which the test can
/// take away from one agent (its loopback down) or cut the agent from the main node (its link down).
///
/// <para>The host's addresses never change while tests run: a browser (Chromium) aborts every request in flight
/// with <c>ERR_NETWORK_CHANGED</c> when they do, and the browser tests run beside these. So the bridge and its
/// address are made once, before the first test (<see cref="CreateBridgeAsync"/>), and removed after the last;
/// and no interface the tests add on the host gets an IPv6 link-local address (<c>addrgenmode none</c>), which
/// the kernel would otherwise add and remove each time a link goes up or down. A network's namespaces and veth
/// pairs are removed on dispose.</para></summary>
public sealed class AgentNetwork : IAsyncDisposable
{
    static readonly string Bridge = "flb" + Guid.NewGuid().ToString("N")[..8];
    static readonly int Subnet = Random.Shared.Next(1, 250);
    static Exception? bridgeFailure = new InvalidOperationException("the agents' bridge was not made before the session");
    static int lastHost = 1;

    readonly List<(NetworkNamespace Space, string Veth)> agents = [];

    /// <summary>The main node's address on the bridge.</summary>
    public string MainAddress => $"127.100.{Subnet}.1";

    public IReadOnlyList<NetworkNamespace> Spaces => [.. agents.Select(a => a.Space)];

    [Before(TestSession)]
    public static async Task CreateBridgeAsync()
    {
        try
        {
            await Host("ip", "link", "add", Bridge, "type", "bridge");
            await Host("ip", "link", "set", Bridge, "addrgenmode", "none");
            await Host("ip", "addr", "add", $"127.100.{Subnet}.1/24", "dev", Bridge);
            await Host("sysctl", "-qw", $"net.ipv4.conf.{Bridge}.route_localnet=1");
            await Host("ip", "link", "set", Bridge, "up");
            bridgeFailure = null;
        }
        catch (Exception e)
        {
            // Only the tests that use agents fail for it (in CreateAsync), with this reason.
            bridgeFailure = e;
        }
    }

    [After(TestSession)]
    public static async Task DeleteBridgeAsync() =>
        await ChildProcess.RunAsync("ip", ["link", "delete", Bridge], limit: TimeSpan.FromSeconds(20));

    public static async Task<AgentNetwork> CreateAsync(int count)
    {
        if (bridgeFailure is not null) throw new InvalidOperationException("the agents' bridge could not be made", bridgeFailure);
        var network = new AgentNetwork();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var host = Interlocked.Increment(ref lastHost);
                if (host > 254) throw new InvalidOperationException("no address left on the agents' bridge");
                var space = await NetworkNamespace.CreateAsync();
                var veth = "flv" + host.ToString(System.Globalization.CultureInfo.InvariantCulture) + Bridge[3..9];
                network.agents.Add((space, veth));
                await Host("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
                await Host("ip", "link", "set", veth, "addrgenmode", "none");
                await Host("ip", "link", "set", veth + "p", "netns", space.Name);
                await Host("ip", "link", "set", veth, "master", Bridge);
                await Host("ip", "link", "set", veth, "up");
                await space.ExecAsync("ip", "addr", "add", $"127.100.{Subnet}.{host}/24", "dev", veth + "p");
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

    /// <summary>Deleting a namespace deletes the veth pair whose one end is in it.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (space, _) in agents) await space.DisposeAsync();
    }
}
