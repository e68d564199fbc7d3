namespace Flatline;

/// <summary>Every window in memory, with its targets resolved, so that the writer can ask per result
/// whether a monitor is in maintenance without touching the database. Reloaded after a window or a
/// monitor (its tags) changes.</summary>
public sealed class MaintenanceCalendar(MaintenanceStore store, TimeProvider time) : IQuietTime, IMonitorChangeListener
{
    static readonly TimeSpan Memo = TimeSpan.FromDays(1);

    /// <summary>A window and the occurrences around the last time asked about.</summary>
    public sealed class Window(StoredWindow stored)
    {
        readonly Lock gate = new();
        DateTime memoFrom = DateTime.MaxValue, memoTo = DateTime.MinValue;
        List<Occurrence> memo = [];

        public StoredWindow Stored { get; } = stored;

        /// <summary>The occurrence that covers <paramref name="at"/>, if any.</summary>
        public Occurrence? Covering(DateTime at)
        {
            lock (gate)
            {
                if (at < memoFrom || at >= memoTo)
                {
                    memo = [.. Stored.Schedule.Between(at - Stored.Schedule.Length, at + Memo)];
                    (memoFrom, memoTo) = (at, at + Memo);
                }
                foreach (var occurrence in memo)
                    if (occurrence.Start <= at && at < occurrence.End) return occurrence;
                return null;
            }
        }

        /// <summary>The next <paramref name="count"/> occurrences that end after <paramref name="now"/>.</summary>
        public List<Occurrence> Next(DateTime now, int count)
        {
            var found = new List<Occurrence>(count);
            var from = now - Stored.Schedule.Length;
            for (var chunk = 0; chunk < 30 && found.Count < count; chunk++, from = from.AddDays(62))
                foreach (var occurrence in Stored.Schedule.Between(from, from.AddDays(62)))
                    if (occurrence.End > now && found.Count < count) found.Add(occurrence);
            return found;
        }
    }

    sealed record Snapshot(List<Window> Windows, Dictionary<long, Window[]> ByMonitor);

    readonly Lock reloading = new();
    volatile Snapshot? snapshot;

    public QuietKind Kind => QuietKind.Maintenance;

    public IReadOnlyList<Window> Windows => Current.Windows;

    Snapshot Current => snapshot ?? Reload();

    /// <summary>Reads every window afresh, after a window was written.</summary>
    public void Refresh()
    {
        Reload();
        Signal();
    }

    // Released when the windows may have changed; holds one release, so a change between a look and the wait is not lost.
    readonly SemaphoreSlim changed = new(0, 1);

    void Signal()
    {
        if (changed.CurrentCount > 0) return;
        try
        {
            changed.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Completes at the next change of the windows (or at once, when one came since the last wait).</summary>
    public Task WaitForChangeAsync(CancellationToken stop) => changed.WaitAsync(stop);

    Snapshot Reload()
    {
        lock (reloading)
        {
            var windows = store.All().ConvertAll(w => new Window(w));
            var byMonitor = new Dictionary<long, List<Window>>();
            foreach (var window in windows)
                foreach (var key in window.Stored.Targets)
                {
                    if (!byMonitor.TryGetValue(key, out var list)) byMonitor[key] = list = [];
                    list.Add(window);
                }
            var next = new Snapshot(windows, byMonitor.ToDictionary(p => p.Key, p => p.Value.ToArray()));
            snapshot = next;
            return next;
        }
    }

    /// <summary>Tags (and so targets) may have changed. The windows themselves have not: the clock needs no wake.</summary>
    public void MonitorChanged(long key) => snapshot = null;

    public Window? Find(string id) => Current.Windows.Find(w => w.Stored.Id == id);

    public bool IsQuiet(long monitorKey, long at) => ActiveFor(monitorKey, at) is not null;

    /// <summary>The first window that covers the monitor at <paramref name="at"/>, if any.</summary>
    public Window? ActiveFor(long monitorKey, long at)
    {
        if (!Current.ByMonitor.TryGetValue(monitorKey, out var windows)) return null;
        var when = Timestamps.FromMs(at);
        foreach (var window in windows)
            if (window.Covering(when) is not null) return window;
        return null;
    }

    public void AddSpans(long monitorKey, long from, long to, List<QuietSpan> spans)
    {
        if (!Current.ByMonitor.TryGetValue(monitorKey, out var windows)) return;
        var start = Timestamps.FromMs(from);
        var end = Timestamps.FromMs(to);
        foreach (var window in windows)
            foreach (var occurrence in window.Stored.Schedule.Between(start - window.Stored.Schedule.Length, end))
            {
                var a = Math.Max(from, Ms(occurrence.Start));
                var b = Math.Min(to, Ms(occurrence.End));
                if (b > a) spans.Add(new QuietSpan(a, b, QuietKind.Maintenance));
            }
    }

    public MaintenanceView View(Window window)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var w = window.Stored;
        return new MaintenanceView(w.Id, w.Title, w.Description, w.Monitors, w.Tags, w.NotifyChannels, w.Schedule,
            window.Covering(now) is not null, window.Next(now, 5), [.. w.TargetIds], Timestamps.FromMs(w.CreatedAt), Timestamps.FromMs(w.UpdatedAt));
    }

    public static long Ms(DateTime utc) => (long)(utc - DateTime.UnixEpoch).TotalMilliseconds;
}
