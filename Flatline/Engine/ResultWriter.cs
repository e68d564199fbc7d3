using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>The one writer: persists results in batched transactions, retrying a batch the database
/// refuses. Inside the transaction the recorders run for each result in stage order (check, rollups,
/// state and incidents, notifications); after the commit every listener gets the batch.</summary>
public sealed class ResultWriter : IResultSink
{
    public const int MaxBatch = 2000;
    const string SequenceKey = "writer_batch";

    readonly Database database;
    readonly IResultRecorder[] recorders;
    readonly ICommitListener[] listeners;
    readonly ILogger<ResultWriter> logger;
    readonly EngineMetrics metrics;
    long? sequence;

    public ResultWriter(Database database, IEnumerable<IResultRecorder> recorders, IEnumerable<ICommitListener> listeners, EngineMetrics metrics, ILogger<ResultWriter> logger)
    {
        this.database = database;
        this.recorders = [.. recorders.OrderBy(r => r.Stage)];
        this.listeners = [.. listeners];
        this.metrics = metrics;
        this.logger = logger;
    }

    /// <summary>Results dropped because the database still refused them when stopping could wait no longer.</summary>
    public long Lost { get; private set; }

    /// <param name="abandon">Cancelled when the server must stop whatever the disk says: each batch then
    /// gets one last try and is dropped, and counted in <see cref="Lost"/>, if that fails too.</param>
    public async Task RunAsync(System.Threading.Channels.ChannelReader<ProbeResult> results, CancellationToken abandon)
    {
        var batch = new List<ProbeResult>(MaxBatch);
        while (await results.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && results.TryRead(out var result)) batch.Add(result);
            if (await PersistWithRetryAsync(batch, abandon) is { } committed)
            {
                foreach (var result in batch) result.Receipt?.Persisted();
                Publish(committed);
            }
            batch.Clear();
        }
    }

    // A full or read-only disk must not lose results: keep the batch and retry until it commits.
    async Task<CommittedBatch?> PersistWithRetryAsync(List<ProbeResult> batch, CancellationToken abandon)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var committed = Persist(batch);
                metrics.WriterBatch.ObserveSince(started);
                return committed;
            }
            catch (SqliteException e)
            {
                if (abandon.IsCancellationRequested)
                {
                    Lost += batch.Count;
                    WriterLog.ResultsLost(logger, batch.Count, e.SqliteErrorCode, e.Message);
                    return null;
                }
                WriterLog.PersistFailed(logger, batch.Count, e.SqliteErrorCode, e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 << Math.Min(attempt, 6))), abandon);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    // A listener's failure is its own: the batch is committed, and the next one must be written all the same.
    void Publish(CommittedBatch committed)
    {
        foreach (var listener in listeners)
        {
            try
            {
                listener.OnCommitted(committed);
            }
            catch (Exception e)
            {
                WriterLog.ListenerFailed(logger, listener.GetType().Name, e);
            }
        }
    }

    CommittedBatch Persist(List<ProbeResult> batch)
    {
        var checks = new List<CommittedCheck>(batch.Count);
        var notifications = 0;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var select = Sql.Prepare(connection, transaction,
            """
            SELECT revision, enabled, status, consecutive_failures, retries, uid, last_checked_at, accounted_until,
                consecutive_slow, degraded_reason, warned_certificate, locations, quorum
            FROM monitors WHERE id = $id
            """, "$id");
        using var taken = Sql.Prepare(connection, transaction,
            "SELECT checked_at FROM checks WHERE monitor_id = $id AND checked_at >= $from ORDER BY checked_at LIMIT 256", "$id", "$from");
        var stages = new List<IBatchRecorder>(recorders.Length);
        try
        {
            foreach (var recorder in recorders) stages.Add(recorder.Begin(connection, transaction));
            foreach (var result in batch)
            {
                if (Read(select, taken, result) is not { } recorded) continue;
                foreach (var stage in stages) stage.Record(recorded);
                checks.Add(recorded.Committed());
                notifications += recorded.Notifications;
            }
            var next = (sequence ??= ReadSequence(connection, transaction)) + 1;
            StoreSequence(connection, transaction, next);
            transaction.Commit();
            sequence = next;
            return new CommittedBatch(next, checks, notifications);
        }
        finally
        {
            foreach (var stage in stages) stage.Dispose();
        }
    }

    /// <summary>The monitor as the result finds it, or null when the result describes a check that no
    /// longer exists (deleted, paused or re-configured while it ran).</summary>
    static RecordedResult? Read(SqliteCommand select, SqliteCommand taken, ProbeResult result)
    {
        using var reader = select.Bind(result.MonitorKey).ExecuteReader();
        if (!reader.Read() || !reader.GetBoolean(1) || reader.GetInt32(0) != result.Revision) return null;
        var state = new MonitorState((MonitorStatus)reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(8),
            reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetInt64(10));
        long? lastCheckedAt = reader.IsDBNull(6) ? null : reader.GetInt64(6);
        // The key is (monitor, ms): keep it unique and increasing even if two checks share a millisecond.
        var at = lastCheckedAt is { } last && result.CheckedAtMs <= last ? last + 1 : result.CheckedAtMs;
        var spanFrom = reader.IsDBNull(7) ? at : reader.GetInt64(7);
        List<string> locations = reader.IsDBNull(11) ? [LocationNames.Local] : System.Text.Json.JsonSerializer.Deserialize(reader.GetString(11), FlatlineJson.Default.ListString)!;
        var quorum = reader.IsDBNull(12) ? Quorum.Majority : Quorum.Parse(reader.GetString(12)) ?? Quorum.Majority;
        // An agent's result that comes after newer ones (it waited in the agent's buffer) keeps its own time
        // in the checks; the monitor's own time (state, spans) only moves forward.
        var checkAt = result.LocationId != 0 && result.CheckedAtMs < at ? FreeSlot(taken, result.MonitorKey, result.CheckedAtMs) : at;
        return new RecordedResult(result.MonitorKey, reader.GetString(5), reader.GetInt32(4), state, at, spanFrom, result.Outcome)
        {
            CheckAt = checkAt,
            Location = result.Location,
            LocationId = result.LocationId,
            Seq = result.Seq,
            Locations = locations,
            Quorum = quorum,
        };
    }

    /// <summary>The first millisecond from <paramref name="from"/> on that no check of the monitor has (the checks' key).</summary>
    static long FreeSlot(SqliteCommand taken, long monitorKey, long from)
    {
        var candidate = from;
        using var rows = taken.Bind(monitorKey, from).ExecuteReader();
        while (rows.Read())
        {
            var at = rows.GetInt64(0);
            if (at > candidate) break;
            candidate = at + 1;
        }
        return candidate;
    }

    /// <summary>Marks the transaction as batch <paramref name="sequence"/>.</summary>
    public static void StoreSequence(SqliteConnection connection, SqliteTransaction transaction, long sequence)
    {
        using var store = connection.CreateCommand();
        store.Transaction = transaction;
        store.CommandText = "INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        store.Parameters.AddWithValue("$key", SequenceKey);
        store.Parameters.AddWithValue("$value", sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        store.ExecuteNonQuery();
    }

    /// <summary>The sequence number of the last committed batch (0 before the first), for snapshots.</summary>
    public static long ReadSequence(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT CAST(value AS INTEGER) FROM meta WHERE key = $key";
        read.Parameters.AddWithValue("$key", SequenceKey);
        return read.ExecuteScalar() is long value ? value : 0;
    }
}

static partial class WriterLog
{
    [LoggerMessage(20, LogLevel.Error, "Could not persist {Count} check results (SQLite error {Code}: {Message}); retrying")]
    public static partial void PersistFailed(ILogger logger, int count, int code, string message);

    [LoggerMessage(21, LogLevel.Error, "Stopping: {Count} check results could not be written and are lost (SQLite error {Code}: {Message})")]
    public static partial void ResultsLost(ILogger logger, int count, int code, string message);

    [LoggerMessage(22, LogLevel.Error, "A listener of committed check results ({Listener}) failed")]
    public static partial void ListenerFailed(ILogger logger, string listener, Exception exception);
}
