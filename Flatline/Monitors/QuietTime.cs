namespace Flatline;

/// <summary>Time that counts neither as up nor as down, and in which no incident opens.</summary>
public enum QuietKind
{
    /// <summary>A maintenance window covered the monitor.</summary>
    Maintenance = 1,
    /// <summary>Flatline itself had lost its network (every connectivity canary failed).</summary>
    Offline = 2,
}

public readonly record struct QuietSpan(long From, long To, QuietKind Kind);

/// <summary>Where quiet time comes from (maintenance windows, the connectivity guard). The engine
/// asks it before opening an incident and when it adds a span to the rollups; the stats ask it for
/// the time since the last check. Implementations answer from memory: the writer calls them per result.</summary>
public interface IQuietTime
{
    QuietKind Kind { get; }

    /// <summary>Whether the monitor is in quiet time at <paramref name="at"/>.</summary>
    bool IsQuiet(long monitorKey, long at);

    /// <summary>Adds the monitor's quiet time within [from, to), clipped to it, to <paramref name="spans"/>.</summary>
    void AddSpans(long monitorKey, long from, long to, List<QuietSpan> spans);
}

/// <summary>Splits enabled time into its up or down part and its quiet parts, for the rollups and the stats.</summary>
public static class QuietTime
{
    /// <summary>The quiet spans of every source in [from, to), sorted and without overlaps
    /// (a moment in two sources counts once); null when there are none.</summary>
    public static List<QuietSpan>? Spans(IQuietTime[] sources, long monitorKey, long from, long to)
    {
        if (sources.Length == 0 || to <= from) return null;
        List<QuietSpan>? spans = null;
        foreach (var source in sources)
        {
            spans ??= [];
            source.AddSpans(monitorKey, from, to, spans);
        }
        if (spans is null || spans.Count == 0) return null;
        spans.Sort((a, b) => a.From != b.From ? a.From.CompareTo(b.From) : a.Kind.CompareTo(b.Kind));
        var merged = new List<QuietSpan>(spans.Count);
        foreach (var span in spans)
        {
            var from2 = merged.Count > 0 ? Math.Max(span.From, merged[^1].To) : span.From;
            if (span.To > from2) merged.Add(span with { From = from2 });
        }
        return merged;
    }

    /// <summary>[from, to) cut into pieces: each quiet span with its kind, and the time between them with null.</summary>
    public static IEnumerable<(long From, long To, QuietKind? Kind)> Pieces(long from, long to, IReadOnlyList<QuietSpan>? quiet)
    {
        var at = from;
        if (quiet is not null)
            foreach (var span in quiet)
            {
                var start = Math.Max(span.From, at);
                var end = Math.Min(span.To, to);
                if (end <= start) continue;
                if (start > at) yield return (at, start, null);
                yield return (start, end, span.Kind);
                at = end;
            }
        if (to > at) yield return (at, to, null);
    }

    public static bool IsQuiet(IQuietTime[] sources, long monitorKey, long at)
    {
        foreach (var source in sources)
            if (source.IsQuiet(monitorKey, at)) return true;
        return false;
    }
}
