namespace Flatline;

/// <summary>Deletes raw checks older than MONITOR_CHECKS_RETENTION_DAYS and rollups older than
/// 400 days, monitor by monitor in small transactions so that the result writer is never held up.</summary>
public sealed class RetentionSweeper(Database database, Settings settings, TimeProvider time, ILogger<RetentionSweeper> logger) : BackgroundService
{
    public const int RollupRetentionDays = 400;
    const int BatchRows = 2000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.SweepIntervalSeconds), time);
        try
        {
            do
            {
                try
                {
                    var deleted = await SweepAsync(stoppingToken);
                    if (deleted > 0) SweepLog.Swept(logger, deleted);
                }
                catch (Microsoft.Data.Sqlite.SqliteException e)
                {
                    SweepLog.Failed(logger, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One full sweep; returns the number of rows deleted.</summary>
    public async Task<long> SweepAsync(CancellationToken cancellationToken)
    {
        var now = Database.Now(time);
        var checkCutoff = now - settings.RetentionDays * RollupWriter.DayMs;
        var rollupCutoff = now - RollupRetentionDays * RollupWriter.DayMs;
        var monitors = MonitorStore.AllKeys(database);

        long deleted = 0;
        foreach (var key in monitors)
        {
            deleted += await DeleteInBatches(key, "checks", "checked_at", checkCutoff, cancellationToken);
            deleted += await DeleteInBatches(key, "rollups_hourly", "hour", rollupCutoff / RollupWriter.HourMs, cancellationToken);
            deleted += await DeleteInBatches(key, "rollups_daily", "day", rollupCutoff / RollupWriter.DayMs, cancellationToken);
        }
        return deleted;
    }

    async Task<long> DeleteInBatches(long key, string table, string column, long cutoff, CancellationToken cancellationToken)
    {
        long total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            int rows;
            using (var connection = database.Open())
            using (var command = connection.CreateCommand())
            {
                // Walks the (monitor, time) primary key: no scan, and each batch is a short write.
                command.CommandText = $"""
                    DELETE FROM {table} WHERE monitor_id = $id AND {column} IN
                        (SELECT {column} FROM {table} WHERE monitor_id = $id AND {column} < $cutoff LIMIT {BatchRows})
                    """;
                command.Parameters.AddWithValue("$id", key);
                command.Parameters.AddWithValue("$cutoff", cutoff);
                rows = command.ExecuteNonQuery();
            }
            total += rows;
            if (rows < BatchRows) break;
            await Task.Yield();
        }
        return total;
    }
}

static partial class SweepLog
{
    [LoggerMessage(30, LogLevel.Information, "Retention sweep deleted {Rows} old rows")]
    public static partial void Swept(ILogger logger, long rows);

    [LoggerMessage(31, LogLevel.Warning, "Retention sweep failed: {Message}")]
    public static partial void Failed(ILogger logger, string message);
}
