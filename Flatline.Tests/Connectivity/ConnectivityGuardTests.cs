using System.Net;
using System.Net.Sockets;

namespace Flatline.Tests.Connectivity;

/// <summary>The connectivity guard against canaries on loopback that the test stops and starts: a TCP
/// listener and a real dnsmasq. Fake time for the engine; the canaries themselves answer in real time.</summary>
public sealed class ConnectivityGuardTests
{
    static readonly TimeSpan Step = TimeSpan.FromSeconds(1);
    const string CanaryName = "canary.test";

    static TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        return listener;
    }

    static Task<Dnsmasq> Resolver(int? port = null) => Dnsmasq.StartAsync([$"host-record={CanaryName},127.0.0.2"], port: port);

    static Settings Canaries(Settings settings, int tcpPort, Dnsmasq dns) => settings with
    {
        ConnectivityCheck = [new ConnectivityCanary("tcp", "127.0.0.1", tcpPort, null), new ConnectivityCanary("dns", "127.0.0.1", dns.Port, CanaryName)],
    };

    static async Task<string> State(FlatlineClient api) => (await api.GetAsync("/api/v1/connectivity")).Json.GetProperty("state").GetString()!;

    static async Task Until(FakeClock clock, Func<Task<bool>> done, int maxSteps = 4000)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            if (await done()) return;
            await clock.AdvanceAsync(Step);
        }
        throw new TimeoutException($"the condition did not hold after {maxSteps} steps");
    }

    /// <summary>Reads the stream until a <c>connectivity_changed</c> to <paramref name="state"/> (the first
    /// round's unknown → online may come first).</summary>
    static async Task Changed(EventStream stream, string state)
    {
        for (var i = 0; i < 5; i++)
            if ((await stream.NextOfTypeAsync("connectivity_changed", TimeSpan.FromSeconds(10))).GetProperty("state").GetString() == state) return;
        throw new InvalidOperationException($"no connectivity_changed to {state}");
    }

    static string[] Events(Receiver receiver) => [.. receiver.Requests.Select(r => r.Json().GetProperty("event").GetString()!)];

    [Test]
    public async Task While_every_canary_fails_a_failing_monitor_opens_no_incident_its_time_is_offline_and_each_way_is_told_once()
    {
        var listener = Listen(0);
        var tcpPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        var dns = await Resolver();
        await using var receiver = await Receiver.StartAsync();
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 500;
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(s => Canaries(s, tcpPort, dns), clock);
        using var api = server.CreateApiClient();
        var id = (await api.CreateMonitorAsync(MonitorBody.Http(target.Url("/health")).Interval(10).Timeout(2).Paused())).Value.Id;
        var channel = (await api.CreateNotificationChannelAsync(ChannelBody.Webhook(receiver.Url("/hook")))).Value.Id;
        (await api.LinkMonitorChannelAsync(id, channel, onRecovery: true)).Expect(HttpStatusCode.Created);
        await using var stream = await api.OpenStreamAsync();
        try
        {
            await Until(clock, async () => await State(api) == "online");
            var view = (await api.GetAsync("/api/v1/connectivity")).Json;
            await Assert.That(view.GetProperty("canaries").EnumerateArray().Select(c => c.GetProperty("ok").GetBoolean()).ToArray()).IsEquivalentTo(new[] { true, true });
            await Assert.That(view.GetProperty("canaries")[1].GetProperty("target").GetString()).IsEqualTo($"dns:{CanaryName}@127.0.0.1:{dns.Port}");

            // The uplink goes: both canaries stop.
            listener.Stop();
            var dnsPort = dns.Port;
            await dns.DisposeAsync();
            await Until(clock, async () => await State(api) == "offline");
            await Changed(stream, "offline");
            var errors = (await api.GetAsync("/api/v1/connectivity")).Json.GetProperty("canaries").EnumerateArray().Select(c => c.GetProperty("error").GetString()!).ToList();
            await Assert.That(errors).IsEquivalentTo(new[] { "connection refused", "connection refused" });

            (await api.UpdateMonitorAsync(id, MonitorBody.Change().Enabled())).Expect(HttpStatusCode.OK);
            await clock.AdvanceUntilAsync(() => server.Scalar<long>("SELECT count(*) FROM checks WHERE ok = 0") >= 4, Step, 200);
            await Assert.That(server.Scalar<long>("SELECT count(*) FROM incidents")).IsEqualTo(0L);
            await Assert.That(server.Scalar<long>("SELECT count(*) FROM outbox WHERE kind = 'down'")).IsEqualTo(0L);
            await Assert.That((await api.GetMonitorAsync(id)).Value.Status).IsEqualTo(MonitorStatus.Down);
            await Assert.That((await api.GetMonitorStatsAsync(id)).Value.Windows.Last24Hours.OfflineSeconds).IsGreaterThan(0L);

            // Back: the canaries answer again where they were.
            listener = Listen(tcpPort);
            dns = await Resolver(dnsPort);
            await Until(clock, async () => await State(api) == "online");
            await Changed(stream, "online");

            // Still failing once online: its incident opens, once, and alerts.
            await clock.AdvanceUntilAsync(() => server.Scalar<long>("SELECT count(*) FROM incidents") == 1, Step, 100);
            await clock.AdvanceUntilAsync(() => Events(receiver).Contains("monitor.down"), Step, 100);
            await clock.AdvanceAsync(Step, 30);
            var events = Events(receiver);
            await Assert.That(events.Count(e => e == "connectivity.lost")).IsEqualTo(1);
            await Assert.That(events.Count(e => e == "connectivity.regained")).IsEqualTo(1);
            await Assert.That(events.Count(e => e == "monitor.down")).IsEqualTo(1);
            await Assert.That(events.Length).IsEqualTo(3);
            var notice = receiver.Requests.First(r => r.Json().GetProperty("event").GetString() == "connectivity.lost").Json();
            await Assert.That(notice.GetProperty("monitor").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Null);
            await Assert.That(server.Scalar<long>("SELECT count(*) FROM incidents")).IsEqualTo(1L);
            var incident = (await api.ListIncidentsAsync(id)).Value.Single();

            // The offline span is stored, closed, and counted as offline time, not downtime.
            await Assert.That(server.Scalar<long>("SELECT count(*) FROM offline_spans WHERE ended_at IS NOT NULL")).IsEqualTo(1L);
            var spanEnd = server.Scalar<long>("SELECT ended_at FROM offline_spans");
            var offlineMs = server.Scalar<long>("SELECT sum(offline_ms) FROM rollups_hourly");
            var firstCheck = server.Scalar<long>("SELECT min(checked_at) FROM checks");
            var enabledAt = server.Scalar<long>($"SELECT enabled_at FROM monitors WHERE uid = '{id}'");
            // From the moment it was enabled (before its first check, by a step or, on a loaded machine, more) to the span's end.
            await Assert.That(offlineMs).IsGreaterThanOrEqualTo(spanEnd - firstCheck);
            await Assert.That(offlineMs).IsLessThanOrEqualTo(spanEnd - enabledAt + 1000);
            var window = (await api.GetMonitorStatsAsync(id)).Value.Windows.Last24Hours;
            await Assert.That(window.OfflineSeconds).IsEqualTo(offlineMs / 1000);
            await Assert.That(window.MaintenanceSeconds).IsEqualTo(0L);
            // Down time: from the first check after the span to now, none of the offline time in it.
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            await Assert.That(window.DowntimeSeconds * 1000).IsLessThanOrEqualTo(now - spanEnd + 1000);
            await Assert.That(incident.StartedAt).IsGreaterThanOrEqualTo(Timestamps.FromMs(spanEnd));
        }
        finally
        {
            listener.Stop();
            await dns.DisposeAsync();
        }
    }

    [Test]
    public async Task Online_a_failure_waits_for_one_canary_round_then_opens_its_incident_once()
    {
        var listener = Listen(0);
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 500;
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(s => s with
        {
            ConnectivityCheck = [new ConnectivityCanary("tcp", "127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, null)],
        }, clock);
        try
        {
            using var api = server.CreateApiClient();
            var id = (await api.CreateMonitorAsync(MonitorBody.Http(target.Url("/health")).Interval(60).Timeout(2).Paused())).Value.Id;
            await Until(clock, async () => await State(api) == "online");
            // Past the freshness of the round that found it online, before the next one (every 10 s).
            await clock.AdvanceAsync(Step, 4);
            (await api.UpdateMonitorAsync(id, MonitorBody.Change().Enabled())).Expect(HttpStatusCode.OK);
            // The held failure is checked again at once after the round, well before the 60 s interval.
            await clock.AdvanceUntilAsync(() => server.Scalar<long>("SELECT count(*) FROM incidents") == 1, TimeSpan.FromMilliseconds(200), 200);
            await Assert.That(server.Scalar<long>("SELECT count(*) FROM checks")).IsEqualTo(2L);
            await clock.AdvanceAsync(Step, 70);
            await Assert.That(server.Scalar<long>("SELECT count(*) FROM incidents")).IsEqualTo(1L);
            await Assert.That(server.Scalar<long>("SELECT count(*) FROM offline_spans")).IsEqualTo(0L);
            await Assert.That((await api.GetMonitorStatsAsync(id)).Value.Windows.Last24Hours.OfflineSeconds).IsEqualTo(0L);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Test]
    public async Task Without_CONNECTIVITY_CHECK_the_guard_is_off()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var view = (await api.GetAsync("/api/v1/connectivity")).Expect(HttpStatusCode.OK).Json;
        await Assert.That(view.GetProperty("state").GetString()).IsEqualTo("off");
        await Assert.That(view.GetProperty("since").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Null);
        await Assert.That(view.GetProperty("canaries").GetArrayLength()).IsEqualTo(0);
        (await server.CreateAnonymousApiClient().GetAsync("/api/v1/connectivity")).Expect(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task CONNECTIVITY_CHECK_reads_tcp_and_dns_canaries()
    {
        var settings = Settings.Parse(new Dictionary<string, string>
        {
            ["CONNECTIVITY_CHECK"] = " tcp:1.1.1.1:53, dns:example.com,dns:example.org@9.9.9.9,dns:example.net@[2001:db8::1]:5353,tcp:[::1]:80,tcp:db.lan:5432",
        }, null, out var errors);
        await Assert.That(errors).IsEmpty();
        await Assert.That(settings!.ConnectivityCheck.Select(c => c.ToString())).IsEquivalentTo(new[]
        {
            "tcp:1.1.1.1:53", "dns:example.com", "dns:example.org@9.9.9.9:53", "dns:example.net@[2001:db8::1]:5353", "tcp:[::1]:80", "tcp:db.lan:5432",
        });
        await Assert.That(Settings.Parse(new Dictionary<string, string>(), null, out _)!.ConnectivityCheck).IsEmpty();
    }

    [Test]
    [Arguments("tcp:1.1.1.1")]
    [Arguments("tcp:1.1.1.1:0")]
    [Arguments("tcp:1.1.1.1:99999")]
    [Arguments("udp:1.1.1.1:53")]
    [Arguments("dns:")]
    [Arguments("dns:exa mple.com")]
    [Arguments("dns:example.com@")]
    [Arguments("tcp:1.1.1.1:53,")]
    [Arguments("1.1.1.1:53")]
    [Arguments("on")]
    public async Task A_bad_CONNECTIVITY_CHECK_stops_start_up_with_one_line_naming_it(string value)
    {
        await Assert.That(Settings.Parse(new Dictionary<string, string> { ["CONNECTIVITY_CHECK"] = value }, null, out var errors)).IsNull();
        await Assert.That(errors.Count).IsEqualTo(1);
        await Assert.That(errors[0]).StartsWith("CONNECTIVITY_CHECK must be a comma-separated list of tcp:HOST:PORT and dns:NAME[@SERVER[:PORT]]");
    }
}
