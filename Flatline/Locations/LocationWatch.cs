namespace Flatline;

/// <summary>Every second while there are locations: a location whose agent has not reported for LOCATION_OFFLINE_SECONDS turns offline
/// (its checks stop counting for the quorum), and the owner gets one notice on every channel, as the
/// connectivity guard's; when the agent reports again, one more notice says so. Contacts are stored at
/// most every ten seconds per location, and the rows are read again every five (locations made by the CLI).</summary>
public sealed class LocationWatch(LocationRegistry locations, Settings settings, Database database, Outbox outbox, LiveHub live, TimeProvider time,
    ILogger<LocationWatch> logger) : BackgroundService
{
    static readonly TimeSpan Tick = TimeSpan.FromSeconds(1), ReloadEvery = TimeSpan.FromSeconds(5);
    const long StoreEveryMs = 10_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reloadedAt = Database.Now(time);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // With no location there is nothing to watch but the rows, for one the CLI makes: no wake every second.
                await Task.Delay(locations.Any ? Tick : ReloadEvery, time, stoppingToken);
                try
                {
                    var now = Database.Now(time);
                    if (now - reloadedAt >= (long)ReloadEvery.TotalMilliseconds - 100)
                    {
                        locations.Reload();
                        reloadedAt = now;
                    }
                    Round(now);
                }
                catch (Microsoft.Data.Sqlite.SqliteException e)
                {
                    LocationLog.RecordFailed(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One look at every location at <paramref name="now"/> (tests call it with their own clock).</summary>
    public void Round(long now)
    {
        var offlineAfter = settings.LocationOfflineSeconds * 1000L;
        foreach (var entry in locations.All)
        {
            var seen = entry.LastSeenAt;
            var silent = seen == 0 || now - seen >= offlineAfter;
            if (silent && !entry.Offline)
            {
                entry.Offline = true;
                if (seen > 0 && entry.OfflineSince is null)
                {
                    entry.OfflineSince = now;
                    LocationLog.Offline(logger, entry.Name, (now - seen) / 1000);
                    Record(entry, Notification.Notice("location.offline", $"Location {entry.Name} is offline",
                        $"Its agent has not reported since {Timestamps.FromMs(seen):yyyy-MM-dd HH:mm:ss} UTC; its checks count neither as up nor as down until it is back.",
                        Timestamps.FromMs(now)), now);
                    live.Publish(new LocationEvent("location_changed", entry.Name, LocationStatus.Offline, Timestamps.FromMs(now)), FlatlineJson.Default.LocationEvent);
                }
                continue;
            }
            if (!silent && !entry.Offline && entry.OfflineSince is { } since)
            {
                entry.OfflineSince = null;
                LocationLog.Online(logger, entry.Name);
                Record(entry, Notification.Notice("location.online", $"Location {entry.Name} is back",
                    $"Its agent was silent from {Timestamps.FromMs(since):yyyy-MM-dd HH:mm:ss} to {Timestamps.FromMs(now):HH:mm:ss} UTC and reports again.",
                    Timestamps.FromMs(now)), now);
                live.Publish(new LocationEvent("location_changed", entry.Name, LocationStatus.Online, Timestamps.FromMs(now)), FlatlineJson.Default.LocationEvent);
                continue;
            }
            if (seen - entry.StoredSeenAt >= StoreEveryMs)
            {
                using var connection = database.Open();
                LocationRegistry.Store(connection, null, entry);
            }
        }
    }

    /// <summary>The location's row and the notice to every channel, in one transaction.</summary>
    void Record(LocationEntry entry, Notification notice, long now)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        LocationRegistry.Store(connection, transaction, entry);
        var sent = Outbox.EnqueueNoticeToAll(connection, transaction, notice, now);
        transaction.Commit();
        if (sent > 0) outbox.Wake();
    }
}

static partial class LocationLog
{
    [LoggerMessage(200, LogLevel.Warning, "Location {Location} is offline: its agent has not reported for {Seconds} s")]
    public static partial void Offline(ILogger logger, string location, long seconds);

    [LoggerMessage(201, LogLevel.Information, "Location {Location} is back: its agent reports again")]
    public static partial void Online(ILogger logger, string location);

    [LoggerMessage(202, LogLevel.Error, "Could not record a location's contact: {Message}")]
    public static partial void RecordFailed(ILogger logger, string message);
}
