namespace Flatline;

/// <summary>Each monitor's labels for <c>/metrics</c>, encoded and escaped once: <c>monitor_id</c> and
/// <c>monitor</c> (its name) on every series, and <c>type</c> on <c>flatline_monitor_info</c>. A scrape
/// of ten thousand monitors writes over a hundred thousand samples, each with these.</summary>
public sealed class MonitorLabels : IMonitorChangeListener
{
    public sealed record Set(long UpdatedAt, byte[] Monitor, byte[] Type);

    readonly Lock gate = new();
    readonly Dictionary<long, Set> sets = [];

    /// <summary>The labels of a monitor as they were made last, when the monitor was not changed
    /// (<paramref name="updatedAt"/>) since.</summary>
    public bool TryGet(long key, long updatedAt, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Set? set)
    {
        lock (gate) return sets.TryGetValue(key, out set) && set.UpdatedAt == updatedAt;
    }

    /// <summary>Encodes and keeps the labels of a monitor as it is at <paramref name="updatedAt"/>.</summary>
    public Set Put(long key, long updatedAt, string id, string name, string type)
    {
        var made = new Set(updatedAt, Exposition.Labels(["monitor_id", id, "monitor", name]), Exposition.Labels(["type", type]));
        lock (gate) sets[key] = made;
        return made;
    }

    /// <summary>A change within the same millisecond as the one before would keep updated_at: dropped here too.</summary>
    public void MonitorChanged(long key)
    {
        lock (gate) sets.Remove(key);
    }

    /// <summary>Forgets monitors that no longer exist (<paramref name="sortedKeys"/> are those that do, in order).</summary>
    public void Retain(ReadOnlySpan<long> sortedKeys)
    {
        lock (gate) EngineMetrics.RemoveOthers(sets, sortedKeys);
    }
}
