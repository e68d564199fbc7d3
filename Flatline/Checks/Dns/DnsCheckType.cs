using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>The <c>config</c> of a <c>dns</c> monitor: a query for <c>name</c>'s <c>record_type</c>
/// records at <c>server</c> (host[:port]; null: the system resolver), up when the rcode is the
/// expected one and, with <c>expected</c>, the answer holds exactly those values in any order.</summary>
public sealed record DnsMonitorConfig(string Name, string RecordType, string? Server = null, List<string>? Expected = null, string Rcode = "NOERROR") : MonitorConfig
{
    [JsonIgnore]
    public override string Type => "dns";

    [JsonIgnore]
    public override string Target => $"{RecordType} {Name}" + (Server is null ? "" : $" @{Server}");
}

/// <param name="Server">Null: the first nameserver of the system's resolv.conf.</param>
/// <param name="Expected">Null: any answer of the type; else the values, compared as <see cref="DnsCheckType.Comparable"/>.</param>
public sealed record DnsCheckSpec(string Name, string RecordType, DnsServer? Server, HashSet<string>? Expected, int Rcode, TimeSpan Timeout) : CheckSpec(Timeout);

/// <summary>A server as configured: an IP address or a host name, and a port.</summary>
public sealed record DnsServer(string Host, int Port)
{
    /// <summary>Reads <c>host</c>, <c>host:port</c>, <c>2001:db8::1</c> or <c>[2001:db8::1]:port</c>;
    /// null when it is none of them, or the port is not 1-65535.</summary>
    public static DnsServer? Parse(string text)
    {
        var host = text;
        var port = "53";
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(host = text[1..close], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6) return null;
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') return null;
                port = text[(close + 2)..];
            }
        }
        else if (text.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon && colon == text.LastIndexOf(':'))
        {
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        if (!HostNames.IsValid(host) || port.Length is 0 or > 5 || !port.All(char.IsAsciiDigit)) return null;
        var number = int.Parse(port, CultureInfo.InvariantCulture);
        return number is >= 1 and <= 65535 ? new DnsServer(host, number) : null;
    }
}

/// <summary><c>dns</c>: one query to a server, answered with the expected rcode and values.</summary>
/// <param name="resolvConf">Where the system's resolver is named when a monitor gives no server.</param>
public sealed class DnsCheckType(TimeProvider time, string resolvConf = "/etc/resolv.conf") : CheckType<DnsMonitorConfig>
{
    public override string Type => "dns";

    public override IProbe Probe { get; } = new DnsProbe(time, resolvConf);

    protected override CheckSpec Compile(DnsMonitorConfig config, TimeSpan timeout)
    {
        var name = config.RecordType == "PTR" && IPAddress.TryParse(config.Name, out var address) ? ReverseName(address) : config.Name;
        var expected = config.Expected?.Select(v => Comparable(config.RecordType, v)).ToHashSet(StringComparer.Ordinal);
        return new DnsCheckSpec(name, config.RecordType, config.Server is null ? null : DnsServer.Parse(config.Server), expected, DnsMessage.RcodeValue(config.Rcode), timeout);
    }

    public override MonitorConfig? Validate(ConfigReader config)
    {
        var recordType = Choice(config, "record_type", null, DnsMessage.RecordTypes);
        var name = config.String("name", required: true, maxLength: 253);
        if (name is not null && !IsDnsName(name) && !(recordType == "PTR" && IPAddress.TryParse(name, out _) && !name.Contains('%', StringComparison.Ordinal)))
            config.Fail("name", recordType == "PTR"
                ? "must be a DNS name such as 2.0.192.in-addr.arpa, or an IP address"
                : "must be a DNS name such as example.com (an internationalised name in its xn-- form)");
        var server = config.String("server", required: false, maxLength: 260);
        if (server is { Length: 0 }) server = null;
        if (server is not null && DnsServer.Parse(server) is null)
            config.Fail("server", "must be a host name or an IP address with an optional port 1-65535, such as 1.1.1.1:53 or [2001:db8::1]:53");
        var expected = Expected(config, recordType);
        var rcode = Choice(config, "rcode", "NOERROR", DnsMessage.Rcodes);
        return new DnsMonitorConfig(name ?? "", recordType ?? "", server, expected, rcode ?? "NOERROR");
    }

    /// <summary>One of <paramref name="choices"/>, in any letter case, given in upper case;
    /// <paramref name="fallback"/> when absent (null: required).</summary>
    static string? Choice(ConfigReader config, string field, string? fallback, string[] choices)
    {
        if (!config.TryGet(field, out var value))
        {
            if (fallback is null) config.Fail(field, "is required");
            return fallback;
        }
        var choice = value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim().ToUpperInvariant() : "";
        if (choices.Contains(choice)) return choice;
        config.Fail(field, $"must be one of {string.Join(", ", choices)}");
        return fallback;
    }

    static List<string>? Expected(ConfigReader config, string? recordType)
    {
        if (!config.TryGet("expected", out var list)) return null;
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > 50)
        {
            config.Fail("expected", "must be a list of 1-50 values, or null for any answer");
            return null;
        }
        var family = recordType switch { "A" => AddressFamily.InterNetwork, "AAAA" => AddressFamily.InterNetworkV6, _ => (AddressFamily?)null };
        var values = new List<string>();
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var value = item.ValueKind == JsonValueKind.String ? item.GetString()!.Trim() : "";
            if (value.Length is 0 or > 2048) config.Fail($"expected[{i}]", "must be a non-empty string of at most 2048 characters");
            else if (family is not null && !(IPAddress.TryParse(value, out var address) && address.AddressFamily == family))
                config.Fail($"expected[{i}]", $"must be an {(recordType == "A" ? "IPv4" : "IPv6")} address");
            values.Add(value);
            i++;
        }
        return values;
    }

    /// <summary>RFC 1035 names of letters, digits, hyphens and the underscores of service names
    /// (<c>_sip._tcp.example.com</c>), optionally ending in a dot.</summary>
    public static bool IsDnsName(string name)
    {
        var labels = name.EndsWith('.') ? name[..^1] : name;
        if (labels.Length is 0 or > 253) return false;
        foreach (var label in labels.Split('.'))
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                return false;
        return true;
    }

    /// <summary>A value as an answer and an expectation are compared: addresses in their standard
    /// form; TXT exactly; anything else with names in lower case and without their trailing dots.</summary>
    public static string Comparable(string recordType, string value)
    {
        if (recordType is "A" or "AAAA") return IPAddress.TryParse(value, out var address) ? address.ToString() : value;
        if (recordType == "TXT") return value;
        return string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Length > 1 ? p.TrimEnd('.') : p)).ToLowerInvariant();
    }

    /// <summary><c>1.2.0.192.in-addr.arpa</c> for 192.0.2.1, nibbles under <c>ip6.arpa</c> for IPv6.</summary>
    static string ReverseName(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var name = new System.Text.StringBuilder();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes.Length == 4) name.Append((int)bytes[i]).Append('.');
            else name.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        }
        return name.Append(bytes.Length == 4 ? "in-addr.arpa" : "ip6.arpa").ToString();
    }
}
