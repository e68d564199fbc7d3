using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Checks;

/// <summary>The <c>ping</c> check type: its validator and its loss and median maths as pure code, its
/// probe against real loopbacks: the test's own, and those of network namespaces the tests make, where
/// the process may use only datagram ICMP sockets, none at all, or where the host ignores echo requests.</summary>
public sealed class PingCheckTests
{
    static readonly PingCheckType Type = new(TimeProvider.System);
    static readonly CheckTypes Registered = CheckTypes.Create(TimeProvider.System);

    static PingCheckSpec Spec(string host = "127.0.0.1", int count = 3, int maxLoss = 0, int timeoutSeconds = 2) =>
        new(host, count, maxLoss, TimeSpan.FromSeconds(timeoutSeconds));

    static (MonitorConfig? Config, Dictionary<string, string[]> Errors) Validate(string json)
    {
        var errors = new Dictionary<string, string[]>();
        using var document = JsonDocument.Parse(json);
        return (Registered.Validate(document.RootElement, errors), errors);
    }

    [Test]
    [Arguments("""{"type":"ping"}""", "config.host")]
    [Arguments("""{"type":"ping","host":""}""", "config.host")]
    [Arguments("""{"type":"ping","host":"router..lan"}""", "config.host")]
    [Arguments("""{"type":"ping","host":"a b"}""", "config.host")]
    [Arguments("""{"type":"ping","host":"127.0.0.1","count":0}""", "config.count")]
    [Arguments("""{"type":"ping","host":"127.0.0.1","count":11}""", "config.count")]
    [Arguments("""{"type":"ping","host":"127.0.0.1","count":"3"}""", "config.count")]
    [Arguments("""{"type":"ping","host":"127.0.0.1","max_loss_percent":-1}""", "config.max_loss_percent")]
    [Arguments("""{"type":"ping","host":"127.0.0.1","max_loss_percent":100}""", "config.max_loss_percent")]
    public async Task A_bad_ping_config_names_the_field(string json, string field)
    {
        var (_, errors) = Validate(json);
        await Assert.That(errors.Keys).Contains(field);
        await Assert.That(errors.Count).IsEqualTo(1);
    }

    [Test]
    public async Task A_good_ping_config_gets_its_defaults_and_its_host_as_target()
    {
        var (config, errors) = Validate("""{"type":"ping","host":"::1"}""");
        await Assert.That(errors).IsEmpty();
        await Assert.That(config).IsEqualTo(new PingMonitorConfig("::1", 3, 0));
        await Assert.That(config!.Target).IsEqualTo("::1");
        await Assert.That(JsonSerializer.Serialize(config, FlatlineJson.Default.MonitorConfig))
            .IsEqualTo("""{"type":"ping","host":"::1","count":3,"max_loss_percent":0}""");
    }

    [Test]
    public async Task The_median_is_the_middle_reply_or_the_mean_of_the_two_middle_ones()
    {
        await Assert.That(PingVerdict.Median([])).IsNull();
        await Assert.That(PingVerdict.Median([700])).IsEqualTo(700L);
        await Assert.That(PingVerdict.Median([900, 100, 500])).IsEqualTo(500L);
        await Assert.That(PingVerdict.Median([400, 100, 300, 200])).IsEqualTo(250L);
    }

    [Test]
    public async Task Loss_is_compared_exactly_and_the_response_time_is_the_median_of_the_replies()
    {
        var timeout = TimeSpan.FromSeconds(10);
        var all = PingVerdict.Judge([1000, 3000, 2000], 0, timeout);
        await Assert.That(all).IsEqualTo(new ProbeOutcome(true, null, 2000, null, null));

        // One of three lost is 33.3 %: over a limit of 33, within 34.
        var oneLost = new long?[] { 1000, null, 3000 };
        var strict = PingVerdict.Judge(oneLost, 33, timeout);
        await Assert.That(strict.Ok).IsFalse();
        await Assert.That(strict.Error).IsEqualTo("1 of 3 pings lost (33%, at most 33% allowed)");
        await Assert.That(strict.LatencyUs).IsEqualTo(2000L);
        await Assert.That(PingVerdict.Judge(oneLost, 34, timeout)).IsEqualTo(new ProbeOutcome(true, null, 2000, null, null));
        await Assert.That(PingVerdict.Judge([null, null, 5], 0, timeout).Error).IsEqualTo("2 of 3 pings lost (67%, at most 0% allowed)");
        // Half of ten lost is just within 50.
        await Assert.That(PingVerdict.Judge([1, 2, 3, 4, 5, null, null, null, null, null], 50, timeout).Ok).IsTrue();

        var none = PingVerdict.Judge([null], 99, timeout);
        await Assert.That(none.Error).IsEqualTo("1 of 1 ping lost (timeout after 10 s)");
        await Assert.That(none.LatencyUs).IsNull();
    }

    [Test]
    public async Task An_echo_request_carries_a_valid_checksum_and_only_its_own_reply_is_taken()
    {
        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        var request = PingProbe.Request(v4: true, identifier: 0x1234, sequence: 7, payload);
        await Assert.That(request[0]).IsEqualTo((byte)8);
        // A packet with its checksum in place sums to zero.
        await Assert.That(PingProbe.Checksum(request)).IsEqualTo((ushort)0);

        var reply = (byte[])request.Clone();
        reply[0] = 0;
        await Assert.That(PingProbe.ReplySequence(reply, v4: true, raw: false, 0, payload)).IsEqualTo((ushort)7);
        // On a raw socket: behind a 20-byte IP header, and with the identifier sent.
        var withHeader = new byte[20 + reply.Length];
        withHeader[0] = 0x45;
        reply.CopyTo(withHeader, 20);
        await Assert.That(PingProbe.ReplySequence(withHeader, v4: true, raw: true, 0x1234, payload)).IsEqualTo((ushort)7);
        await Assert.That(PingProbe.ReplySequence(withHeader, v4: true, raw: true, 0x4321, payload)).IsNull();
        // The request itself (a raw socket sees it on loopback) and another check's payload are not replies.
        await Assert.That(PingProbe.ReplySequence(request, v4: true, raw: false, 0, payload)).IsNull();
        await Assert.That(PingProbe.ReplySequence(reply, v4: true, raw: false, 0, new byte[16])).IsNull();
        var v6 = PingProbe.Request(v4: false, identifier: 1, sequence: 9, payload);
        await Assert.That(v6[0]).IsEqualTo((byte)128);
        v6[0] = 129;
        await Assert.That(PingProbe.ReplySequence(v6, v4: false, raw: true, 1, payload)).IsEqualTo((ushort)9);
    }

    [Test]
    public async Task Pinging_the_loopback_is_up_with_the_median_round_trip()
    {
        var outcome = await Type.Probe.CheckAsync(Spec(count: 3), CancellationToken.None);
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(outcome.LatencyUs!.Value).IsGreaterThan(0L).And.IsLessThan(1_000_000L);
    }

    [Test]
    public async Task Pinging_the_ipv6_loopback_is_up()
    {
        var outcome = await Type.Probe.CheckAsync(Spec("::1", count: 2), CancellationToken.None);
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.LatencyUs!.Value).IsGreaterThan(0L);
    }

    [Test]
    public async Task Without_raw_sockets_the_unprivileged_datagram_socket_pings()
    {
        await using var space = await NetworkNamespace.CreateAsync();
        await space.SetAsync("net/ipv4/ping_group_range", "0 2147483647");
        var outcome = await space.StartInside(() => Type.Probe.CheckAsync(Spec(count: 3), CancellationToken.None), withoutRawSockets: true);
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.LatencyUs!.Value).IsGreaterThan(0L);
    }

    [Test]
    public async Task A_host_that_forbids_icmp_gets_a_clear_error_not_a_crash()
    {
        await using var space = await NetworkNamespace.CreateAsync();
        // The kernel's own default: no group may open a datagram ICMP socket.
        await space.SetAsync("net/ipv4/ping_group_range", "1 0");
        var outcome = await space.StartInside(() => Type.Probe.CheckAsync(Spec(), CancellationToken.None), withoutRawSockets: true);
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo(IcmpForbiddenException.Text);
    }

    [Test]
    public async Task A_host_that_drops_echo_requests_is_all_loss_at_the_timeout()
    {
        await using var space = await NetworkNamespace.CreateAsync();
        await space.SetAsync("net/ipv4/ping_group_range", "0 2147483647");
        // The same probe answers first, so what follows is the drop and not the set-up.
        var before = await space.StartInside(() => Type.Probe.CheckAsync(Spec(count: 1), CancellationToken.None), withoutRawSockets: false);
        await Assert.That(before.Error).IsNull();

        await space.SetAsync("net/ipv4/icmp_echo_ignore_all", "1");
        var clock = Stopwatch.StartNew();
        var outcome = await space.StartInside(() => Type.Probe.CheckAsync(Spec(count: 3, timeoutSeconds: 1), CancellationToken.None), withoutRawSockets: false);
        await Assert.That(outcome.Error).IsEqualTo("3 of 3 pings lost (timeout after 1 s)");
        await Assert.That(outcome.LatencyUs).IsNull();
        await Assert.That(clock.Elapsed).IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)).And.IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task A_host_that_does_not_resolve_is_a_dns_failure()
    {
        var outcome = await Type.Probe.CheckAsync(Spec("does-not-exist.invalid"), CancellationToken.None);
        await Assert.That(outcome.Error).IsEqualTo("DNS lookup failed");
    }

    [Test]
    public async Task A_ping_monitor_comes_up_through_the_server_and_shows_its_host()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var created = await client.PostJsonAsync("/api/v1/monitors",
            """{"name":"loopback","interval":10,"timeout":2,"config":{"type":"ping","host":"127.0.0.1","count":2}}""");
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var monitor = await created.ReadJsonAsync();
        await Assert.That(monitor.GetProperty("target").GetString()).IsEqualTo("127.0.0.1");
        var id = monitor.GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (monitor.GetProperty("status").GetString() != "up" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            monitor = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadJsonAsync();
        }
        await Assert.That(monitor.GetProperty("status").GetString()).IsEqualTo("up");
        var checks = await (await client.GetAsync($"/api/v1/monitors/{id}/checks")).ReadJsonAsync();
        await Assert.That(checks[0].GetProperty("latency_ms").GetDouble()).IsGreaterThan(0);
    }
}
