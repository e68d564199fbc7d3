namespace Flatline;

/// <summary>Watches windows start and end, once a second while there are any: sends the optional start and end notices,
/// tells the live stream and the <see cref="IMaintenanceListener"/>s (status pages), and at an end has
/// the scheduler check the window's failing monitors at once, so that one still failing opens its
/// incident at the end rather than an interval later. What was
/// announced is stored, so a restart neither repeats nor skips a notice.</summary>
public sealed class MaintenanceClock(MaintenanceCalendar calendar, MaintenanceStore store, Database database, Scheduler scheduler, Outbox outbox,
    LiveHub live, IEnumerable<IMaintenanceListener> listeners, TimeProvider time, ILogger<MaintenanceClock> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                var any = true;
                try
                {
                    Announce(time.GetUtcNow().UtcDateTime);
                    any = calendar.Windows.Count > 0;
                }
                catch (Microsoft.Data.Sqlite.SqliteException e)
                {
                    MaintenanceLog.AnnounceFailed(logger, e.Message);
                }
                // With no window there is nothing to announce until one is written: no wake every second.
                if (any) await Task.Delay(Tick, time, stoppingToken);
                else await calendar.WaitForChangeAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Announces every start and end due at <paramref name="now"/>.</summary>
    public void Announce(DateTime now)
    {
        var changed = false;
        foreach (var window in calendar.Windows)
        {
            var w = window.Stored;
            if (window.Covering(now) is { } current)
            {
                var start = MaintenanceCalendar.Ms(current.Start);
                if (w.AnnouncedStart == start) continue;
                Send(window, start, ended: false, now, current);
                changed = true;
            }
            else if (w.AnnouncedStart is { } started && w.AnnouncedEnd != started)
            {
                Send(window, started, ended: true, now, new Occurrence(Timestamps.FromMs(started), Timestamps.FromMs(started) + w.Schedule.Length));
                changed = true;
            }
        }
        if (changed) calendar.Refresh();
    }

    void Send(MaintenanceCalendar.Window window, long start, bool ended, DateTime now, Occurrence occurrence)
    {
        var w = window.Stored;
        var nowMs = MaintenanceCalendar.Ms(now);
        int sent;
        using (var connection = database.Open())
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            store.MarkAnnounced(connection, transaction, w.Key, start, ended);
            var notice = ended
                ? Notification.Notice("maintenance.ended", $"Maintenance ended: {w.Title}", $"{w.TargetIds.Length} monitor(s) are watched and alerted on again.", now)
                : Notification.Notice("maintenance.started", $"Maintenance started: {w.Title}",
                    $"Until {occurrence.End:yyyy-MM-dd HH:mm} UTC, {w.TargetIds.Length} monitor(s) open no incidents and send no alerts.", now);
            sent = Outbox.EnqueueNotice(connection, transaction, w.Channels, notice, nowMs);
            transaction.Commit();
        }
        if (sent > 0) outbox.Wake();
        live.Publish(new MaintenanceEvent(ended ? "maintenance_ended" : "maintenance_started", w.Id, w.Title, occurrence.Start, occurrence.End, [.. w.TargetIds]), FlatlineJson.Default.MaintenanceEvent);
        foreach (var listener in listeners) listener.MaintenanceChanged(w.Targets);
        if (!ended) return;
        // Check what the window covered now, so that a monitor still failing opens its incident at the end.
        foreach (var key in w.Targets) scheduler.CheckNow(key);
    }
}

/// <summary><c>maintenance_started</c> or <c>maintenance_ended</c> on the event stream: the window, the
/// occurrence and the monitors it covers.</summary>
public sealed record MaintenanceEvent(string Type, string MaintenanceId, string Title, DateTime Start, DateTime End, List<string> MonitorIds);

static partial class MaintenanceLog
{
    [LoggerMessage(170, LogLevel.Error, "Could not announce a maintenance window's start or end: {Message}; trying again in a second")]
    public static partial void AnnounceFailed(ILogger logger, string message);
}
