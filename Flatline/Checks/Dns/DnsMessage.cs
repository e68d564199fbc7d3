using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace Flatline;

/// <summary>What a <c>dns</c> check reads of a server's answer: its id and flags, its rcode, and the
/// records of the asked type in canonical text (see <see cref="DnsMessage.Read"/>).</summary>
public sealed class DnsAnswer(ushort id, bool isResponse, bool truncated, int rcode)
{
    public ushort Id => id;
    public bool IsResponse => isResponse;
    public bool Truncated => truncated;
    public int Rcode => rcode;
    public List<string> Values { get; } = [];
}

/// <summary>The little of the DNS wire format (RFC 1035) a check needs: one question out; back, the
/// header and the answer section's records of the asked type, names decompressed.</summary>
public static class DnsMessage
{
    /// <summary>The record types a check may ask for, and their type codes in the same order.</summary>
    public static readonly string[] RecordTypes = ["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "CAA", "SRV", "PTR"];
    static readonly ushort[] TypeCodes = [1, 28, 5, 15, 16, 2, 6, 257, 33, 12];

    /// <summary>Response codes by value (RFC 1035, RFC 2136).</summary>
    static readonly string[] RcodeNames = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"];

    /// <summary>The rcodes a check may expect.</summary>
    public static readonly string[] Rcodes = ["NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", "NOTIMP", "FORMERR", "YXDOMAIN", "NXRRSET", "NOTAUTH", "NOTZONE"];

    public static ushort TypeCode(string recordType) => TypeCodes[Array.IndexOf(RecordTypes, recordType)];

    public static int RcodeValue(string name) => Array.IndexOf(RcodeNames, name);

    public static string RcodeName(int rcode) =>
        rcode < RcodeNames.Length ? RcodeNames[rcode] : rcode.ToString(CultureInfo.InvariantCulture);

    /// <summary>A query with recursion desired, the name's letters as given (no 0x20 mixing), and an
    /// EDNS(0) OPT record offering answers of up to 1232 bytes over UDP.</summary>
    public static byte[] Query(ushort id, string name, ushort type)
    {
        name = name.TrimEnd('.');
        // Each label's length byte stands where a dot was, one more goes first, and the root label ends it.
        var query = new byte[12 + name.Length + 2 + 4 + 11];
        BinaryPrimitives.WriteUInt16BigEndian(query, id);
        query[2] = 0x01; // RD
        query[5] = 1; // one question
        query[11] = 1; // one additional record: the OPT
        var at = 12;
        foreach (var label in name.Split('.'))
        {
            query[at++] = (byte)label.Length;
            at += Encoding.ASCII.GetBytes(label, query.AsSpan(at));
        }
        at++; // the root label
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(at), type);
        query[at + 3] = 1; // class IN
        // OPT: root owner, type 41, the UDP payload size as its class, no extended flags, no options.
        query[at + 6] = 41;
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(at + 7), 1232);
        return query;
    }

    /// <summary>Reads a message. Its records are read only when it is a whole answer (not truncated);
    /// a malformed message throws <see cref="FormatException"/>.</summary>
    public static DnsAnswer Read(ReadOnlySpan<byte> message, ushort type)
    {
        if (message.Length < 12) throw new FormatException("short header");
        var id = BinaryPrimitives.ReadUInt16BigEndian(message);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        var answer = new DnsAnswer(id, (flags & 0x8000) != 0, (flags & 0x0200) != 0, flags & 0x000F);
        if (answer.Truncated || !answer.IsResponse) return answer;

        var at = 12;
        for (var i = BinaryPrimitives.ReadUInt16BigEndian(message[4..]); i > 0; i--)
        {
            ReadName(message, ref at);
            at += 4;
        }
        for (var i = BinaryPrimitives.ReadUInt16BigEndian(message[6..]); i > 0; i--)
        {
            ReadName(message, ref at);
            var rrType = U16(message, at, message.Length);
            var rrClass = U16(message, at + 2, message.Length);
            var end = at + 10 + U16(message, at + 8, message.Length);
            if (end > message.Length) throw new FormatException("record past the end");
            if (rrType == type && rrClass == 1) answer.Values.Add(Rdata(message, at + 10, end, type));
            at = end;
        }
        return answer;
    }

    /// <summary>The canonical text of one record's data: an address; a name without its trailing dot
    /// (the root as <c>.</c>); <c>10 mail.example.com</c> (MX); a TXT record's strings joined;
    /// <c>mname rname serial refresh retry expire minimum</c> (SOA); <c>0 issue "letsencrypt.org"</c>
    /// (CAA); <c>priority weight port target</c> (SRV).</summary>
    static string Rdata(ReadOnlySpan<byte> message, int at, int end, ushort type)
    {
        var text = new StringBuilder();
        switch (type)
        {
            case 1 or 28 when end - at == (type == 1 ? 4 : 16):
                return new IPAddress(message[at..end]).ToString();
            case 5 or 2 or 12:
                text.Append(ReadName(message, ref at));
                break;
            case 15:
                text.Append((int)U16(message, at, end)).Append(' ');
                at += 2;
                text.Append(ReadName(message, ref at));
                break;
            case 16:
                while (at < end)
                {
                    var length = message[at++];
                    if (at + length > end) throw new FormatException("TXT string past the end");
                    text.Append(Encoding.UTF8.GetString(message[at..(at + length)]));
                    at += length;
                }
                break;
            case 6:
                text.Append(ReadName(message, ref at)).Append(' ').Append(ReadName(message, ref at));
                for (var i = 0; i < 5; i++, at += 4)
                {
                    if (at + 4 > end) throw new FormatException("short SOA");
                    text.Append(' ').Append((long)BinaryPrimitives.ReadUInt32BigEndian(message[at..]));
                }
                break;
            case 257:
                if (at + 2 > end || at + 2 + message[at + 1] > end) throw new FormatException("short CAA");
                var tagEnd = at + 2 + message[at + 1];
                text.Append((int)message[at]).Append(' ').Append(Encoding.ASCII.GetString(message[(at + 2)..tagEnd]))
                    .Append(" \"").Append(Encoding.UTF8.GetString(message[tagEnd..end])).Append('"');
                at = end;
                break;
            case 33:
                text.Append((int)U16(message, at, end)).Append(' ').Append((int)U16(message, at + 2, end)).Append(' ').Append((int)U16(message, at + 4, end)).Append(' ');
                at += 6;
                text.Append(ReadName(message, ref at));
                break;
            default:
                throw new FormatException("unexpected record data");
        }
        if (at > end) throw new FormatException("record data past its length");
        return text.ToString();
    }

    static ushort U16(ReadOnlySpan<byte> message, int at, int end) =>
        at + 2 <= end ? BinaryPrimitives.ReadUInt16BigEndian(message[at..]) : throw new FormatException("short record");

    /// <summary>A name at <paramref name="at"/>, following compression pointers (at most 64, so a loop
    /// cannot hold the check), with <paramref name="at"/> moved past it.</summary>
    static string ReadName(ReadOnlySpan<byte> message, ref int at)
    {
        var name = new StringBuilder();
        var position = at;
        var jumps = 0;
        while (true)
        {
            if (position >= message.Length) throw new FormatException("name past the end");
            var length = message[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= message.Length || ++jumps > 64) throw new FormatException("bad compression pointer");
                if (jumps == 1) at = position + 2;
                position = ((length & 0x3F) << 8) | message[position + 1];
                continue;
            }
            if (length > 63 || position + 1 + length > message.Length || name.Length + length > 254) throw new FormatException("bad label");
            position++;
            if (length == 0) break;
            if (name.Length > 0) name.Append('.');
            name.Append(Encoding.ASCII.GetString(message[position..(position + length)]));
            position += length;
        }
        if (jumps == 0) at = position;
        return name.Length == 0 ? "." : name.ToString();
    }
}
