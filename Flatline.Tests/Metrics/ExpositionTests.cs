using System.IO.Pipelines;
using System.Text;

namespace Flatline.Tests.Metrics;

/// <summary>The exposition writer's escaping and the two formats' differences.</summary>
public class ExpositionTests
{
    static async Task<string> Write(bool openMetrics, Action<Exposition> write)
    {
        var pipe = new Pipe();
        var exposition = new Exposition(pipe.Writer, openMetrics);
        write(exposition);
        exposition.End();
        await exposition.FlushAsync(CancellationToken.None);
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAtLeastAsync(int.MaxValue);
        return Encoding.UTF8.GetString(result.Buffer);
    }

    [Test]
    public async Task Label_values_escape_backslash_quote_and_line_feed_and_keep_other_text_as_utf8()
    {
        var text = await Write(false, e =>
        {
            e.Family("x_up", MetricType.Gauge, "Help with a \\ and a\nline");
            e.Sample("x_up", ["monitor", "a\\b \"c\"\nd — ☃ 😀"], 1);
        });
        await Assert.That(text).IsEqualTo("# HELP x_up Help with a \\\\ and a\\nline\n# TYPE x_up gauge\nx_up{monitor=\"a\\\\b \\\"c\\\"\\nd — ☃ 😀\"} 1\n");
    }

    [Test]
    public async Task Numbers_print_in_their_shortest_form_with_prometheus_spellings_of_infinity_and_nan()
    {
        var text = await Write(false, e =>
        {
            e.Sample("a", 0.000123);
            e.Sample("b", 1234567890123);
            e.Sample("c", double.PositiveInfinity);
            e.Sample("d", double.NegativeInfinity);
            e.Sample("e", double.NaN);
        });
        await Assert.That(text).IsEqualTo("a 0.000123\nb 1234567890123\nc +Inf\nd -Inf\ne NaN\n");
    }

    [Test]
    public async Task Milliseconds_and_microseconds_print_as_exact_decimal_seconds()
    {
        var labels = Exposition.Labels(["monitor", "m"]);
        (long Units, long PerOne)[] values = [(1764800000123, 1000), (1764800000000, 1000), (1764800000100, 1000), (12345, 1_000_000),
            (1, 1_000_000), (2_500_000, 1_000_000), (0, 1000), (-1500, 1000), (999, 1000)];
        var text = await Write(false, e =>
        {
            foreach (var (units, perOne) in values) e.Sample("t"u8, labels, [], units, perOne);
        });
        await Assert.That(text).IsEqualTo("t{monitor=\"m\"} 1764800000.123\nt{monitor=\"m\"} 1764800000\nt{monitor=\"m\"} 1764800000.1\n" +
            "t{monitor=\"m\"} 0.012345\nt{monitor=\"m\"} 0.000001\nt{monitor=\"m\"} 2.5\nt{monitor=\"m\"} 0\nt{monitor=\"m\"} -1.5\nt{monitor=\"m\"} 0.999\n");
        // Each reads back (as Prometheus parses it) as the value the division gives.
        var printed = text.TrimEnd('\n').Split('\n').Select(line => double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
        await Assert.That(printed).IsEquivalentTo(values.Select(v => v.Units / (double)v.PerOne), TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task OpenMetrics_names_counter_and_info_families_without_their_suffix_declares_units_and_ends_with_eof()
    {
        void Families(Exposition e)
        {
            e.Family("x_checks_total", MetricType.Counter, "Checks");
            e.Sample("x_checks_total", 3);
            e.Family("x_build_info", MetricType.Info, "Build");
            e.Sample("x_build_info", ["version", "1"], 1);
            e.Family("x_lag_seconds", MetricType.Histogram, "Lag", "seconds");
            e.Histogram("x_lag_seconds", [0.5, 1], [1, 2, 3], 2.5);
        }
        var openMetrics = await Write(true, Families);
        await Assert.That(openMetrics).IsEqualTo("""
            # HELP x_checks Checks
            # TYPE x_checks counter
            x_checks_total 3
            # HELP x_build Build
            # TYPE x_build info
            x_build_info{version="1"} 1
            # HELP x_lag_seconds Lag
            # TYPE x_lag_seconds histogram
            # UNIT x_lag_seconds seconds
            x_lag_seconds_bucket{le="0.5"} 1
            x_lag_seconds_bucket{le="1.0"} 2
            x_lag_seconds_bucket{le="+Inf"} 3
            x_lag_seconds_sum 2.5
            x_lag_seconds_count 3
            # EOF

            """.ReplaceLineEndings("\n"));
        var text = await Write(false, Families);
        await Assert.That(text).StartsWith("# HELP x_checks_total Checks\n# TYPE x_checks_total counter\nx_checks_total 3\n# HELP x_build_info Build\n# TYPE x_build_info gauge\n");
        await Assert.That(text).DoesNotContain("# UNIT");
        await Assert.That(text).DoesNotContain("# EOF");
    }

    [Test]
    public async Task A_histogram_counts_each_observation_in_its_bucket_and_sums_them()
    {
        var histogram = new EngineMetrics.Histogram();
        histogram.Observe(0.0005);
        histogram.Observe(0.001);
        histogram.Observe(0.3);
        histogram.Observe(60);
        var (cumulative, sum) = histogram.Read();
        await Assert.That(cumulative.Length).IsEqualTo(EngineMetrics.Buckets.Length + 1);
        await Assert.That(cumulative[0]).IsEqualTo(2);                       // le=0.001 holds 0.0005 and 0.001
        await Assert.That(cumulative[Array.IndexOf(EngineMetrics.Buckets, 0.25)]).IsEqualTo(2);
        await Assert.That(cumulative[Array.IndexOf(EngineMetrics.Buckets, 0.5)]).IsEqualTo(3);
        await Assert.That(cumulative[^2]).IsEqualTo(3);                      // le=10 does not hold 60
        await Assert.That(cumulative[^1]).IsEqualTo(4);
        await Assert.That(sum).IsEqualTo(60.3015);
    }
}
