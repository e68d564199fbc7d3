namespace Flatline;

/// <summary>The histogram's blob, as the rollups store it.</summary>
public sealed partial class LatencyHistogram
{
    const byte FormatVersion = 1;

    /// <summary>
    /// Version byte, varint zero count, varint number of non-empty buckets, then for each bucket
    /// in ascending order a varint index delta (the first is the index itself) and a varint count.
    /// The encoding is canonical: equal histograms give equal bytes, whatever their layout.
    /// </summary>
    public byte[] ToBytes()
    {
        var buckets = 0;
        var size = 1 + Varint.Length((ulong)_zeroCount);
        var previous = 0;
        for (var walk = new BucketWalk(this); walk.MoveNext();)
        {
            size += Varint.Length((ulong)(walk.Index - previous)) + Varint.Length((ulong)walk.Count);
            previous = walk.Index;
            buckets++;
        }
        size += Varint.Length((ulong)buckets);

        var bytes = new byte[size];
        bytes[0] = FormatVersion;
        var position = 1;
        position = Varint.Write(bytes, position, (ulong)_zeroCount);
        position = Varint.Write(bytes, position, (ulong)buckets);
        previous = 0;
        for (var walk = new BucketWalk(this); walk.MoveNext();)
        {
            position = Varint.Write(bytes, position, (ulong)(walk.Index - previous));
            position = Varint.Write(bytes, position, (ulong)walk.Count);
            previous = walk.Index;
        }
        return bytes;
    }

    public static LatencyHistogram FromBytes(ReadOnlySpan<byte> bytes)
    {
        var histogram = new LatencyHistogram();
        histogram.Merge(bytes);
        return histogram;
    }

    readonly record struct BlobShape(long ZeroCount, long Total, int Buckets, int BucketsStart, int MinIndex, int MaxIndex);

    static BlobShape Validate(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
            throw new FormatException("the latency histogram is empty");
        if (bytes[0] != FormatVersion)
            throw new FormatException($"unknown latency histogram version {bytes[0]}");
        var reader = new Varint.Reader(bytes) { Position = 1 };
        var zeroCount = reader.Read();
        if (zeroCount > long.MaxValue)
            throw new FormatException("the latency histogram's zero count is out of range");
        var buckets = reader.Read();
        // Each bucket takes at least two bytes, which also bounds the loop on a corrupt count.
        if (buckets > (ulong)MaxIndex + 1 || buckets > (ulong)(bytes.Length - reader.Position) / 2)
            throw new FormatException("the latency histogram's bucket count is out of range");

        var bucketsStart = reader.Position;
        var total = (long)zeroCount;
        long index = 0;
        var minIndex = 0;
        for (var i = 0UL; i < buckets; i++)
        {
            var delta = reader.Read();
            var count = reader.Read();
            if (i > 0 && delta == 0)
                throw new FormatException("the latency histogram's buckets are not in ascending order");
            if (delta > (ulong)MaxIndex || (index += (long)delta) > MaxIndex)
                throw new FormatException("the latency histogram has a bucket index out of range");
            if (count == 0 || count > int.MaxValue)
                throw new FormatException("the latency histogram has a bucket count out of range");
            if (i == 0)
                minIndex = (int)index;
            total += (long)count;
            if (total < 0)
                throw new FormatException("the latency histogram's total count is out of range");
        }
        if (reader.Position != bytes.Length)
            throw new FormatException("the latency histogram has trailing bytes");
        return new BlobShape((long)zeroCount, total, (int)buckets, bucketsStart, minIndex, (int)index);
    }
}
