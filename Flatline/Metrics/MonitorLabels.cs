namespace Flatline;

/// <summary>Each monitor's labels for <c>/metrics</c>, encoded and escaped once: <c>monitor_id</c> and
/// <c>monitor</c> (its name) on every series, and <c>type</c> on <c>flatline_monitor_info</c>. A scrape
/// of ten thousand monitors writes over a hundred thousand samples, each with these.</summary>
public sealed class MonitorLabels : IMonitorChangeListener
{
    public sealed record Set(long UpdatedAt, byte[] Monitor, byte[] Type);

    readonly Lock gate = new();
    readonly Dictionary<long, Set> sets = [];

    /// <summary>The labels of a monitor as it is now; <paramref name="read"/> (its id, name and type) is
    /// asked only when the monitor was changed (<paramref name="updatedAt"/>) since the last scrape.</summary>
    public Set Get(long key, long updatedAt, Func<(string Id, string Name, string Type)> read)
    {
        lock (gate)
        {
            if (sets.TryGetValue(key, out var set) && set.UpdatedAt == updatedAt) return set;
        }
        var (id, name, type) = read();
        var made = new Set(updatedAt, Exposition.Labels(["monitor_id", id, "monitor", name]), Exposition.Labels(["type", type]));
        lock (gate) sets[key] = made;
        return made;
    }

    /// <summary>A change within the same millisecond as the one before would keep updated_at: dropped here too.</summary>
    public void MonitorChanged(long key)
    {
        lock (gate) sets.Remove(key);
    }

    /// <summary>Forgets monitors that no longer exist.</summary>
    public void Retain(HashSet<long> keys)
    {
        lock (gate)
        {
            if (sets.Count <= keys.Count) return;
            foreach (var key in sets.Keys.Where(k => !keys.Contains(k)).ToList()) sets.Remove(key);
        }
    }
}
