using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Flatline;

/// <summary>Sends one query per check over UDP (a random id; an answer with another id, or from
/// another address, is ignored), again over TCP when the answer comes back truncated. The response
/// time is the query's round trip, from sending it to reading the whole answer.</summary>
public sealed class DnsProbe(TimeProvider time, string resolvConf) : IProbe
{
    /// <summary>Where a system without a nameserver in resolv.conf may still have one: systemd-resolved's stub.</summary>
    static readonly IPAddress StubResolver = IPAddress.Parse("127.0.0.53");

    public async Task<ProbeOutcome> CheckAsync(CheckSpec check, CancellationToken cancellationToken)
    {
        var spec = (DnsCheckSpec)check;
        using var deadline = new CheckDeadline(spec.Timeout, time, cancellationToken);
        string? note = null;
        long? latencyUs = null;
        try
        {
            IPEndPoint server;
            if (spec.Server is null)
            {
                var nameserver = ReadFirstNameserver(resolvConf);
                if (nameserver is null) note = $" (no nameserver in {resolvConf}; tried {StubResolver})";
                server = new IPEndPoint(nameserver ?? StubResolver, 53);
            }
            else if (IPAddress.TryParse(spec.Server.Host, out var address)) server = new IPEndPoint(address, spec.Server.Port);
            else
            {
                IPAddress[] addresses;
                try
                {
                    addresses = await Dns.GetHostAddressesAsync(spec.Server.Host, deadline.Token);
                }
                catch (SocketException)
                {
                    addresses = [];
                }
                if (addresses.Length == 0) return ProbeOutcome.Failure($"server {spec.Server.Host} not found");
                server = new IPEndPoint(addresses[0], spec.Server.Port);
            }

            var started = time.GetTimestamp();
            var answer = await QueryAsync(server, spec.Name, spec.RecordType, deadline.Token);
            latencyUs = (long)time.GetElapsedTime(started).TotalMicroseconds;
            return Judge(spec, answer, latencyUs.Value);
        }
        catch (Exception e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var error = deadline.TimedOut ?? (e is FormatException ? "invalid answer" : NetworkErrors.Describe(e));
            return ProbeOutcome.Failure(error + note, latencyUs: latencyUs);
        }
    }

    static ProbeOutcome Judge(DnsCheckSpec spec, DnsAnswer answer, long latencyUs)
    {
        if (answer.Rcode != spec.Rcode)
            return ProbeOutcome.Failure($"rcode {DnsMessage.RcodeName(answer.Rcode)} (expected {DnsMessage.RcodeName(spec.Rcode)})", latencyUs: latencyUs);
        if (spec.Expected is { } expected)
        {
            if (answer.Values.Count == 0)
                return ProbeOutcome.Failure($"no answer for {spec.RecordType} (expected {Shorten(expected)})", latencyUs: latencyUs);
            if (!answer.Values.Select(v => DnsCheckType.Comparable(spec.RecordType, v)).ToHashSet(StringComparer.Ordinal).SetEquals(expected))
                return ProbeOutcome.Failure($"answer {Shorten(answer.Values)} (expected {Shorten(expected)})", latencyUs: latencyUs);
        }
        else if (spec.Rcode == 0 && answer.Values.Count == 0)
            return ProbeOutcome.Failure($"no answer for {spec.RecordType}", latencyUs: latencyUs);
        return new ProbeOutcome(true, null, latencyUs, null, null);
    }

    /// <summary>Values joined with commas, cut short where a long TXT record would flood the message.</summary>
    static string Shorten(IEnumerable<string> values)
    {
        var text = string.Join(", ", values);
        return text.Length <= 200 ? text : text[..199] + "…";
    }

    /// <summary>One query and its answer: over UDP, and over TCP when that answer is truncated.</summary>
    public static Task<DnsAnswer> QueryAsync(IPEndPoint server, string name, string recordType, CancellationToken cancellationToken)
    {
        var type = DnsMessage.TypeCode(recordType);
        return ExchangeAsync(server, DnsMessage.Query((ushort)RandomNumberGenerator.GetInt32(65536), name, type), type, cancellationToken);
    }

    static async Task<DnsAnswer> ExchangeAsync(IPEndPoint server, byte[] query, ushort type, CancellationToken cancellationToken)
    {
        var id = BinaryPrimitives.ReadUInt16BigEndian(query);
        var buffer = new byte[4096];
        using (var udp = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp))
        {
            // Connected, so that only the server's datagrams arrive and an ICMP refusal ends the wait.
            await udp.ConnectAsync(server, cancellationToken);
            await udp.SendAsync(query, SocketFlags.None, cancellationToken);
            while (true)
            {
                var length = await udp.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (length < 12 || BinaryPrimitives.ReadUInt16BigEndian(buffer) != id || (buffer[2] & 0x80) == 0) continue;
                var answer = DnsMessage.Read(buffer.AsSpan(0, length), type);
                if (!answer.Truncated) return answer;
                break;
            }
        }

        using var tcp = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await tcp.ConnectAsync(server, cancellationToken);
        await using var stream = new NetworkStream(tcp, ownsSocket: false);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        await stream.WriteAsync(framed, cancellationToken);
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), cancellationToken);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(buffer)];
        await stream.ReadExactlyAsync(message, cancellationToken);
        var whole = DnsMessage.Read(message, type);
        return whole.Id == id && whole.IsResponse && !whole.Truncated ? whole : throw new FormatException("not the answer to the query");
    }

    /// <summary>The first <c>nameserver</c> a resolv.conf names, or null when it names none or is missing.</summary>
    public static IPAddress? ReadFirstNameserver(string path)
    {
        try
        {
            // A few hundred bytes, read once per check of a monitor without a server, so that a changed resolver counts at once.
            return FirstNameserver(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static IPAddress? FirstNameserver(string resolvConf)
    {
        foreach (var line in resolvConf.Split('\n'))
            if (line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries) is ["nameserver", var value, ..] && IPAddress.TryParse(value, out var address))
                return address;
        return null;
    }
}
