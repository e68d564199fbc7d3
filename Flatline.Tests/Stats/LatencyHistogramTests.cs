using System.Diagnostics;

namespace Flatline.Tests.Stats;

public class LatencyHistogramTests
{
    static readonly double[] Percentiles = [0.50, 0.95, 0.99];

    // Latencies in microseconds, unsorted so that insertion order plays no part.
    static long[] Set(string name)
    {
        var random = new Random(20240607);
        long[] values = name switch
        {
            "uniform" => [.. Enumerable.Range(1, 10_000).Select(i => (long)i)],
            "lognormal" => [.. Enumerable.Range(0, 10_000).Select(_ => (long)Math.Round(Math.Exp(Math.Log(80_000) + 0.6 * Gaussian(random))))],
            "bimodal" => [
                .. Enumerable.Range(0, 900).Select(_ => (long)(2_000 * (1 + 0.1 * Gaussian(random)))),
                .. Enumerable.Range(0, 100).Select(_ => (long)(800_000 * (1 + 0.1 * Gaussian(random)))),
            ],
            "single" => [123_456],
            "all equal" => [.. Enumerable.Repeat(42_000L, 500)],
            "with zeros" => [.. Enumerable.Repeat(0L, 120), .. Enumerable.Range(1, 880).Select(i => (long)i * 37)],
            _ => throw new ArgumentException(name),
        };
        random.Shuffle(values);
        return values;
    }

    static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    static LatencyHistogram Of(IEnumerable<long> values)
    {
        var histogram = new LatencyHistogram();
        foreach (var value in values)
            histogram.Add(value);
        return histogram;
    }

    // The "lower" rank: the smallest value v with at least ceil(q·n) values ≤ v.
    static long Exact(long[] sorted, double q)
    {
        var rank = Math.Max(1, (long)decimal.Ceiling((decimal)q * sorted.Length));
        return sorted[rank - 1];
    }

    static double RelativeError(double estimate, long exact) =>
        exact == 0 ? (estimate == 0 ? 0 : double.PositiveInfinity) : Math.Abs(estimate - exact) / exact;

    [Test]
    [Arguments("uniform")]
    [Arguments("lognormal")]
    [Arguments("bimodal")]
    [Arguments("single")]
    [Arguments("all equal")]
    [Arguments("with zeros")]
    public async Task P50_p95_and_p99_are_within_one_percent_of_the_exact_values(string set)
    {
        var values = Set(set);
        var histogram = Of(values);
        var sorted = values.Order().ToArray();
        await Assert.That(histogram.Count).IsEqualTo(values.Length);
        foreach (var q in Percentiles)
            await Assert.That(RelativeError(histogram.Quantile(q)!.Value, Exact(sorted, q))).IsLessThanOrEqualTo(0.01);
    }

    // Observed maximum over 1,001 quantiles of each set: 0.9900 %, i.e. α = 0.0099 itself, hit at a bucket edge.
    [Test]
    public async Task Every_quantile_of_every_set_is_within_one_percent_measured_max_0_99_percent()
    {
        var worst = 0.0;
        foreach (var set in new[] { "uniform", "lognormal", "bimodal", "single", "all equal", "with zeros" })
        {
            var values = Set(set);
            var histogram = Of(values);
            var sorted = values.Order().ToArray();
            for (var permille = 0; permille <= 1000; permille++)
            {
                var q = permille / 1000.0;
                worst = Math.Max(worst, RelativeError(histogram.Quantile(q)!.Value, Exact(sorted, q)));
            }
        }
        Console.WriteLine($"max relative error {worst:P4}");
        await Assert.That(worst).IsLessThanOrEqualTo(0.01);
        await Assert.That(worst).IsGreaterThan(0.009);
    }

    [Test]
    public async Task Zero_and_negative_values_count_in_a_bucket_that_reports_zero()
    {
        var histogram = Of([0, -5, 0, 1_000, 2_000]);
        await Assert.That(histogram.Count).IsEqualTo(5);
        await Assert.That(histogram.Quantile(0)).IsEqualTo(0);
        await Assert.That(histogram.Quantile(0.6)).IsEqualTo(0);
        await Assert.That(RelativeError(histogram.Quantile(0.61)!.Value, 1_000)).IsLessThanOrEqualTo(0.01);
    }

    [Test]
    public async Task The_smallest_and_largest_latencies_keep_the_bound_and_larger_ones_are_clamped()
    {
        var histogram = Of([1, LatencyHistogram.MaxMicros, long.MaxValue]);
        await Assert.That(RelativeError(histogram.Quantile(0)!.Value, 1)).IsLessThanOrEqualTo(0.01);
        await Assert.That(RelativeError(histogram.Quantile(0.5)!.Value, LatencyHistogram.MaxMicros)).IsLessThanOrEqualTo(0.01);
        await Assert.That(histogram.Quantile(1)).IsEqualTo(histogram.Quantile(0.5));
    }

    [Test]
    public async Task An_empty_histogram_has_no_quantiles()
    {
        var histogram = new LatencyHistogram();
        await Assert.That(histogram.Count).IsEqualTo(0);
        foreach (var q in new[] { 0.0, 0.5, 0.99, 1.0 })
            await Assert.That(histogram.Quantile(q)).IsNull();

        histogram.Merge(new LatencyHistogram());
        histogram.Merge(new LatencyHistogram().ToBytes());
        await Assert.That(histogram.Quantile(0.5)).IsNull();
        await Assert.That(LatencyHistogram.FromBytes(histogram.ToBytes()).Count).IsEqualTo(0);
    }

    [Test]
    [Arguments(-0.01)]
    [Arguments(1.01)]
    [Arguments(double.NaN)]
    public async Task A_quantile_outside_zero_to_one_is_refused(double q)
    {
        var histogram = Of([1_000]);
        await Assert.That(() => histogram.Quantile(q)).Throws<ArgumentOutOfRangeException>();
    }

    [Test]
    public async Task Merging_hourly_histograms_equals_one_histogram_of_all_values()
    {
        var values = Set("lognormal").Concat(Set("with zeros")).Concat(Set("bimodal")).ToArray();
        var whole = Of(values);
        var hours = values.Chunk(360).Select(Of).ToArray();

        var merged = new LatencyHistogram();
        foreach (var hour in hours.Reverse())
            merged.Merge(hour);
        var mergedFromBytes = new LatencyHistogram();
        foreach (var hour in hours)
            mergedFromBytes.Merge(hour.ToBytes());

        foreach (var histogram in new[] { merged, mergedFromBytes })
        {
            await Assert.That(histogram.Count).IsEqualTo(whole.Count);
            await Assert.That(histogram.ToBytes()).IsEquivalentTo(whole.ToBytes());
            for (var permille = 0; permille <= 1000; permille++)
                await Assert.That(histogram.Quantile(permille / 1000.0)).IsEqualTo(whole.Quantile(permille / 1000.0));
        }
    }

    [Test]
    public async Task Ten_thousand_hourly_blobs_merge_into_the_sum_of_their_counts()
    {
        var random = new Random(7);
        var blobs = Enumerable.Range(0, 10_000).Select(hour =>
        {
            var typical = 50_000 + 1_000 * (hour % 100);
            return Of(Enumerable.Range(0, 360).Select(_ => (long)(typical * (0.7 + 0.6 * random.NextDouble())))).ToBytes();
        }).ToArray();

        var stopwatch = Stopwatch.StartNew();
        var window = new LatencyHistogram();
        foreach (var blob in blobs)
            window.Merge(blob);
        stopwatch.Stop();
        Console.WriteLine($"merged {blobs.Length} blobs ({blobs.Sum(b => b.Length)} bytes) in {stopwatch.Elapsed.TotalMilliseconds:F1} ms");

        await Assert.That(window.Count).IsEqualTo(3_600_000);
        await Assert.That(window.Quantile(0)!.Value).IsGreaterThanOrEqualTo(0.7 * 50_000 * 0.99);
        await Assert.That(window.Quantile(1)!.Value).IsLessThanOrEqualTo(1.3 * 149_000 * 1.01);
    }

    [Test]
    [Arguments("lognormal")]
    [Arguments("with zeros")]
    [Arguments("single")]
    public async Task A_histogram_survives_a_round_trip_through_bytes(string set)
    {
        var original = Of(Set(set));
        var bytes = original.ToBytes();
        var copy = LatencyHistogram.FromBytes(bytes);
        await Assert.That(copy.Count).IsEqualTo(original.Count);
        await Assert.That(copy.ToBytes()).IsEquivalentTo(bytes);
        for (var permille = 0; permille <= 1000; permille++)
            await Assert.That(copy.Quantile(permille / 1000.0)).IsEqualTo(original.Quantile(permille / 1000.0));
    }

    // 360 checks at a 10 s interval, within ±30 % of 150 ms: 32 non-empty buckets, measured 70 bytes
    // (three header bytes, then about two bytes a bucket).
    [Test]
    public async Task A_typical_hour_serialises_to_under_two_hundred_bytes_measured_70()
    {
        var random = new Random(11);
        var hour = Of(Enumerable.Range(0, 360).Select(_ => (long)(150_000 * (0.7 + 0.6 * random.NextDouble()))));
        var size = hour.ToBytes().Length;
        Console.WriteLine($"typical hour: {size} bytes");
        await Assert.That(size).IsLessThan(200);
        await Assert.That(size).IsEqualTo(70);
    }

    [Test]
    [Arguments("")]
    [Arguments("020000")]
    [Arguments("01")]
    [Arguments("0100")]
    [Arguments("0180")]
    [Arguments("01800000")]
    [Arguments("01FFFFFFFFFFFFFFFFFF0100")]
    [Arguments("01FFFFFFFFFFFFFFFFFF7F00")]
    [Arguments("01FFFFFFFFFFFFFFFF7F010501")]
    [Arguments("01000105")]
    [Arguments("0100FF7F0501")]
    [Arguments("010001E80701")]
    [Arguments("0100010500")]
    [Arguments("010001058080808010")]
    [Arguments("01000205010001")]
    [Arguments("01000000")]
    public async Task Corrupt_bytes_are_a_format_exception(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        await Assert.That(() => LatencyHistogram.FromBytes(bytes)).Throws<FormatException>();
    }

    [Test]
    public async Task Every_truncation_of_a_blob_is_a_format_exception_and_merges_nothing()
    {
        var bytes = Of(Set("with zeros")).ToBytes();
        var target = Of([5_000, 6_000]);
        var before = target.ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            await Assert.That(() => target.Merge(prefix)).Throws<FormatException>();
        }
        await Assert.That(target.ToBytes()).IsEquivalentTo(before);
    }

    [Test]
    public async Task Random_bytes_either_decode_or_are_a_format_exception()
    {
        var random = new Random(3);
        var failures = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(1, 24)];
            random.NextBytes(bytes);
            bytes[0] = 1;
            try
            {
                LatencyHistogram.FromBytes(bytes);
            }
            catch (FormatException)
            {
                failures++;
            }
        }
        await Assert.That(failures).IsGreaterThan(0);
    }

    [Test]
    public async Task Trimming_keeps_every_answer_and_leaves_room_for_the_held_values_only()
    {
        var slow = Of(Enumerable.Range(0, 50).Select(i => 2_000_000L + i));
        var histogram = Of(Set("bimodal"));
        histogram.Merge(slow);
        histogram.Subtract(slow.ToBytes()); // an hour with the outliers leaves the window
        var before = Percentiles.Select(histogram.Quantile).ToArray();
        var bytes = histogram.ToBytes();
        var spanBefore = histogram.Capacity;

        histogram.Trim();

        await Assert.That(Percentiles.Select(histogram.Quantile).ToArray()).IsEquivalentTo(before);
        await Assert.That(histogram.ToBytes()).IsEquivalentTo(bytes);
        // ~40 buckets: the sparse layout, one entry a held bucket.
        var held = Set("bimodal").Where(v => v > 0).Select(v => LatencyHistogram.IndexOf(Math.Min(v, LatencyHistogram.MaxMicros))).Distinct().Count();
        await Assert.That(histogram.IsSparse).IsTrue();
        await Assert.That(histogram.Capacity).IsEqualTo(held);
        await Assert.That(histogram.Capacity).IsLessThan(spanBefore);

        // It grows again when a value falls outside, and an emptied one holds nothing.
        histogram.Add(5_000_000);
        await Assert.That(histogram.Quantile(1.0)).IsNotNull();
        var empty = Of([1_000, 2_000]);
        empty.Subtract(Of([1_000, 2_000]).ToBytes());
        empty.Trim();
        await Assert.That(empty.Capacity).IsEqualTo(0);
        await Assert.That(empty.Quantile(0.5)).IsNull();
        empty.Add(3_000);
        await Assert.That(empty.Quantile(0.5)).IsNotNull();
    }

    [Test]
    public async Task Trimming_a_histogram_of_more_than_256_buckets_keeps_the_dense_span_of_the_held_values()
    {
        var values = Set("uniform"); // 1 µs to 10 ms, one bucket a microsecond at first: ~470 buckets
        var slow = Of(Enumerable.Range(0, 50).Select(i => 2_000_000L + i));
        var histogram = Of(values);
        histogram.Merge(slow);
        histogram.Subtract(slow.ToBytes());
        var bytes = histogram.ToBytes();
        var spanBefore = histogram.Capacity;

        histogram.Trim();

        var held = values.Select(LatencyHistogram.IndexOf).ToArray();
        await Assert.That(held.Distinct().Count()).IsGreaterThan(LatencyHistogram.MaxSparseBuckets);
        await Assert.That(histogram.IsSparse).IsFalse();
        await Assert.That(histogram.Capacity).IsEqualTo(held.Max() - held.Min() + 1);
        await Assert.That(histogram.Capacity).IsLessThan(spanBefore);
        await Assert.That(histogram.ToBytes()).IsEquivalentTo(bytes);
    }

    // A bucket holds under 2²² values in the sparse layout; one more makes the histogram dense, and
    // trimming after the values leave makes it sparse again, with the same bytes throughout.
    [Test]
    public async Task A_bucket_count_beyond_the_sparse_limit_goes_dense_and_comes_back()
    {
        var histogram = Of([1_000]);
        byte[] halfway = [];
        for (var doubling = 1; doubling <= 23; doubling++)
        {
            histogram.Merge(histogram);
            if (doubling == 22) halfway = histogram.ToBytes();
        }
        var index = LatencyHistogram.IndexOf(1_000);
        await Assert.That(histogram.Count).IsEqualTo(1L << 23);
        await Assert.That(histogram.IsSparse).IsFalse();
        await Assert.That(histogram.ToBytes()).IsEquivalentTo(Blob(index, 1 << 23));
        await Assert.That(histogram.Quantile(0.5)).IsEqualTo(Of([1_000]).Quantile(0.5));

        histogram.Subtract(halfway);      // 2²² left: still one too many
        histogram.Trim();
        await Assert.That(histogram.IsSparse).IsFalse();
        histogram.Subtract(Of([1_000]).ToBytes());
        histogram.Trim();
        await Assert.That(histogram.IsSparse).IsTrue();
        await Assert.That(histogram.Capacity).IsEqualTo(1);
        await Assert.That(histogram.Count).IsEqualTo((1L << 22) - 1);
        await Assert.That(histogram.ToBytes()).IsEquivalentTo(Blob(index, (1 << 22) - 1));
        histogram.Add(1_000);             // and the next value makes it dense again
        await Assert.That(histogram.IsSparse).IsFalse();
        await Assert.That(histogram.ToBytes()).IsEquivalentTo(Blob(index, 1 << 22));
    }

    static byte[] Blob(int index, int count)
    {
        var bytes = new byte[3 + Varint.Length((ulong)index) + Varint.Length((ulong)count)];
        (bytes[0], bytes[1], bytes[2]) = (1, 0, 1);
        Varint.Write(bytes, Varint.Write(bytes, 3, (ulong)index), (ulong)count);
        return bytes;
    }

    // Random adds, merges (as objects and as bytes), subtractions of merged parts and trims, over a
    // range wide enough to cross 256 buckets both ways: after every step the histogram gives the
    // bytes and quantiles of a fresh histogram of the values it holds, whichever layout it is in.
    [Test]
    public async Task Every_sequence_of_changes_answers_as_a_fresh_histogram_of_what_is_held_in_either_layout()
    {
        var random = new Random(29);
        long Latency() => (long)Math.Exp(random.NextDouble() * Math.Log(LatencyHistogram.MaxMicros * 1.5));
        var histogram = new LatencyHistogram();
        var loose = new List<long>();
        var parts = new List<long[]>();
        var (sparseSteps, denseSteps, backToSparse) = (0, 0, 0);
        string? mismatch = null;
        for (var step = 0; step < 400 && mismatch is null; step++)
        {
            var wasSparse = histogram.IsSparse;
            var change = random.Next(6);
            if (parts.Count > 6 && change is 2 or 3) change = 4; // about 400 held values: either side of 256 buckets
            switch (change)
            {
                case 0 or 1:
                    var value = random.Next(10) == 0 ? 0 : Latency();
                    histogram.Add(value);
                    loose.Add(value);
                    break;
                case 2 or 3:
                    var part = Enumerable.Range(0, random.Next(1, 120)).Select(_ => Latency()).ToArray();
                    if (random.Next(2) == 0) histogram.Merge(Of(part));
                    else histogram.Merge(Of(part).ToBytes());
                    parts.Add(part);
                    break;
                case 4 when parts.Count > 0:
                    var leaving = random.Next(parts.Count);
                    histogram.Subtract(Of(parts[leaving]).ToBytes());
                    parts.RemoveAt(leaving);
                    break;
                default:
                    histogram.Trim();
                    if (!wasSparse && histogram.IsSparse) backToSparse++;
                    break;
            }
            if (histogram.IsSparse) sparseSteps++;
            else denseSteps++;

            var expected = Of(loose.Concat(parts.SelectMany(p => p)));
            if (histogram.Count != expected.Count || !histogram.ToBytes().AsSpan().SequenceEqual(expected.ToBytes()))
                mismatch = $"step {step}: bytes differ";
            else if (Percentiles.Any(q => histogram.Quantile(q) != expected.Quantile(q)))
                mismatch = $"step {step}: quantiles differ";
        }
        Console.WriteLine($"sparse after {sparseSteps} steps, dense after {denseSteps}, back to sparse {backToSparse} times");
        await Assert.That(mismatch).IsNull();
        await Assert.That(sparseSteps).IsGreaterThan(0);
        await Assert.That(denseSteps).IsGreaterThan(0);
        await Assert.That(backToSparse).IsGreaterThan(0);
    }
}
