using System.Diagnostics;

namespace Flatline;

/// <summary>The engine's own figures for <c>/metrics</c>, kept as counters the engine bumps as it
/// goes: checks by monitor (and location) and result since start, the schedule's lag and the writer's batch time
/// as fixed-bucket histograms. A scrape reads them; nothing here touches the database.</summary>
public sealed class EngineMetrics : ICommitListener
{
    /// <summary>Bucket bounds in seconds, the same for both histograms: from a millisecond to ten seconds.</summary>
    public static readonly double[] Buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>When the engine was built, at start-up: the process's start for <c>process_start_time_seconds</c>.</summary>
    public readonly DateTimeOffset StartedAt = DateTimeOffset.UtcNow;

    public readonly Histogram ScheduleLag = new();
    public readonly Histogram WriterBatch = new();

    readonly Lock gate = new();
    readonly Dictionary<long, MonitorCounters> monitors = [];
    long checks, failures;

    public sealed class MonitorCounters
    {
        public long Checks, Failures;
        /// <summary>The last stored check's response time; null when it got no answer. Known only
        /// once a check was stored since start, or <see cref="Seed"/> said it.</summary>
        public long? LastLatencyUs;
        public bool LatencyKnown;
        /// <summary>The same per location, for a monitor checked from more than the main node alone.</summary>
        public Dictionary<string, MonitorCounters>? Locations;

        public (long Checks, long Failures, bool LatencyKnown, long? LastLatencyUs) Snapshot => (Checks, Failures, LatencyKnown, LastLatencyUs);

        public void Count(ProbeOutcome outcome)
        {
            Checks++;
            LastLatencyUs = outcome.LatencyUs;
            LatencyKnown = true;
            if (!outcome.Ok) Failures++;
        }
    }

    public long Checks => Interlocked.Read(ref checks);
    public long Failures => Interlocked.Read(ref failures);

    public void OnCommitted(CommittedBatch batch)
    {
        long failed = 0;
        lock (gate)
        {
            foreach (var check in batch.Checks)
            {
                var counters = Counters(check.MonitorKey, null);
                counters.Count(check.Outcome);
                if (check.ByLocation) Counters(check.MonitorKey, check.Location).Count(check.Outcome);
                if (!check.Outcome.Ok) failed++;
            }
        }
        Interlocked.Add(ref checks, batch.Checks.Count);
        Interlocked.Add(ref failures, failed);
    }

    // Under the gate: a monitor's counters, or one of its locations'.
    MonitorCounters Counters(long key, string? location)
    {
        if (!monitors.TryGetValue(key, out var counters)) monitors[key] = counters = new MonitorCounters();
        if (location is null) return counters;
        counters.Locations ??= new(StringComparer.Ordinal);
        if (!counters.Locations.TryGetValue(location, out var at)) counters.Locations[location] = at = new MonitorCounters();
        return at;
    }

    /// <summary>The counters of one monitor (or of one of its locations), (0, 0) when it has not been
    /// checked since start, and its last response time when known.</summary>
    public (long Checks, long Failures, bool LatencyKnown, long? LastLatencyUs) Of(long key, string? location = null)
    {
        lock (gate)
        {
            if (!monitors.TryGetValue(key, out var c)) return (0, 0, false, null);
            if (location is not null && (c.Locations is null || !c.Locations.TryGetValue(location, out c))) return (0, 0, false, null);
            return c.Snapshot;
        }
    }

    /// <summary>The last response time of a monitor (or of one of its locations) not checked since start,
    /// as the database has it (a check stored meanwhile wins); the counters as <see cref="Of"/> then gives them.</summary>
    public (long Checks, long Failures, bool LatencyKnown, long? LastLatencyUs) Seed(long key, long? lastLatencyUs, string? location = null)
    {
        lock (gate)
        {
            var c = Counters(key, location);
            if (!c.LatencyKnown)
            {
                c.LastLatencyUs = lastLatencyUs;
                c.LatencyKnown = true;
            }
            return c.Snapshot;
        }
    }

    /// <summary>Drops the counters of monitors that no longer exist (<paramref name="sortedKeys"/> are those that do, in order).</summary>
    public void Retain(ReadOnlySpan<long> sortedKeys)
    {
        lock (gate) RemoveOthers(monitors, sortedKeys);
    }

    /// <summary>Removes from <paramref name="map"/> every key not in <paramref name="sortedKeys"/>. Looked for only
    /// when the map holds more keys than there are monitors: a deleted monitor's entry stays until then (a
    /// monitor not yet counted has no entry), which costs a little memory and saves a search on every scrape.</summary>
    internal static void RemoveOthers<T>(Dictionary<long, T> map, ReadOnlySpan<long> sortedKeys)
    {
        if (map.Count <= sortedKeys.Length) return;
        List<long>? gone = null;
        foreach (var key in map.Keys)
            if (sortedKeys.BinarySearch(key) < 0) (gone ??= []).Add(key);
        if (gone is not null) foreach (var key in gone) map.Remove(key);
    }

    /// <summary>A Prometheus histogram with the fixed <see cref="Buckets"/>, updated without a lock.</summary>
    public sealed class Histogram
    {
        readonly long[] counts = new long[Buckets.Length + 1];
        long sumMicros;

        public void Observe(double seconds)
        {
            var i = 0;
            while (i < Buckets.Length && seconds > Buckets[i]) i++;
            Interlocked.Increment(ref counts[i]);
            Interlocked.Add(ref sumMicros, (long)Math.Round(seconds * 1e6));
        }

        public void ObserveSince(long startTimestamp) => Observe(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);

        /// <summary>Cumulative counts per bucket (the last is +Inf, the total count), and the sum in seconds.</summary>
        public (long[] Cumulative, double Sum) Read()
        {
            var cumulative = new long[counts.Length];
            long running = 0;
            for (var i = 0; i < counts.Length; i++) cumulative[i] = running += Interlocked.Read(ref counts[i]);
            return (cumulative, Interlocked.Read(ref sumMicros) / 1e6);
        }
    }
}
