namespace Flatline;

/// <summary>The agent's monitors, as it last pulled them: the scheduler's source on an agent. Each monitor id
/// gets a key of this process's own, kept after the monitor is gone so that a result of its last check still
/// finds its id.</summary>
public sealed class AgentSchedule : IScheduleSource
{
    readonly Lock gate = new();
    readonly Dictionary<string, long> keys = new(StringComparer.Ordinal);
    readonly Dictionary<long, string> ids = [];
    Dictionary<long, StoredMonitor> current = [];

    public int Count
    {
        get { lock (gate) return current.Count; }
    }

    public IEnumerable<StoredMonitor> LoadAll()
    {
        lock (gate) return [.. current.Values];
    }

    public StoredMonitor? Get(long key)
    {
        lock (gate) return current.GetValueOrDefault(key);
    }

    public string? IdOf(long key)
    {
        lock (gate) return ids.GetValueOrDefault(key);
    }

    /// <summary>Takes the pulled list; the keys of the monitors that came, went or changed.</summary>
    public List<long> Update(IEnumerable<AgentMonitor> monitors)
    {
        var fresh = new Dictionary<long, StoredMonitor>();
        var changed = new List<long>();
        lock (gate)
        {
            foreach (var m in monitors)
            {
                if (!keys.TryGetValue(m.Id, out var key))
                {
                    key = keys.Count + 1;
                    keys[m.Id] = key;
                    ids[key] = m.Id;
                }
                var view = new MonitorView(m.Id, m.Name, m.Config, m.Interval, m.Timeout, 0, true, DateTime.UnixEpoch, DateTime.UnixEpoch,
                    MonitorStatus.Unknown, null, null);
                fresh[key] = new StoredMonitor(key, m.Revision, view);
                if (!current.TryGetValue(key, out var before) || before.Revision != m.Revision || before.View.Interval != m.Interval) changed.Add(key);
            }
            foreach (var key in current.Keys)
                if (!fresh.ContainsKey(key)) changed.Add(key);
            current = fresh;
        }
        return changed;
    }
}
