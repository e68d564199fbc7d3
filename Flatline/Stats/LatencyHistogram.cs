namespace Flatline;

/// <summary>
/// A mergeable latency histogram (DDSketch-style logarithmic buckets) for the hourly rollups:
/// any quantile it reports is within 1 % of the true one, and merging hours into a 90-day window
/// costs the same whatever the number of checks behind them.
/// </summary>
/// <remarks>
/// Bucket i holds the values in (γ^(i−1), γ^i] and reports 2·γ^i/(γ+1), within α of each of
/// them; values ≤ 0 go to a zero bucket that reports 0. α is a little under 1 % so that rounding
/// at a bucket edge cannot push an answer past 1 %. Values above <see cref="MaxMicros"/> are
/// clamped into the top bucket, so they alone lose the bound. The int[] of counts covers only
/// the indexes seen so far (a few dozen for an hour); even 1 µs to 300 s (987 buckets) is under 4 KB.
/// Not thread-safe: each rollup is owned by one writer.
/// </remarks>
public sealed class LatencyHistogram
{
    public const double RelativeAccuracy = 0.0099;
    public const long MaxMicros = 300_000_000;
    const byte FormatVersion = 1;
    const int GrowthSlack = 16;

    static readonly double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
    static readonly double InverseLogGamma = 1 / Math.Log(Gamma);
    internal static readonly int MaxIndex = (int)Math.Ceiling(Math.Log(MaxMicros) * InverseLogGamma);

    int[] _counts = [];
    int _offset;                 // bucket index of _counts[0]
    int _minIndex = int.MaxValue; // lowest and highest non-empty bucket; empty when _minIndex > _maxIndex
    int _maxIndex = -1;
    long _zeroCount;
    long _count;

    /// <summary>How many buckets the counts array has room for (what the histogram costs in memory).</summary>
    internal int Capacity => _counts.Length;

    /// <summary>All values added or merged, including those ≤ 0.</summary>
    public long Count => _count;

    public void Add(long micros)
    {
        if (micros <= 0)
        {
            _zeroCount++;
        }
        else
        {
            var index = IndexOf(Math.Min(micros, MaxMicros));
            Cover(index, index);
            checked { _counts[index - _offset]++; }
        }
        _count++;
    }

    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._minIndex <= other._maxIndex)
        {
            Cover(other._minIndex, other._maxIndex);
            var source = other._counts.AsSpan(other._minIndex - other._offset, other._maxIndex - other._minIndex + 1);
            var target = _counts.AsSpan(other._minIndex - _offset, source.Length);
            for (var i = 0; i < source.Length; i++)
                checked { target[i] += source[i]; }
        }
        _zeroCount = checked(_zeroCount + other._zeroCount);
        _count = checked(_count + other._count);
    }

    /// <summary>
    /// Merges a histogram serialized by <see cref="ToBytes"/> without materialising it, so the
    /// stats path can fold thousands of rollup blobs into one window. The blob is validated in
    /// full before anything is added: a <see cref="FormatException"/> leaves this histogram as it was.
    /// </summary>
    public void Merge(ReadOnlySpan<byte> bytes)
    {
        var blob = Validate(bytes);
        if (blob.Buckets > 0)
        {
            Cover(blob.MinIndex, blob.MaxIndex);
            var reader = new VarintReader(bytes) { Position = blob.BucketsStart };
            var index = 0;
            for (var i = 0; i < blob.Buckets; i++)
            {
                index += (int)reader.Read();
                checked { _counts[index - _offset] += (int)reader.Read(); }
            }
        }
        _zeroCount = checked(_zeroCount + blob.ZeroCount);
        _count = checked(_count + blob.Total);
    }

    /// <summary>
    /// Takes out a histogram serialized by <see cref="ToBytes"/> that was merged in before, so
    /// that a running window can drop the hour or day that leaves it. Throws
    /// <see cref="InvalidOperationException"/>, changing nothing, if the blob holds values this
    /// histogram does not.
    /// </summary>
    public void Subtract(ReadOnlySpan<byte> bytes)
    {
        var blob = Validate(bytes);
        if (blob.ZeroCount > _zeroCount || blob.Total > _count)
            throw new InvalidOperationException("the latency histogram does not contain the values to subtract");
        for (var pass = 0; pass < 2; pass++)
        {
            var reader = new VarintReader(bytes) { Position = blob.BucketsStart };
            var index = 0;
            for (var i = 0; i < blob.Buckets; i++)
            {
                index += (int)reader.Read();
                var count = (int)reader.Read();
                if (pass == 0)
                {
                    if (index < _minIndex || index > _maxIndex || _counts[index - _offset] < count)
                        throw new InvalidOperationException("the latency histogram does not contain the values to subtract");
                }
                else _counts[index - _offset] -= count;
            }
        }
        _zeroCount -= blob.ZeroCount;
        _count -= blob.Total;
    }

    /// <summary>
    /// The smallest bucket value v such that at least ceil(q·n) of the n values are ≤ v (the
    /// "lower" rank, at least rank 1, so q = 0 gives the minimum), or null when empty.
    /// </summary>
    public double? Quantile(double q)
    {
        if (!(q >= 0 && q <= 1))
            throw new ArgumentOutOfRangeException(nameof(q), q, "the quantile must be between 0 and 1");
        if (_count == 0)
            return null;

        var rank = Rank(q, _count);
        if (rank <= _zeroCount)
            return 0;
        var seen = _zeroCount;
        for (var index = _minIndex; index <= _maxIndex; index++)
        {
            seen += _counts[index - _offset];
            if (seen >= rank)
                return ValueOf(index);
        }
        throw new InvalidOperationException("bucket counts do not add up to the total");
    }

    /// <summary>
    /// Version byte, varint zero count, varint number of non-empty buckets, then for each bucket
    /// in ascending order a varint index delta (the first is the index itself) and a varint count.
    /// The encoding is canonical: equal histograms give equal bytes.
    /// </summary>
    public byte[] ToBytes()
    {
        var buckets = 0;
        var size = 1 + VarintLength((ulong)_zeroCount);
        var previous = 0;
        for (var index = _minIndex; index <= _maxIndex; index++)
        {
            var count = _counts[index - _offset];
            if (count == 0)
                continue;
            size += VarintLength((ulong)(index - previous)) + VarintLength((ulong)count);
            previous = index;
            buckets++;
        }
        size += VarintLength((ulong)buckets);

        var bytes = new byte[size];
        bytes[0] = FormatVersion;
        var position = 1;
        position = WriteVarint(bytes, position, (ulong)_zeroCount);
        position = WriteVarint(bytes, position, (ulong)buckets);
        previous = 0;
        for (var index = _minIndex; index <= _maxIndex; index++)
        {
            var count = _counts[index - _offset];
            if (count == 0)
                continue;
            position = WriteVarint(bytes, position, (ulong)(index - previous));
            position = WriteVarint(bytes, position, (ulong)count);
            previous = index;
        }
        return bytes;
    }

    public static LatencyHistogram FromBytes(ReadOnlySpan<byte> bytes)
    {
        var histogram = new LatencyHistogram();
        histogram.Merge(bytes);
        return histogram;
    }

    /// <summary>ceil(q·n), at least 1. Decimal keeps 0.07·100 at 7 where double gives 7.000000000000001.</summary>
    internal static long Rank(double q, long n) => Math.Max(1, (long)decimal.Ceiling((decimal)q * n));

    internal static int IndexOf(long micros) =>
        Math.Clamp((int)Math.Ceiling(Math.Log(micros) * InverseLogGamma), 0, MaxIndex);

    internal static double ValueOf(int index) => 2 * Math.Pow(Gamma, index) / (Gamma + 1);

    /// <summary>Drops the room that growth left on either side and the empty buckets at both ends (a
    /// subtraction leaves them): for a histogram that is kept, such as a stats window, the counts then
    /// take the span of the values they hold and no more. Answers are unchanged.</summary>
    public void Trim()
    {
        var low = _minIndex;
        var high = _maxIndex;
        while (low <= high && _counts[low - _offset] == 0) low++;
        while (high >= low && _counts[high - _offset] == 0) high--;
        if (low > high)
        {
            _counts = [];
            _offset = 0;
            _minIndex = int.MaxValue;
            _maxIndex = -1;
            return;
        }
        if (_offset != low || _counts.Length != high - low + 1)
        {
            _counts = _counts.AsSpan(low - _offset, high - low + 1).ToArray();
            _offset = low;
        }
        _minIndex = low;
        _maxIndex = high;
    }

    // Makes _counts span [low, high] and records them as the non-empty range (callers add to both ends).
    void Cover(int low, int high)
    {
        if (low < _offset || high >= _offset + _counts.Length)
        {
            // Slack on the side that grew, at least a quarter of the current span, keeps regrowth rare.
            var slack = Math.Max(GrowthSlack, _counts.Length / 4);
            var oldHigh = _offset + _counts.Length - 1;
            var newLow = low < _offset || _counts.Length == 0 ? Math.Max(0, low - slack) : _offset;
            var newHigh = high > oldHigh || _counts.Length == 0 ? Math.Min(MaxIndex, high + slack) : oldHigh;
            var grown = new int[newHigh - newLow + 1];
            if (_minIndex <= _maxIndex)
                _counts.AsSpan(_minIndex - _offset, _maxIndex - _minIndex + 1).CopyTo(grown.AsSpan(_minIndex - newLow));
            _counts = grown;
            _offset = newLow;
        }
        _minIndex = Math.Min(_minIndex, low);
        _maxIndex = Math.Max(_maxIndex, high);
    }

    readonly record struct BlobShape(long ZeroCount, long Total, int Buckets, int BucketsStart, int MinIndex, int MaxIndex);

    static BlobShape Validate(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
            throw new FormatException("the latency histogram is empty");
        if (bytes[0] != FormatVersion)
            throw new FormatException($"unknown latency histogram version {bytes[0]}");
        var reader = new VarintReader(bytes) { Position = 1 };
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

    static int VarintLength(ulong value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }
        return length;
    }

    static int WriteVarint(byte[] bytes, int position, ulong value)
    {
        while (value >= 0x80)
        {
            bytes[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        bytes[position++] = (byte)value;
        return position;
    }

    // Unsigned LEB128; rejects truncation, more than 64 bits and over-long encodings.
    ref struct VarintReader(ReadOnlySpan<byte> bytes)
    {
        readonly ReadOnlySpan<byte> _bytes = bytes;
        public int Position;

        public ulong Read()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (Position >= _bytes.Length)
                    throw new FormatException("the latency histogram is truncated");
                var b = _bytes[Position++];
                if (shift == 63 && b > 1)
                    throw new FormatException("the latency histogram has a number out of range");
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    if (b == 0 && shift > 0)
                        throw new FormatException("the latency histogram has an over-long number");
                    return value;
                }
            }
        }
    }
}
