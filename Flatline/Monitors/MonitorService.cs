using System.Text.Json;

namespace Flatline;

/// <summary>Told after a monitor was created, changed or deleted and the change committed: the
/// scheduler reschedules it, the stats drop what they had of it.</summary>
public interface IMonitorChangeListener
{
    void MonitorChanged(long key);
}

/// <summary>The outcome of a write: the monitor, or the field errors, or neither (no such monitor).</summary>
public sealed record MonitorWrite(StoredMonitor? Monitor, Dictionary<string, string[]>? Errors)
{
    public static readonly MonitorWrite NotFound = new(null, null);
}

/// <summary>Monitor writes as the API makes them: validate, store, then tell every listener.</summary>
public sealed class MonitorService(MonitorStore monitors, CheckTypes checkTypes, IEnumerable<IMonitorChangeListener> listeners, ILocationPresence? locations = null)
{
    readonly ILocationPresence presence = locations ?? LocalOnly.Instance;

    public MonitorWrite Create(JsonElement body)
    {
        if (MonitorValidator.Validate(body, null, checkTypes, out var errors) is not { } draft) return new(null, errors);
        if (Dependencies.Problems(null, draft.DependsOn ?? [], monitors) is { } problems) return new(null, problems);
        if (LocationRules.Problems(draft, presence) is { } wrongPlaces) return new(null, wrongPlaces);
        return Changed(monitors.Create(draft));
    }

    /// <summary>A PUT (<paramref name="partial"/> false: absent fields take their defaults) or a PATCH.</summary>
    public MonitorWrite Update(string id, JsonElement body, bool partial)
    {
        if (monitors.Get(id) is not { } current) return MonitorWrite.NotFound;
        if (MonitorValidator.Validate(body, partial ? current.Draft : null, checkTypes, out var errors, current.View.Config) is not { } draft) return new(null, errors);
        if (Dependencies.Problems(current.View, draft.DependsOn ?? [], monitors) is { } problems) return new(null, problems);
        if (LocationRules.Problems(draft, presence) is { } wrongPlaces) return new(null, wrongPlaces);
        return monitors.Update(id, draft) is { } updated ? Changed(updated) : MonitorWrite.NotFound;
    }

    public bool Delete(string id)
    {
        if (monitors.Delete(id) is not { } key) return false;
        foreach (var listener in listeners) listener.MonitorChanged(key);
        return true;
    }

    MonitorWrite Changed(StoredMonitor monitor)
    {
        foreach (var listener in listeners) listener.MonitorChanged(monitor.Key);
        return new(monitor, null);
    }
}
