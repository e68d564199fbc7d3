using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Flatline;

/// <summary>The public ids of one monitor's checks, made rather than stored: a check is keyed by its
/// monitor and its millisecond, so a UUIDv7 whose 48-bit time is the check's and whose 74 other bits
/// come from a hash of the monitor's id names it uniquely, and the same check reads back with the same
/// id every time (also after a backup, a restore or an import, which keep monitor ids and times).</summary>
public sealed class CheckIds
{
    readonly byte[] monitorBits = new byte[16];

    public CheckIds(string monitorId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes("flatline check " + monitorId), hash);
        hash[..16].CopyTo(monitorBits);
    }

    public string Of(long checkedAtMs)
    {
        Span<byte> id = stackalloc byte[16];
        monitorBits.CopyTo(id);
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(time, checkedAtMs);
        time[2..].CopyTo(id); // the low 48 bits: unix_ts_ms
        id[6] = (byte)(0x70 | (id[6] & 0x0F)); // version 7
        id[8] = (byte)(0x80 | (id[8] & 0x3F)); // variant 10
        return new Guid(id, bigEndian: true).ToString();
    }
}
