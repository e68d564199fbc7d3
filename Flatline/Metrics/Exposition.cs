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

    long unflushed;

    public bool OpenMetrics => openMetrics;

    /// <summary>Whether enough has been written that the caller should flush before going on.</summary>
    public bool ShouldFlush => unflushed >= 64 * 1024;

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
    {
        unflushed = 0;
        return output.FlushAsync(cancellationToken);
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
    public void Sample(string name, ReadOnlySpan<string> labels, double value)
    {
        Raw(name);
        if (labels.Length > 0)
        {
            Raw("{");
            for (var i = 0; i + 1 < labels.Length; i += 2)
            {
                if (i > 0) Raw(",");
                Raw(labels[i]);
                Raw("=\"");
                LabelValue(labels[i + 1]);
                Raw("\"");
            }
            Raw("}");
        }
        Raw(" ");
        Number(value);
        Raw("\n");
    }

    public void Sample(string name, double value) => Sample(name, [], value);

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
    }

    void LabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny(Escaped) < 0) Raw(value);
        else Raw(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
    }

    static readonly SearchValues<char> Escaped = SearchValues.Create("\\\"\n");

    void Number(double value)
    {
        if (double.IsNaN(value)) Raw("NaN");
        else if (double.IsPositiveInfinity(value)) Raw("+Inf");
        else if (double.IsNegativeInfinity(value)) Raw("-Inf");
        else
        {
            var span = output.GetSpan(32);
            // Shortest round-trip form: integers print without a fraction, as both formats allow.
            value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
            output.Advance(written);
            unflushed += written;
        }
    }

    void Raw(string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        var written = Encoding.UTF8.GetBytes(text, span);
        output.Advance(written);
        unflushed += written;
    }
}
