using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace Flatline;

public enum MetricType { Gauge, Counter, Histogram, Info }

/// <summary>Writes the Prometheus text format (0.0.4) or OpenMetrics 1.0 straight into the response
/// as UTF-8, with no intermediate strings: a scrape of ten thousand monitors is a few megabytes.</summary>
/// <remarks>The two formats differ only in a few places, all handled here: OpenMetrics names a
/// counter's family without <c>_total</c> and an info family without <c>_info</c>, declares units,
/// and ends with <c># EOF</c>. Label values escape backslash, double quote and line feed; help
/// texts escape backslash and line feed.</remarks>
public sealed class Exposition(PipeWriter output, bool openMetrics)
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    // Samples are copied into one span of the pipe at a time and handed over when it is full: a scrape of
    // ten thousand monitors is over a hundred thousand samples, and a GetSpan/Advance per piece cost more
    // than the copying.
    Memory<byte> block;
    int used;
    long unflushed;

    public bool OpenMetrics => openMetrics;

    /// <summary>Whether enough has been written that the caller should flush before going on: every 256 KB, as each
    /// flush waits for the socket to take it (at 64 KB a scrape of ten thousand monitors waited some 200 times).</summary>
    public bool ShouldFlush => unflushed + used >= 256 * 1024;

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
    {
        Commit();
        unflushed = 0;
        return output.FlushAsync(cancellationToken);
    }

    /// <summary>Writes one family's samples for each of <paramref name="rows"/> (with its index), flushing as
    /// <see cref="ShouldFlush"/> says: the per-monitor families of a large scrape do not fit in memory at once.</summary>
    public async ValueTask EachAsync<T>(IReadOnlyList<T> rows, Action<T, int> write, CancellationToken cancellationToken)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            write(rows[i], i);
            if (ShouldFlush) await FlushAsync(cancellationToken);
        }
    }

    /// <summary>The HELP/TYPE (and, for OpenMetrics, UNIT) lines of a family. <paramref name="name"/>
    /// is the sample name as Prometheus shows it (<c>…_total</c> for a counter, <c>…_info</c> for info).</summary>
    public void Family(string name, MetricType type, string help, string? unit = null)
    {
        var family = name;
        if (openMetrics && type == MetricType.Counter && name.EndsWith("_total", StringComparison.Ordinal)) family = name[..^6];
        if (openMetrics && type == MetricType.Info && name.EndsWith("_info", StringComparison.Ordinal)) family = name[..^5];
        Raw("# HELP "); Raw(family); Raw(" ");
        Raw(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
        Raw("\n# TYPE "); Raw(family); Raw(" ");
        Raw(type switch
        {
            MetricType.Counter => "counter",
            MetricType.Histogram => "histogram",
            MetricType.Info => openMetrics ? "info" : "gauge",
            _ => "gauge",
        });
        Raw("\n");
        if (openMetrics && unit is not null)
        {
            Raw("# UNIT "); Raw(family); Raw(" "); Raw(unit); Raw("\n");
        }
    }

    /// <summary>One sample: <c>name{labels} value</c>. Labels come as name/value pairs.</summary>
    public void Sample(string name, ReadOnlySpan<string> labels, double value) =>
        Sample(Encoding.UTF8.GetBytes(name), labels.Length > 0 ? Labels(labels) : [], [], value);

    public void Sample(string name, double value) => Sample(name, [], value);

    /// <summary>One sample from pre-encoded parts, for the families written once per monitor:
    /// <paramref name="labels"/> and <paramref name="more"/> are label pairs as <see cref="Labels"/>
    /// makes them (<paramref name="more"/> after a comma when both are there).</summary>
    public void Sample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> more, double value)
    {
        var span = Reserve(name.Length + labels.Length + more.Length + 40);
        var at = Prefix(span, name, labels, more);
        at += Number(span[at..], value);
        span[at++] = (byte)'\n';
        used += at;
    }

    /// <summary>One sample whose value is <paramref name="units"/> / <paramref name="perOne"/> (a power of ten:
    /// milliseconds or microseconds as seconds), written exactly in decimal without going through a double:
    /// the timestamps and response times of every monitor are a third of a scrape's values.</summary>
    public void Sample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> more, long units, long perOne)
    {
        var span = Reserve(name.Length + labels.Length + more.Length + 48);
        var at = Prefix(span, name, labels, more);
        if (units < 0)
        {
            span[at++] = (byte)'-';
            units = -units;
        }
        var whole = Math.DivRem(units, perOne, out var fraction);
        whole.TryFormat(span[at..], out var written, default, CultureInfo.InvariantCulture);
        at += written;
        if (fraction > 0)
        {
            span[at++] = (byte)'.';
            for (var unit = perOne / 10; unit > 0 && fraction > 0; unit /= 10)
            {
                var digit = Math.DivRem(fraction, unit, out fraction);
                span[at++] = (byte)('0' + digit);
            }
        }
        span[at++] = (byte)'\n';
        used += at;
    }

    // name{labels,more} and the space before the value.
    static int Prefix(Span<byte> span, ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> more)
    {
        var at = 0;
        name.CopyTo(span); at += name.Length;
        if (labels.Length + more.Length > 0)
        {
            span[at++] = (byte)'{';
            labels.CopyTo(span[at..]); at += labels.Length;
            if (labels.Length > 0 && more.Length > 0) span[at++] = (byte)',';
            more.CopyTo(span[at..]); at += more.Length;
            span[at++] = (byte)'}';
        }
        span[at++] = (byte)' ';
        return at;
    }

    /// <summary>Label pairs (name, value, name, value…) as they go between the braces, UTF-8 and escaped:
    /// <c>a="1",b="x\"y"</c>.</summary>
    public static byte[] Labels(ReadOnlySpan<string> pairs)
    {
        var text = new StringBuilder();
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            if (i > 0) text.Append(',');
            text.Append(pairs[i]).Append("=\"");
            var value = pairs[i + 1];
            if (value.AsSpan().IndexOfAny(Escaped) < 0) text.Append(value);
            else text.Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
            text.Append('"');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A histogram's buckets, sum and count under the family <paramref name="name"/>.</summary>
    public void Histogram(string name, double[] bounds, long[] cumulative, double sum)
    {
        for (var i = 0; i < bounds.Length; i++)
            Sample(name + "_bucket", ["le", bounds[i].ToString("0.0##", CultureInfo.InvariantCulture)], cumulative[i]);
        Sample(name + "_bucket", ["le", "+Inf"], cumulative[^1]);
        Sample(name + "_sum", sum);
        Sample(name + "_count", cumulative[^1]);
    }

    public void End()
    {
        if (openMetrics) Raw("# EOF\n");
        Commit();
    }

    static readonly SearchValues<char> Escaped = SearchValues.Create("\\\"\n");

    static int Number(Span<byte> span, double value)
    {
        if (double.IsNaN(value)) return Copy(span, "NaN"u8);
        if (double.IsPositiveInfinity(value)) return Copy(span, "+Inf"u8);
        if (double.IsNegativeInfinity(value)) return Copy(span, "-Inf"u8);
        int written;
        // Counts and timestamps are whole numbers: printed as integers (both formats allow it), which
        // is also cheaper than the shortest round-trip form of a double.
        if (Math.Abs(value) < 9e15 && value == Math.Floor(value)) ((long)value).TryFormat(span, out written, default, CultureInfo.InvariantCulture);
        else value.TryFormat(span, out written, default, CultureInfo.InvariantCulture);
        return written;
    }

    static int Copy(Span<byte> span, ReadOnlySpan<byte> text)
    {
        text.CopyTo(span);
        return text.Length;
    }

    void Raw(string text)
    {
        var span = Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
        used += Encoding.UTF8.GetBytes(text, span);
    }

    // At least size bytes of the current block, a new block when this one has not that much left.
    Span<byte> Reserve(int size)
    {
        if (block.Length - used < size)
        {
            Commit();
            block = output.GetMemory(Math.Max(size, 16 * 1024));
        }
        return block.Span[used..];
    }

    void Commit()
    {
        if (used == 0) return;
        output.Advance(used);
        unflushed += used;
        used = 0;
        block = default;
    }
}
