using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Flatline.Tests.Checks;

/// <summary>The <c>tcp</c> check type: its validator as pure code, its probe against real loopback
/// sockets (open, closed, black-holed, TLS), and a monitor of it through the real server.</summary>
public sealed class TcpCheckTests
{
    static readonly TcpCheckType Type = new(TimeProvider.System);
    static readonly CheckTypes Registered = CheckTypes.Create(TimeProvider.System);

    static TcpCheckSpec Spec(int port, bool tls = false, bool verifyTls = true, int timeoutSeconds = 2) =>
        new("127.0.0.1", port, tls, verifyTls, TimeSpan.FromSeconds(timeoutSeconds));

    static (MonitorConfig? Config, Dictionary<string, string[]> Errors) Validate(string json)
    {
        var errors = new Dictionary<string, string[]>();
        using var document = JsonDocument.Parse(json);
        return (Registered.Validate(document.RootElement, errors), errors);
    }

    /// <summary>A listener that accepts and holds connections until disposed.</summary>
    sealed class OpenPort : IDisposable
    {
        readonly TcpListener listener = new(IPAddress.Loopback, 0);

        public OpenPort()
        {
            listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public int Accepted;

        async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref Accepted);
                    client.Dispose();
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        public void Dispose() => listener.Stop();
    }

    /// <summary>A port that refuses: bound once to find a free one, then closed.</summary>
    static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    [Test]
    [Arguments("""{"type":"tcp","port":5432}""", "config.host")]
    [Arguments("""{"type":"tcp","host":"","port":5432}""", "config.host")]
    [Arguments("""{"type":"tcp","host":"db..example","port":5432}""", "config.host")]
    [Arguments("""{"type":"tcp","host":"-db.example","port":5432}""", "config.host")]
    [Arguments("""{"type":"tcp","host":"db example","port":5432}""", "config.host")]
    [Arguments("""{"type":"tcp","host":"fe80::1%eth0","port":5432}""", "config.host")]
    [Arguments("""{"type":"tcp","host":7,"port":5432}""", "config.host")]
    [Arguments("""{"type":"tcp","host":"db.example"}""", "config.port")]
    [Arguments("""{"type":"tcp","host":"db.example","port":0}""", "config.port")]
    [Arguments("""{"type":"tcp","host":"db.example","port":65536}""", "config.port")]
    [Arguments("""{"type":"tcp","host":"db.example","port":"5432"}""", "config.port")]
    [Arguments("""{"type":"tcp","host":"db.example","port":5432,"tls":"yes"}""", "config.tls")]
    [Arguments("""{"type":"tcp","host":"db.example","port":5432,"verify_tls":1}""", "config.verify_tls")]
    public async Task A_bad_tcp_config_names_the_field(string json, string field)
    {
        var (_, errors) = Validate(json);
        await Assert.That(errors.Keys).Contains(field);
        await Assert.That(errors.Count).IsEqualTo(1);
    }

    [Test]
    [Arguments("db.example.com", "db.example.com:5432")]
    [Arguments("127.0.0.1", "127.0.0.1:5432")]
    [Arguments("::1", "[::1]:5432")]
    [Arguments("xn--bcher-kva.example.", "xn--bcher-kva.example.:5432")]
    public async Task A_good_tcp_config_gets_its_defaults_and_a_target(string host, string target)
    {
        var (config, errors) = Validate($$"""{"type":"tcp","host":"{{host}}","port":5432}""");
        await Assert.That(errors).IsEmpty();
        var tcp = (TcpMonitorConfig)config!;
        await Assert.That(tcp).IsEqualTo(new TcpMonitorConfig(host, 5432, Tls: false, VerifyTls: true));
        await Assert.That(tcp.Target).IsEqualTo(target);
        await Assert.That(JsonSerializer.Serialize<MonitorConfig>(tcp, FlatlineJson.Default.MonitorConfig))
            .IsEqualTo($$"""{"type":"tcp","host":"{{host}}","port":5432,"tls":false,"verify_tls":true}""");
    }

    [Test]
    public async Task An_open_port_is_up_with_the_connect_time()
    {
        using var open = new OpenPort();
        var outcome = await Type.Probe.CheckAsync(Spec(open.Port), CancellationToken.None);
        await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.LatencyUs!.Value).IsGreaterThan(0L).And.IsLessThan(2_000_000L);
        await Assert.That(outcome.StatusCode).IsNull();
    }

    [Test]
    public async Task A_closed_port_is_connection_refused()
    {
        var outcome = await Type.Probe.CheckAsync(Spec(ClosedPort()), CancellationToken.None);
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("connection refused");
        await Assert.That(outcome.LatencyUs).IsNull();
    }

    [Test]
    public async Task A_black_holed_port_times_out_at_the_monitors_timeout()
    {
        // A listener that never accepts, with a backlog of zero, already holding one connection:
        // the kernel drops every further SYN, as a firewall that drops packets does.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await filler.ConnectAsync(IPAddress.Loopback, port);

        var clock = Stopwatch.StartNew();
        var outcome = await Type.Probe.CheckAsync(Spec(port, timeoutSeconds: 1), CancellationToken.None);
        await Assert.That(outcome.Error).IsEqualTo("timeout after 1 s");
        await Assert.That(clock.Elapsed).IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)).And.IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task A_host_that_does_not_resolve_is_a_dns_failure()
    {
        var outcome = await Type.Probe.CheckAsync(new TcpCheckSpec("does-not-exist.invalid", 80, false, true, TimeSpan.FromSeconds(5)), CancellationToken.None);
        await Assert.That(outcome.Error).IsEqualTo("DNS lookup failed");
    }

    [Test]
    public async Task With_tls_the_handshake_must_complete_and_the_expiry_is_recorded()
    {
        using var certificate = TestCertificates.Valid(days: 12);
        await using var target = await TargetServer.StartAsync(certificate);
        var port = target.BaseAddress.Port;

        var unverified = await Type.Probe.CheckAsync(Spec(port, tls: true, verifyTls: false), CancellationToken.None);
        await Assert.That(unverified.Ok).IsTrue();
        await Assert.That(unverified.TlsExpiresAt!.Value.UtcDateTime).IsEqualTo(certificate.NotAfter.ToUniversalTime());

        // Self-signed: refused when verifying, with the reason and still the expiry.
        var verified = await Type.Probe.CheckAsync(Spec(port, tls: true), CancellationToken.None);
        await Assert.That(verified.Error).IsEqualTo("TLS: certificate not trusted");
        await Assert.That(verified.TlsExpiresAt).IsEqualTo(unverified.TlsExpiresAt);

        // A plain listener is not a TLS server.
        using var open = new OpenPort();
        var plain = await Type.Probe.CheckAsync(Spec(open.Port, tls: true, verifyTls: false), CancellationToken.None);
        await Assert.That(plain.Ok).IsFalse();
        await Assert.That(plain.Error).IsNotNull();
    }

    [Test]
    public async Task An_expired_certificate_is_reported_as_expired()
    {
        using var certificate = TestCertificates.Expired();
        await using var target = await TargetServer.StartAsync(certificate);
        var outcome = await Type.Probe.CheckAsync(Spec(target.BaseAddress.Port, tls: true), CancellationToken.None);
        await Assert.That(outcome.Error).IsEqualTo("TLS: certificate expired");
    }

    [Test]
    public async Task A_tcp_monitor_comes_up_goes_down_when_the_port_closes_and_shows_its_target()
    {
        var open = new OpenPort();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var created = await client.PostJsonAsync("/api/v1/monitors",
            $$$"""{"name":"db","interval":10,"timeout":2,"config":{"type":"tcp","host":"127.0.0.1","port":{{{open.Port}}}}}""");
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var monitor = await created.ReadJsonAsync();
        var id = monitor.GetProperty("id").GetString()!;
        await Assert.That(monitor.GetProperty("target").GetString()).IsEqualTo($"127.0.0.1:{open.Port}");
        await Assert.That(monitor.GetProperty("config").GetRawText())
            .IsEqualTo($$"""{"type":"tcp","host":"127.0.0.1","port":{{open.Port}},"tls":false,"verify_tls":true}""");

        var up = await WaitForStatus(client, id, "up");
        await Assert.That(open.Accepted).IsGreaterThanOrEqualTo(1);
        await Assert.That(up.GetProperty("last_checked_at").ValueKind).IsEqualTo(JsonValueKind.String);

        // Closing the port: the next check (the PATCH re-checks within a second) is refused and, with no retries, down.
        open.Dispose();
        using (var patched = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"timeout":3}"""))
            await Assert.That(patched.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await WaitForStatus(client, id, "down");
        var checks = await (await client.GetAsync($"/api/v1/monitors/{id}/checks")).ReadJsonAsync();
        await Assert.That(checks[0].GetProperty("error").GetString()).IsEqualTo("connection refused");
        var incidents = await (await client.GetAsync($"/api/v1/monitors/{id}/incidents")).ReadJsonAsync();
        await Assert.That(incidents.GetArrayLength()).IsEqualTo(1);
        await Assert.That(incidents[0].GetProperty("cause").GetString()).IsEqualTo("connection refused");
    }

    static async Task<JsonElement> WaitForStatus(HttpClient client, string id, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        JsonElement monitor;
        do
        {
            monitor = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadJsonAsync();
            if (monitor.GetProperty("status").GetString() == status) return monitor;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"monitor {id} stayed {monitor.GetProperty("status").GetString()}, not {status}");
    }
}
