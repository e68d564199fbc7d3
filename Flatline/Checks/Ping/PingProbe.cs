using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Flatline;

/// <summary>Thrown when the host lets this process open neither kind of ICMP socket.</summary>
public sealed class IcmpForbiddenException() : Exception(Text)
{
    public const string Text = "ICMP not permitted for this process: add its group to sysctl net.ipv4.ping_group_range (or grant CAP_NET_RAW)";
}

/// <summary>Sends a check's echo requests 100 ms apart on one socket of its own and collects the
/// replies until all are in or the timeout ends. .NET's own Ping class is not used: on Linux without
/// raw-socket rights it runs the ping executable. A datagram ICMP socket (no privilege beyond
/// net.ipv4.ping_group_range) is tried first, then a raw one; the kernel matches a datagram socket's
/// replies to it, while a raw socket sees every ICMP packet, so replies are matched by identifier,
/// sequence, sender and a random payload.</summary>
public sealed class PingProbe(TimeProvider time) : IProbe
{
    static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);
    const int PayloadLength = 16;

    public async Task<ProbeOutcome> CheckAsync(CheckSpec check, CancellationToken cancellationToken)
    {
        var spec = (PingCheckSpec)check;
        using var deadline = new CheckDeadline(spec.Timeout, time, cancellationToken);
        try
        {
            IPAddress address;
            if (!IPAddress.TryParse(spec.Host, out address!))
            {
                var addresses = await Dns.GetHostAddressesAsync(spec.Host, deadline.Token);
                address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                    ?? throw new SocketException((int)SocketError.HostNotFound);
            }
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            var roundTrips = await EchoAsync(address, spec.Count, deadline.Token, cancellationToken);
            return PingVerdict.Judge(roundTrips, spec.MaxLossPercent, spec.Timeout);
        }
        catch (IcmpForbiddenException e)
        {
            return ProbeOutcome.Failure(e.Message);
        }
        catch (Exception e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ProbeOutcome.Failure(deadline.TimedOut ?? NetworkErrors.Describe(e));
        }
    }

    /// <summary>The round trip of each request in µs, null for those unanswered when <paramref name="until"/> ends.</summary>
    async Task<long?[]> EchoAsync(IPAddress address, int count, CancellationToken until, CancellationToken cancellationToken)
    {
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        using var socket = Open(address.AddressFamily, out var raw);
        socket.Bind(new IPEndPoint(v4 ? IPAddress.Any : IPAddress.IPv6Any, 0));
        var identifier = (ushort)RandomNumberGenerator.GetInt32(65536);
        var firstSequence = (ushort)RandomNumberGenerator.GetInt32(65536);
        var payload = RandomNumberGenerator.GetBytes(PayloadLength);
        var sentAt = new long[count];
        var roundTrips = new long?[count];
        var target = new IPEndPoint(address, 0);

        using var allIn = CancellationTokenSource.CreateLinkedTokenSource(until);
        var receiving = ReceiveAsync();
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (i > 0) await Task.Delay(Spacing, time, allIn.Token);
                var request = Request(v4, identifier, (ushort)(firstSequence + i), payload);
                sentAt[i] = time.GetTimestamp();
                await socket.SendToAsync(request, SocketFlags.None, target, allIn.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout ran out while sending, or every reply came: what came in is the answer.
        }
        catch
        {
            // A send refused (no route): the receiver stops before the socket closes under it.
            await allIn.CancelAsync();
            await receiving;
            throw;
        }
        await receiving;
        cancellationToken.ThrowIfCancellationRequested();
        return roundTrips;

        async Task ReceiveAsync()
        {
            var buffer = new byte[1500];
            var any = new IPEndPoint(v4 ? IPAddress.Any : IPAddress.IPv6Any, 0);
            var answered = 0;
            try
            {
                while (answered < count)
                {
                    var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, allIn.Token);
                    var now = time.GetTimestamp();
                    if (raw && !((IPEndPoint)received.RemoteEndPoint).Address.Equals(address)) continue;
                    var sequence = ReplySequence(buffer.AsSpan(0, received.ReceivedBytes), v4, raw, identifier, payload);
                    if (sequence is not { } seq) continue;
                    var index = (ushort)(seq - firstSequence);
                    if (index >= count || roundTrips[index] is not null || sentAt[index] == 0) continue;
                    roundTrips[index] = (long)time.GetElapsedTime(sentAt[index], now).TotalMicroseconds;
                    answered++;
                }
                await allIn.CancelAsync();
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>A datagram ICMP socket, or failing that a raw one; neither: <see cref="IcmpForbiddenException"/>.</summary>
    static Socket Open(AddressFamily family, out bool raw)
    {
        var protocol = family == AddressFamily.InterNetwork ? ProtocolType.Icmp : ProtocolType.IcmpV6;
        raw = false;
        try
        {
            return new Socket(family, SocketType.Dgram, protocol);
        }
        catch (SocketException)
        {
            // EACCES: the process's group is outside net.ipv4.ping_group_range. A raw socket may still be allowed.
        }
        raw = true;
        try
        {
            return new Socket(family, SocketType.Raw, protocol);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AccessDenied or SocketError.ProtocolNotSupported or SocketError.SocketNotSupported)
        {
            throw new IcmpForbiddenException();
        }
    }

    /// <summary>An echo request: type 8 (ICMPv6: 128), code 0, the checksum (the kernel computes
    /// ICMPv6's, and a datagram socket's), identifier, sequence and payload.</summary>
    public static byte[] Request(bool v4, ushort identifier, ushort sequence, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[8 + payload.Length];
        packet[0] = v4 ? (byte)8 : (byte)128;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), sequence);
        payload.CopyTo(packet.AsSpan(8));
        if (v4) BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), Checksum(packet));
        return packet;
    }

    /// <summary>The sequence number of an echo reply to this check, or null for any other packet. A raw
    /// IPv4 socket's packets start with the IP header, and only a raw socket's identifier is the one sent
    /// (a datagram socket's is the kernel's).</summary>
    public static ushort? ReplySequence(ReadOnlySpan<byte> packet, bool v4, bool raw, ushort identifier, ReadOnlySpan<byte> payload)
    {
        if (v4 && raw)
        {
            if (packet.Length < 20) return null;
            packet = packet[((packet[0] & 0x0F) * 4)..];
        }
        if (packet.Length < 8 + payload.Length || packet[0] != (v4 ? 0 : 129) || packet[1] != 0) return null;
        if (raw && BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) != identifier) return null;
        if (!packet.Slice(8, payload.Length).SequenceEqual(payload)) return null;
        return BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
    }

    /// <summary>The Internet checksum (RFC 1071) of a packet whose checksum field is zero.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
