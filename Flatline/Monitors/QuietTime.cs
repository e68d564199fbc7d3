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
        // The sources write into one list per thread: almost always they add nothing, and the stats ask this
        // for every monitor on every scrape of /metrics, so a list of its own each time was most of a scrape's garbage.
        var spans = scratch ??= [];
        spans.Clear();
        foreach (var source in sources) source.AddSpans(monitorKey, from, to, spans);
        if (spans.Count == 0) return null;
        spans.Sort((a, b) => a.From != b.From ? a.From.CompareTo(b.From) : a.Kind.CompareTo(b.Kind));
        var merged = new List<QuietSpan>(spans.Count);
        foreach (var span in spans)
        {
            var from2 = merged.Count > 0 ? Math.Max(span.From, merged[^1].To) : span.From;
            if (span.To > from2) merged.Add(span with { From = from2 });
        }
        spans.Clear();
        return merged;
    }

    [ThreadStatic] static List<QuietSpan>? scratch;

    /// <summary>[from, to) cut into pieces: each quiet span with its kind, and the time between them with null.
    /// A struct to <c>foreach</c> over, as the writer and the stats do for every check and monitor.</summary>
    public static QuietPieces Pieces(long from, long to, IReadOnlyList<QuietSpan>? quiet) => new(from, to, quiet);

    public static bool IsQuiet(IQuietTime[] sources, long monitorKey, long at)
    {
        foreach (var source in sources)
            if (source.IsQuiet(monitorKey, at)) return true;
        return false;
    }
}

/// <summary>The pieces of <see cref="QuietTime.Pieces"/>, enumerated without an allocation.</summary>
public readonly struct QuietPieces(long from, long to, IReadOnlyList<QuietSpan>? quiet)
{
    public Enumerator GetEnumerator() => new(from, to, quiet);

    public struct Enumerator(long from, long to, IReadOnlyList<QuietSpan>? quiet)
    {
        long at = from;
        int next;           // the next quiet span to look at
        long pendingEnd;    // a quiet span found after a gap: returned after the gap
        QuietKind pendingKind;
        bool pending;

        public (long From, long To, QuietKind? Kind) Current { get; private set; }

        public bool MoveNext()
        {
            if (pending)
            {
                pending = false;
                Current = (at, pendingEnd, pendingKind);
                at = pendingEnd;
                return true;
            }
            while (quiet is not null && next < quiet.Count)
            {
                var span = quiet[next++];
                var start = Math.Max(span.From, at);
                var end = Math.Min(span.To, to);
                if (end <= start) continue;
                if (start > at)
                {
                    Current = (at, start, null);
                    (at, pendingEnd, pendingKind, pending) = (start, end, span.Kind, true);
                    return true;
                }
                Current = (start, end, span.Kind);
                at = end;
                return true;
            }
            if (to > at)
            {
                Current = (at, to, null);
                at = to;
                return true;
            }
            return false;
        }
    }
}
