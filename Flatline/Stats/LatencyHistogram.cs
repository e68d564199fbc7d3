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
/// clamped into the top bucket, so they alone lose the bound.
/// <para>Two layouts, with the same answers and bytes. Sparse while it holds up to
/// <see cref="MaxSparseBuckets"/> non-empty buckets, each under 2²² values: one sorted uint a bucket
/// (index in the top 10 bits, count below), so a histogram costs four bytes a bucket it holds —
/// the stats windows keep four a monitor for good, and a monitor whose latencies are spread over
/// 100 µs to 100 ms with a few values in between would otherwise pay four bytes for each of the
/// ~350 buckets of that range. Dense beyond that: an int[] over the range of indexes seen so far,
/// with room to grow (even 1 µs to 300 s, 987 buckets, is under 4 KB).</para>
/// Not thread-safe: each rollup is owned by one writer.
/// </remarks>
public sealed partial class LatencyHistogram
{
    public const double RelativeAccuracy = 0.0099;
    public const long MaxMicros = 300_000_000;
    internal const int MaxSparseBuckets = 256;
    const int GrowthSlack = 16;
    const int CountBits = 22;
    const uint MaxSparseCount = (1u << CountBits) - 1;

    static readonly double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
    static readonly double InverseLogGamma = 1 / Math.Log(Gamma);
    internal static readonly int MaxIndex = (int)Math.Ceiling(Math.Log(MaxMicros) * InverseLogGamma);

    // Sparse when not null: _entries[0.._used) ascending by index, (index << CountBits) | count, no count 0.
    uint[]? _entries = [];
    int _used;
    // Dense otherwise.
    int[] _counts = [];
    int _offset;                 // bucket index of _counts[0]
    int _minIndex = int.MaxValue; // lowest and highest non-empty bucket; empty when _minIndex > _maxIndex
    int _maxIndex = -1;
    long _zeroCount;
    long _count;

    /// <summary>How many buckets its array has room for (what the histogram costs in memory: four bytes each).</summary>
    internal int Capacity => _entries?.Length ?? _counts.Length;

    /// <summary>Whether it holds its buckets one uint each (see the remarks).</summary>
    internal bool IsSparse => _entries is not null;

    /// <summary>All values added or merged, including those ≤ 0.</summary>
    public long Count => _count;

    public void Add(long micros)
    {
        if (micros <= 0) _zeroCount++;
        else AddTo(IndexOf(Math.Min(micros, MaxMicros)), 1);
        _count++;
    }

    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this)) other = FromBytes(ToBytes());
        if (_entries is null && other._entries is null)
        {
            if (other._minIndex <= other._maxIndex)
            {
                Cover(other._minIndex, other._maxIndex);
                var source = other._counts.AsSpan(other._minIndex - other._offset, other._maxIndex - other._minIndex + 1);
                var target = _counts.AsSpan(other._minIndex - _offset, source.Length);
                for (var i = 0; i < source.Length; i++)
                    checked { target[i] += source[i]; }
            }
        }
        else
        {
            for (var walk = new BucketWalk(other); walk.MoveNext();)
                AddTo(walk.Index, walk.Count);
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
            if (_entries is not null && _used + blob.Buckets > MaxSparseBuckets) Densify();
            if (_entries is null) Cover(blob.MinIndex, blob.MaxIndex);
            var reader = new Varint.Reader(bytes) { Position = blob.BucketsStart };
            var index = 0;
            for (var i = 0; i < blob.Buckets; i++)
            {
                index += (int)reader.Read();
                AddTo(index, (int)reader.Read());
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
            var reader = new Varint.Reader(bytes) { Position = blob.BucketsStart };
            var index = 0;
            for (var i = 0; i < blob.Buckets; i++)
            {
                index += (int)reader.Read();
                var count = (int)reader.Read();
                if (pass == 1) TakeFrom(index, count);
                else if (CountAt(index) < count)
                    throw new InvalidOperationException("the latency histogram does not contain the values to subtract");
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
        for (var walk = new BucketWalk(this); walk.MoveNext();)
        {
            seen += walk.Count;
            if (seen >= rank)
                return ValueOf(walk.Index);
        }
        throw new InvalidOperationException("bucket counts do not add up to the total");
    }

    /// <summary>ceil(q·n), at least 1. Decimal keeps 0.07·100 at 7 where double gives 7.000000000000001.</summary>
    internal static long Rank(double q, long n) => Math.Max(1, (long)decimal.Ceiling((decimal)q * n));

    internal static int IndexOf(long micros) =>
        Math.Clamp((int)Math.Ceiling(Math.Log(micros) * InverseLogGamma), 0, MaxIndex);

    internal static double ValueOf(int index) => 2 * Math.Pow(Gamma, index) / (Gamma + 1);

    /// <summary>Drops the room that growth left and the empty buckets a subtraction leaves, and takes the
    /// sparse layout again when the histogram fits it: for a histogram that is kept, such as a stats
    /// window, the array then holds what the histogram holds and no more. Answers are unchanged.</summary>
    public void Trim()
    {
        if (_entries is null)
        {
            var (buckets, largest) = (0, 0);
            for (var walk = new BucketWalk(this); walk.MoveNext();)
                (buckets, largest) = (buckets + 1, Math.Max(largest, walk.Count));
            if (buckets > MaxSparseBuckets || largest > MaxSparseCount)
            {
                TrimDense();
                return;
            }
            var entries = buckets == 0 ? [] : new uint[buckets];
            var at = 0;
            for (var walk = new BucketWalk(this); walk.MoveNext();)
                entries[at++] = (uint)walk.Index << CountBits | (uint)walk.Count;
            (_entries, _used, _counts, _offset, _minIndex, _maxIndex) = (entries, buckets, [], 0, int.MaxValue, -1);
        }
        else if (_entries.Length != _used) _entries = _used == 0 ? [] : _entries.AsSpan(0, _used).ToArray();
    }

    void TrimDense()
    {
        var low = _minIndex;
        var high = _maxIndex;
        while (low <= high && _counts[low - _offset] == 0) low++;
        while (high >= low && _counts[high - _offset] == 0) high--;
        if (_offset != low || _counts.Length != high - low + 1)
        {
            _counts = _counts.AsSpan(low - _offset, high - low + 1).ToArray();
            _offset = low;
        }
        _minIndex = low;
        _maxIndex = high;
    }

    // Adds count (> 0) to one bucket; leaves the sparse layout when a new bucket or a count would not fit it.
    void AddTo(int index, int count)
    {
        if (_entries is not null)
        {
            var at = Find(index);
            if (at >= 0)
            {
                if ((_entries[at] & MaxSparseCount) + (ulong)count <= MaxSparseCount)
                {
                    _entries[at] += (uint)count;
                    return;
                }
            }
            else if (_used < MaxSparseBuckets && (uint)count <= MaxSparseCount)
            {
                Insert(~at, index, count);
                return;
            }
            Densify();
        }
        Cover(index, index);
        checked { _counts[index - _offset] += count; }
    }

    // Takes count (≤ what the bucket holds) out of one bucket.
    void TakeFrom(int index, int count)
    {
        if (_entries is null)
        {
            _counts[index - _offset] -= count;
            return;
        }
        var at = Find(index);
        if ((_entries[at] & MaxSparseCount) != (uint)count)
        {
            _entries[at] -= (uint)count;
            return;
        }
        _entries.AsSpan(at + 1, _used - at - 1).CopyTo(_entries.AsSpan(at));
        _used--;
    }

    int CountAt(int index)
    {
        if (_entries is null)
            return index >= _minIndex && index <= _maxIndex ? _counts[index - _offset] : 0;
        var at = Find(index);
        return at >= 0 ? (int)(_entries[at] & MaxSparseCount) : 0;
    }

    // The position of the bucket's entry, or the complement of where it would go.
    int Find(int index)
    {
        var entries = _entries!;
        var (low, high) = (0, _used - 1);
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var at = (int)(entries[middle] >> CountBits);
            if (at == index) return middle;
            if (at < index) low = middle + 1;
            else high = middle - 1;
        }
        return ~low;
    }

    void Insert(int position, int index, int count)
    {
        if (_used == _entries!.Length)
        {
            var grown = new uint[Math.Min(MaxSparseBuckets, Math.Max(4, _used + _used / 2))];
            _entries.AsSpan(0, _used).CopyTo(grown);
            _entries = grown;
        }
        _entries.AsSpan(position, _used - position).CopyTo(_entries.AsSpan(position + 1));
        _entries[position] = (uint)index << CountBits | (uint)count;
        _used++;
    }

    void Densify()
    {
        var (entries, used) = (_entries!, _used);
        (_entries, _used) = (null, 0);
        if (used == 0) return;
        Cover((int)(entries[0] >> CountBits), (int)(entries[used - 1] >> CountBits));
        foreach (var entry in entries.AsSpan(0, used))
            _counts[(int)(entry >> CountBits) - _offset] = (int)(entry & MaxSparseCount);
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

    // The non-empty buckets in ascending order, in either layout.
    ref struct BucketWalk(LatencyHistogram histogram)
    {
        readonly uint[]? entries = histogram._entries;
        int next = histogram._entries is null ? histogram._minIndex : 0;
        public int Index, Count;

        public bool MoveNext()
        {
            if (entries is not null)
            {
                if (next >= histogram._used) return false;
                var entry = entries[next++];
                (Index, Count) = ((int)(entry >> CountBits), (int)(entry & MaxSparseCount));
                return true;
            }
            for (; next <= histogram._maxIndex; next++)
            {
                var count = histogram._counts[next - histogram._offset];
                if (count == 0) continue;
                (Index, Count) = (next++, count);
                return true;
            }
            return false;
        }
    }
}
