namespace Flatline;

/// <summary>Told after something a visitor of a status page would see of maintenance changed: a window
/// was created, changed or deleted, or one of its occurrences started or ended. <paramref name="monitorKeys"/>
/// are the monitors the window covers (before and after a change).</summary>
public interface IMaintenanceListener
{
    void MaintenanceChanged(IReadOnlyCollection<long> monitorKeys);
}

/// <summary>Windows as status pages show them, from the calendar in memory: for each window that covers
/// a monitor of the page, the occurrence in progress or else the next one within a week. Only the page's
/// monitors are named; a window that covers none of them is not there at all.</summary>
public sealed class MaintenanceNotices(MaintenanceCalendar calendar) : IStatusPageMaintenance
{
    public IReadOnlyList<MaintenanceNotice> For(IReadOnlySet<long> monitorKeys, DateTime nowUtc)
    {
        var notices = new List<MaintenanceNotice>();
        foreach (var window in calendar.Windows)
        {
            var w = window.Stored;
            List<string>? shown = null;
            for (var i = 0; i < w.Targets.Length; i++)
                if (monitorKeys.Contains(w.Targets[i])) (shown ??= []).Add(w.TargetIds[i]);
            if (shown is null) continue;
            if (window.Covering(nowUtc) is { } current)
                notices.Add(new MaintenanceNotice(w.Title, w.Description, current.Start, current.End, true, shown));
            else if (Upcoming(w.Schedule, nowUtc) is { } next)
                notices.Add(new MaintenanceNotice(w.Title, w.Description, next.Start, next.End, false, shown));
        }
        notices.Sort((a, b) => a.Active != b.Active ? (a.Active ? -1 : 1)
            : a.Start != b.Start ? a.Start.CompareTo(b.Start) : string.CompareOrdinal(a.Title, b.Title));
        return notices;
    }

    /// <summary>The first occurrence that starts after <paramref name="now"/> and within <see cref="IStatusPageMaintenance.Ahead"/>.</summary>
    static Occurrence? Upcoming(MaintenanceSchedule schedule, DateTime now)
    {
        foreach (var occurrence in schedule.Between(now, now + IStatusPageMaintenance.Ahead))
            if (occurrence.Start > now) return occurrence;
        return null;
    }
}
