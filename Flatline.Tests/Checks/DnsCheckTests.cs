using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flatline.Tests.Checks;

/// <summary>The zone the probe tests ask about, served by one real dnsmasq for the class.</summary>
public sealed class TestZone : TUnit.Core.Interfaces.IAsyncInitializer, IAsyncDisposable
{
    /// <summary>Ten TXT records of 200 characters each: an answer far over the 1232 bytes a UDP answer may hold.</summary>
    public static readonly string[] BigTxt = [.. Enumerable.Range(0, 10).Select(i => new string((char)('a' + i), 200))];

    Dnsmasq? server;

    public Dnsmasq Server => server ?? throw new InvalidOperationException("the zone's server has not started");

    public async Task InitializeAsync() => server = await Dnsmasq.StartAsync(
    [
        "local=/example.test/",
        "host-record=www.example.test,192.0.2.1,2001:db8::1",
        "cname=alias.example.test,www.example.test",
        "mx-host=example.test,mail.example.test,10",
        "mx-host=example.test,mail2.example.test,20",
        "txt-record=example.test,\"v=spf1 -all\"",
        "txt-record=split.example.test,\"part one \",\"part two\"",
        .. BigTxt.Select(t => $"txt-record=big.example.test,\"{t}\""),
        "srv-host=_sip._tcp.example.test,sip.example.test,5060,10,60",
        "caa-record=example.test,0,issue,letsencrypt.org",
        "ptr-record=9.2.0.192.in-addr.arpa,ptr.example.test",
        $"dns-rr=example.test,2,{Dnsmasq.NameHex("ns1.example.test")}",
        $"dns-rr=example.test,2,{Dnsmasq.NameHex("ns2.example.test")}",
        // SOA: mname, rname, then serial 2024010101, refresh 3600, retry 600, expire 86400, minimum 300.
        $"dns-rr=example.test,6,{Dnsmasq.NameHex("ns1.example.test")}{Dnsmasq.NameHex("hostmaster.example.test")}{2024010101:X8}{3600:X8}{600:X8}{86400:X8}{300:X8}",
        // Unsigned data for a validating resolver to refuse (see the SERVFAIL test).
        "local=/fail.test/",
        "host-record=www.fail.test,192.0.2.7",
    ], hosts: ["192.0.2.1 multi.example.test", "192.0.2.2 multi.example.test", "192.0.2.3 multi.example.test"]);

    public async ValueTask DisposeAsync()
    {
        if (server is not null) await server.DisposeAsync();
    }
}

/// <summary>The <c>dns</c> check type: its validator and the wire format's edge cases as pure code,
/// its probe against a real dnsmasq serving a zone the test writes (every record type, NXDOMAIN,
/// REFUSED, a truncated answer; SERVFAIL from a second, validating dnsmasq), a server that never
/// answers, and a monitor through the real server.</summary>
[ClassDataSource<TestZone>(Shared = SharedType.PerClass)]
public sealed class DnsCheckTests(TestZone zone)
{
    static readonly CheckTypes Registered = CheckTypes.Create(TimeProvider.System);
    static readonly DnsCheckType Type = new(TimeProvider.System);

    static (MonitorConfig? Config, Dictionary<string, string[]> Errors) Validate(string json)
    {
        var errors = new Dictionary<string, string[]>();
        using var document = JsonDocument.Parse(json);
        return (Registered.Validate(document.RootElement, errors), errors);
    }

    /// <summary>A config through the validator and compiler, as a monitor's check would get it.</summary>
    static DnsCheckSpec Spec(string json, int timeoutSeconds = 2)
    {
        var (config, errors) = Validate(json);
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        return (DnsCheckSpec)Type.Compile(config!, TimeSpan.FromSeconds(timeoutSeconds));
    }

    string Config(string recordType, string name, string? expected = null, string? rcode = null) =>
        new JsonObject
        {
            ["type"] = "dns",
            ["name"] = name,
            ["record_type"] = recordType,
            ["server"] = zone.Server.Server,
            ["expected"] = expected is null ? null : JsonNode.Parse(expected),
            ["rcode"] = rcode,
        }.ToJsonString();

    Task<ProbeOutcome> CheckAsync(string recordType, string name, string? expected = null, string? rcode = null) =>
        Type.Probe.CheckAsync(Spec(Config(recordType, name, expected, rcode)), CancellationToken.None);

    // The validator, as pure code.

    [Test]
    [Arguments("""{"type":"dns","record_type":"A"}""", "config.name")]
    [Arguments("""{"type":"dns","name":"","record_type":"A"}""", "config.name")]
    [Arguments("""{"type":"dns","name":7,"record_type":"A"}""", "config.name")]
    [Arguments("""{"type":"dns","name":"exa mple.com","record_type":"A"}""", "config.name")]
    [Arguments("""{"type":"dns","name":"example..com","record_type":"A"}""", "config.name")]
    [Arguments("""{"type":"dns","name":"-x.example.com","record_type":"A"}""", "config.name")]
    [Arguments("""{"type":"dns","name":"b\u00fccher.example","record_type":"A"}""", "config.name")]
    [Arguments("""{"type":"dns","name":"::1","record_type":"A"}""", "config.name")]
    [Arguments("""{"type":"dns","name":"fe80::1%eth0","record_type":"PTR"}""", "config.name")]
    [Arguments("""{"type":"dns","name":"example.com"}""", "config.record_type")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"ANY"}""", "config.record_type")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":1}""", "config.record_type")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"1.1.1.1:0"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"1.1.1.1:65536"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"1.1.1.1:"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"1.1.1.1:dns"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"[::1"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"[::1]53"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"[1.1.1.1]:53"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"ns 1.example.com"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":"fe80::1%eth0"}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","server":53}""", "config.server")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","expected":[]}""", "config.expected")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","expected":"192.0.2.1"}""", "config.expected")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"TXT","expected":[""]}""", "config.expected[0]")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"TXT","expected":["ok","  "]}""", "config.expected[1]")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"TXT","expected":[1]}""", "config.expected[0]")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","expected":["www.example.com"]}""", "config.expected[0]")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","expected":["2001:db8::1"]}""", "config.expected[0]")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"AAAA","expected":["192.0.2.1"]}""", "config.expected[0]")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","rcode":"NOPE"}""", "config.rcode")]
    [Arguments("""{"type":"dns","name":"example.com","record_type":"A","rcode":3}""", "config.rcode")]
    public async Task A_bad_dns_config_names_the_field(string json, string field)
    {
        var (_, errors) = Validate(json);
        await Assert.That(errors.Keys).Contains(field);
        await Assert.That(errors.Count).IsEqualTo(1);
    }

    [Test]
    public async Task More_than_fifty_expected_values_are_refused()
    {
        var values = string.Join(',', Enumerable.Range(0, 51).Select(i => $"\"v{i}\""));
        var (_, errors) = Validate($$"""{"type":"dns","name":"example.com","record_type":"TXT","expected":[{{values}}]}""");
        await Assert.That(errors["config.expected"]).IsEquivalentTo(["must be a list of 1-50 values, or null for any answer"]);
    }

    [Test]
    public async Task The_messages_say_what_is_wanted()
    {
        var (_, errors) = Validate("""{"type":"dns","name":"a b","record_type":"ANY","server":"x:0","expected":["nope"],"rcode":"OK"}""");
        await Assert.That(errors["config.name"]).IsEquivalentTo(["must be a DNS name such as example.com (an internationalised name in its xn-- form)"]);
        await Assert.That(errors["config.record_type"]).IsEquivalentTo(["must be one of A, AAAA, CNAME, MX, TXT, NS, SOA, CAA, SRV, PTR"]);
        await Assert.That(errors["config.server"]).IsEquivalentTo(["must be a host name or an IP address with an optional port 1-65535, such as 1.1.1.1:53 or [2001:db8::1]:53"]);
        await Assert.That(errors["config.rcode"]).IsEquivalentTo(["must be one of NOERROR, NXDOMAIN, SERVFAIL, REFUSED, NOTIMP, FORMERR, YXDOMAIN, NXRRSET, NOTAUTH, NOTZONE"]);
        // The record type was refused, so the values are not held to one.
        await Assert.That(errors.ContainsKey("config.expected[0]")).IsFalse();
    }

    [Test]
    [Arguments("""{"name":"example.com","record_type":"a"}""", """{"type":"dns","name":"example.com","record_type":"A","server":null,"expected":null,"rcode":"NOERROR"}""", "A example.com")]
    [Arguments("""{"name":"example.com","record_type":"MX","server":"1.1.1.1","rcode":"nxdomain"}""", """{"type":"dns","name":"example.com","record_type":"MX","server":"1.1.1.1","expected":null,"rcode":"NXDOMAIN"}""", "MX example.com @1.1.1.1")]
    [Arguments("""{"name":"_sip._tcp.example.com.","record_type":"SRV","server":"ns1.example.com:5353","expected":[" 10 5 5060 sip.example.com "]}""", """{"type":"dns","name":"_sip._tcp.example.com.","record_type":"SRV","server":"ns1.example.com:5353","expected":["10 5 5060 sip.example.com"],"rcode":"NOERROR"}""", "SRV _sip._tcp.example.com. @ns1.example.com:5353")]
    [Arguments("""{"name":"example.com","record_type":"AAAA","server":"[2001:db8::53]:5353","expected":["2001:DB8::1"]}""", """{"type":"dns","name":"example.com","record_type":"AAAA","server":"[2001:db8::53]:5353","expected":["2001:DB8::1"],"rcode":"NOERROR"}""", "AAAA example.com @[2001:db8::53]:5353")]
    [Arguments("""{"name":"192.0.2.1","record_type":"PTR","server":"2001:db8::53","expected":null}""", """{"type":"dns","name":"192.0.2.1","record_type":"PTR","server":"2001:db8::53","expected":null,"rcode":"NOERROR"}""", "PTR 192.0.2.1 @2001:db8::53")]
    [Arguments("""{"name":"example.com","record_type":"TXT","server":""}""", """{"type":"dns","name":"example.com","record_type":"TXT","server":null,"expected":null,"rcode":"NOERROR"}""", "TXT example.com")]
    public async Task A_good_dns_config_gets_its_defaults_and_a_target(string fields, string stored, string target)
    {
        var (config, errors) = Validate("""{"type":"dns",""" + fields[1..]);
        await Assert.That(errors).IsEmpty();
        await Assert.That(config!.Target).IsEqualTo(target);
        await Assert.That(JsonSerializer.Serialize(config, FlatlineJson.Default.MonitorConfig)).IsEqualTo(stored);
    }

    [Test]
    [Arguments("1.1.1.1", "1.1.1.1", 53)]
    [Arguments("1.1.1.1:5353", "1.1.1.1", 5353)]
    [Arguments("ns1.example.com", "ns1.example.com", 53)]
    [Arguments("ns1.example.com:65535", "ns1.example.com", 65535)]
    [Arguments("2001:db8::1", "2001:db8::1", 53)]
    [Arguments("[2001:db8::1]", "2001:db8::1", 53)]
    [Arguments("[2001:db8::1]:1", "2001:db8::1", 1)]
    public async Task A_server_is_a_host_and_a_port(string text, string host, int port) =>
        await Assert.That(DnsServer.Parse(text)).IsEqualTo(new DnsServer(host, port));

    [Test]
    public async Task A_ptr_check_of_an_address_asks_for_its_reverse_name()
    {
        await Assert.That(Spec("""{"type":"dns","name":"192.0.2.1","record_type":"PTR"}""").Name).IsEqualTo("1.2.0.192.in-addr.arpa");
        await Assert.That(Spec("""{"type":"dns","name":"2001:db8::1","record_type":"PTR"}""").Name)
            .IsEqualTo("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    }

    [Test]
    [Arguments("A", " 192.0.2.1", "192.0.2.1")]
    [Arguments("AAAA", "2001:DB8:0:0::1", "2001:db8::1")]
    [Arguments("CNAME", "WWW.Example.COM.", "www.example.com")]
    [Arguments("MX", "10  Mail.Example.com.", "10 mail.example.com")]
    [Arguments("MX", "0 .", "0 .")]
    [Arguments("TXT", "v=spf1 Include:_spf.example.com. -all", "v=spf1 Include:_spf.example.com. -all")]
    public async Task Values_compare_in_their_canonical_form(string recordType, string value, string comparable) =>
        await Assert.That(DnsCheckType.Comparable(recordType, value.Trim())).IsEqualTo(comparable);

    [Test]
    public async Task The_system_resolver_is_the_first_nameserver_of_resolv_conf()
    {
        await Assert.That(DnsProbe.FirstNameserver("# by hand\nsearch example.com\noptions edns0\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"))
            .IsEqualTo(IPAddress.Parse("192.0.2.53"));
        await Assert.That(DnsProbe.FirstNameserver("nameserver   fe80::1%2 # link-local\r\n")).IsEqualTo(IPAddress.Parse("fe80::1%2"));
        await Assert.That(DnsProbe.FirstNameserver("nameserver not-an-address\n;nameserver 192.0.2.1\nnameserver\tfd00::53")).IsEqualTo(IPAddress.Parse("fd00::53"));
        await Assert.That(DnsProbe.FirstNameserver("search example.com\n")).IsNull();
        await Assert.That(DnsProbe.ReadFirstNameserver("/nonexistent/resolv.conf")).IsNull();
    }

    [Test]
    public async Task Without_a_nameserver_in_resolv_conf_the_error_says_so()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("resolv.conf"), "search example.com\n");
        var type = new DnsCheckType(TimeProvider.System, folder.File("resolv.conf"));
        var spec = (DnsCheckSpec)type.Compile(new DnsMonitorConfig("www.example.test", "A"), TimeSpan.FromSeconds(1));
        var outcome = await type.Probe.CheckAsync(spec, CancellationToken.None);
        // What 127.0.0.53 does is the machine's: nothing listens there (refused), or something does.
        if (!outcome.Ok) await Assert.That(outcome.Error!).EndsWith($" (no nameserver in {folder.File("resolv.conf")}; tried 127.0.0.53)");
    }

    // The wire format's edge cases, as pure code.

    [Test]
    public async Task A_compression_loop_or_a_record_past_the_end_is_malformed()
    {
        byte[] header = [0x12, 0x34, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0];
        // An answer whose owner name points at itself.
        byte[] loop = [.. header, 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1];
        await Assert.That(() => DnsMessage.Read(loop, 1)).Throws<FormatException>();
        // Four bytes of address promised, two sent.
        byte[] shortData = [.. header, 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0];
        await Assert.That(() => DnsMessage.Read(shortData, 1)).Throws<FormatException>();
        // A name that runs off the end.
        byte[] shortName = [.. header, 3, (byte)'w', (byte)'w'];
        await Assert.That(() => DnsMessage.Read(shortName, 1)).Throws<FormatException>();
        await Assert.That(() => DnsMessage.Read(header.AsSpan(0, 11), 1)).Throws<FormatException>();
    }

    [Test]
    public async Task A_query_asks_one_question_with_the_name_as_given()
    {
        var query = DnsMessage.Query(0xBEEF, "WwW.Example.test.", 28);
        await Assert.That(query.AsSpan(0, 12).ToArray()).IsEquivalentTo(new byte[] { 0xBE, 0xEF, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 1 });
        await Assert.That(System.Text.Encoding.ASCII.GetString(query, 12, 18)).IsEqualTo("\u0003WwW\u0007Example\u0004test\0");
        await Assert.That(query.AsSpan(30, 4).ToArray()).IsEquivalentTo(new byte[] { 0, 28, 0, 1 });
    }

    // The probe against a real server.

    [Test]
    [Arguments("A", "www.example.test", "192.0.2.1")]
    [Arguments("A", "alias.example.test", "192.0.2.1")]
    [Arguments("A", "multi.example.test", "192.0.2.1|192.0.2.2|192.0.2.3")]
    [Arguments("AAAA", "www.example.test", "2001:db8::1")]
    [Arguments("CNAME", "alias.example.test", "www.example.test")]
    [Arguments("MX", "example.test", "10 mail.example.test|20 mail2.example.test")]
    [Arguments("TXT", "example.test", "v=spf1 -all")]
    [Arguments("TXT", "split.example.test", "part one part two")]
    [Arguments("NS", "example.test", "ns1.example.test|ns2.example.test")]
    [Arguments("SOA", "example.test", "ns1.example.test hostmaster.example.test 2024010101 3600 600 86400 300")]
    [Arguments("CAA", "example.test", "0 issue \"letsencrypt.org\"")]
    [Arguments("SRV", "_sip._tcp.example.test", "10 60 5060 sip.example.test")]
    [Arguments("PTR", "9.2.0.192.in-addr.arpa", "ptr.example.test")]
    public async Task Each_record_type_reads_in_its_canonical_text_and_matches_in_any_order(string recordType, string name, string values)
    {
        var expected = values.Split('|');
        var answer = await DnsProbe.QueryAsync(zone.Server.EndPoint, name, recordType, CancellationToken.None);
        await Assert.That(answer.Rcode).IsEqualTo(0);
        await Assert.That(answer.Values.Order(StringComparer.Ordinal)).IsEquivalentTo(expected);

        // The monitor's expectation: in reverse order, in capitals, with trailing dots, and still up.
        var written = expected.Reverse().Select(v => recordType == "TXT" ? v : v.ToUpperInvariant().Replace(".TEST", ".TEST.", StringComparison.Ordinal));
        var outcome = await CheckAsync(recordType, name, JsonSerializer.Serialize(written.ToList(), FlatlineJson.Default.ListString));
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(outcome.LatencyUs!.Value).IsGreaterThan(0L).And.IsLessThan(2_000_000L);
    }

    [Test]
    public async Task Without_expected_values_any_answer_of_the_type_is_up_and_none_is_down()
    {
        await Assert.That((await CheckAsync("A", "multi.example.test")).Ok).IsTrue();
        var none = await CheckAsync("MX", "www.example.test");
        await Assert.That(none.Error).IsEqualTo("no answer for MX");
        await Assert.That(none.LatencyUs).IsNotNull();
    }

    [Test]
    public async Task A_wrong_answer_fails_naming_it()
    {
        var outcome = await CheckAsync("A", "www.example.test", """["192.0.2.9"]""");
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("answer 192.0.2.1 (expected 192.0.2.9)");
        await Assert.That(outcome.LatencyUs).IsNotNull();

        // A value missing from the answer fails too, and so does one too many.
        var missing = await CheckAsync("MX", "example.test", """["10 mail.example.test"]""");
        await Assert.That(missing.Error!).StartsWith("answer ").And.EndsWith(" (expected 10 mail.example.test)");
        var extra = await CheckAsync("A", "www.example.test", """["192.0.2.1","192.0.2.2"]""");
        await Assert.That(extra.Error).IsEqualTo("answer 192.0.2.1 (expected 192.0.2.1, 192.0.2.2)");
    }

    [Test]
    public async Task Nxdomain_fails_by_default_and_passes_when_expected()
    {
        var outcome = await CheckAsync("A", "nothere.example.test");
        await Assert.That(outcome.Error).IsEqualTo("rcode NXDOMAIN (expected NOERROR)");
        await Assert.That((await CheckAsync("A", "nothere.example.test", rcode: "NXDOMAIN")).Ok).IsTrue();
        // Expecting NXDOMAIN of a name that exists is a failure the other way round.
        await Assert.That((await CheckAsync("A", "www.example.test", rcode: "NXDOMAIN")).Error).IsEqualTo("rcode NOERROR (expected NXDOMAIN)");
    }

    [Test]
    public async Task A_validating_resolver_answers_servfail_for_data_it_cannot_validate()
    {
        // dnsmasq validating DNSSEC with a trust anchor for fail.test, forwarding it to the zone's
        // server, whose data is unsigned: the validation is BOGUS, and the answer SERVFAIL.
        await using var validator = await Dnsmasq.StartAsync(
        [
            "dnssec",
            "trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
            "trust-anchor=fail.test,12345,8,2,49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE0A1E3D1D7C8E0B1F2A3B4C5D",
            $"server=/fail.test/{zone.Server.Server.Replace(':', '#')}",
        ]);
        await Assert.That((await CheckAsync("A", "www.fail.test", """["192.0.2.7"]""")).Ok).IsTrue();
        var spec = Spec($$"""{"type":"dns","name":"www.fail.test","record_type":"A","server":"{{validator.Server}}"}""");
        var outcome = await Type.Probe.CheckAsync(spec, CancellationToken.None);
        await Assert.That(outcome.Error).IsEqualTo("rcode SERVFAIL (expected NOERROR)");
        var expected = Spec($$"""{"type":"dns","name":"www.fail.test","record_type":"A","server":"{{validator.Server}}","rcode":"SERVFAIL"}""");
        await Assert.That((await Type.Probe.CheckAsync(expected, CancellationToken.None)).Ok).IsTrue();
    }

    [Test]
    public async Task A_server_with_no_upstream_for_a_name_refuses_it()
    {
        var outcome = await CheckAsync("A", "www.elsewhere.test");
        await Assert.That(outcome.Error).IsEqualTo("rcode REFUSED (expected NOERROR)");
    }

    [Test]
    public async Task A_truncated_answer_is_asked_again_over_tcp()
    {
        // Over UDP the server truncates the answer...
        using (var udp = new UdpClient(AddressFamily.InterNetwork))
        {
            udp.Connect(zone.Server.EndPoint);
            await udp.SendAsync(DnsMessage.Query(7, "big.example.test", 16));
            var datagram = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5));
            await Assert.That(DnsMessage.Read(datagram.Buffer, 16).Truncated).IsTrue();
        }
        // ...and the check gets every record all the same.
        var outcome = await CheckAsync("TXT", "big.example.test", JsonSerializer.Serialize(TestZone.BigTxt.Reverse().ToList(), FlatlineJson.Default.ListString));
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.Ok).IsTrue();
    }

    [Test]
    public async Task A_server_is_reached_by_ipv6_address_and_by_host_name()
    {
        var port = zone.Server.Port;
        await Assert.That((await Type.Probe.CheckAsync(Spec($$"""{"type":"dns","name":"www.example.test","record_type":"AAAA","server":"[::1]:{{port}}","expected":["2001:db8::1"]}"""), CancellationToken.None)).Ok).IsTrue();
        await Assert.That((await Type.Probe.CheckAsync(Spec($$"""{"type":"dns","name":"www.example.test","record_type":"A","server":"localhost:{{port}}","expected":["192.0.2.1"]}"""), CancellationToken.None)).Ok).IsTrue();
    }

    [Test]
    public async Task A_server_that_never_answers_times_out_at_the_monitors_timeout()
    {
        // A socket that is bound and never read: the query is taken and nothing comes back.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)silent.LocalEndPoint!).Port;

        var clock = Stopwatch.StartNew();
        var outcome = await Type.Probe.CheckAsync(Spec($$"""{"type":"dns","name":"www.example.test","record_type":"A","server":"127.0.0.1:{{port}}"}""", timeoutSeconds: 1), CancellationToken.None);
        await Assert.That(outcome.Error).IsEqualTo("timeout after 1 s");
        await Assert.That(outcome.LatencyUs).IsNull();
        await Assert.That(clock.Elapsed).IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950)).And.IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task A_port_where_no_server_listens_is_refused()
    {
        var outcome = await Type.Probe.CheckAsync(Spec($$"""{"type":"dns","name":"www.example.test","record_type":"A","server":"127.0.0.1:{{LoopbackServer.FreePort()}}"}"""), CancellationToken.None);
        await Assert.That(outcome.Error).IsEqualTo("connection refused");
    }

    // A monitor through the real server.

    [Test]
    public async Task A_dns_monitor_comes_up_shows_its_target_and_goes_down_on_a_wrong_answer()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateApiClient();
        var body = MonitorBody.Of("dns", "www").Interval(10).Timeout(2)
            .WithConfig("name", "www.example.test").WithConfig("record_type", "A").WithConfig("server", zone.Server.Server)
            .WithConfig("expected", new JsonArray("192.0.2.1"));
        var created = (await client.CreateMonitorAsync(body)).Expect(HttpStatusCode.Created);
        var id = created.Value.Id;
        await Assert.That(created.Json.GetProperty("target").GetString()).IsEqualTo($"A www.example.test @{zone.Server.Server}");
        await Assert.That(created.Json.GetProperty("config").GetRawText())
            .IsEqualTo($$"""{"type":"dns","name":"www.example.test","record_type":"A","server":"{{zone.Server.Server}}","expected":["192.0.2.1"],"rcode":"NOERROR"}""");

        await WaitForStatus(client, id, "up");
        var up = (await client.ListChecksAsync(id)).Value[0];
        await Assert.That(up.Error).IsNull();
        await Assert.That(up.LatencyMs!.Value).IsGreaterThan(0).And.IsLessThan(2000);

        // Another expected address: the re-check within a second gets the same answer and, with no retries, goes down.
        var changed = MonitorBody.Change().With("config", JsonNode.Parse(Config("A", "www.example.test", """["192.0.2.9"]""")));
        (await client.UpdateMonitorAsync(id, changed)).Expect(HttpStatusCode.OK);
        await WaitForStatus(client, id, "down");
        var checks = (await client.ListChecksAsync(id)).Value;
        await Assert.That(checks[0].Error).IsEqualTo("answer 192.0.2.1 (expected 192.0.2.9)");
        var incidents = (await client.ListIncidentsAsync(id)).Value;
        await Assert.That(incidents.Count).IsEqualTo(1);
        await Assert.That(incidents[0].Cause).IsEqualTo("answer 192.0.2.1 (expected 192.0.2.9)");
    }

    [Test]
    public async Task A_bad_dns_monitor_is_refused_with_field_errors_and_nothing_stored()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateApiClient();
        var response = await client.CreateMonitorAsync(MonitorBody.Of("dns").WithConfig("name", "example.com").WithConfig("record_type", "AXFR").WithConfig("server", "[::1]:0"));
        response.Expect(HttpStatusCode.BadRequest);
        await Assert.That(response.HasErrorFor("config.record_type")).IsTrue();
        await Assert.That(response.HasErrorFor("config.server")).IsTrue();
        await Assert.That((await client.ListMonitorsAsync()).Value).IsEmpty();
    }

    static async Task WaitForStatus(FlatlineClient client, string id, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string? seen;
        do
        {
            seen = (await client.GetMonitorAsync(id)).Json.GetProperty("status").GetString();
            if (seen == status) return;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"monitor {id} stayed {seen}, not {status}");
    }
}
