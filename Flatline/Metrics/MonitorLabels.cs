namespace Flatline;

/// <summary>Each monitor's labels for <c>/metrics</c>, encoded and escaped once: <c>monitor_id</c> and
/// <c>monitor</c> (its name) on every series, and <c>type</c> on <c>flatline_monitor_info</c>. A scrape
/// of ten thousand monitors writes over a hundred thousand samples, each with these.</summary>
public sealed class MonitorLabels
{
    public sealed record Set(string Name, long Revision, byte[] Monitor, byte[] Type);

    readonly Lock gate = new();
    readonly Dictionary<long, Set> sets = [];

    /// <summary>The labels of a monitor as it is now; <paramref name="type"/> is asked only when its
    /// name or revision changed since the last scrape.</summary>
    public Set Get(long key, string id, string name, long revision, Func<string> type)
    {
        lock (gate)
        {
            if (sets.TryGetValue(key, out var set) && set.Name == name && set.Revision == revision) return set;
        }
        var made = new Set(name, revision, Exposition.Labels(["monitor_id", id, "monitor", name]), Exposition.Labels(["type", type()]));
        lock (gate) sets[key] = made;
        return made;
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
