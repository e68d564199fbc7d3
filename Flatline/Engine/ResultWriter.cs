using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>A finished check on its way to the writer.</summary>
public sealed record ProbeResult(ProbeJob Job, long CheckedAtMs, ProbeOutcome Outcome);

/// <summary>What a committed batch changed, for the live stream and notifications.</summary>
/// <summary>What one persisted result changed. [<see cref="SpanFrom"/>, check time) went into the
/// rollups as enabled time, and as down time when <see cref="WasDown"/>.</summary>
public sealed record MonitorEvent(long MonitorKey, string MonitorId, Transition Transition, IncidentView? Incident, ProbeResult Result, MonitorState State, long SpanFrom, bool WasDown);

/// <summary>The one writer: persists results in batched transactions with reused prepared commands,
/// and in the same transaction applies the state machine and opens or resolves incidents.</summary>
public sealed class ResultWriter(Database database, StatsCache stats, Outbox outbox, Settings settings, ILogger<ResultWriter> logger)
{
    public const int MaxBatch = 2000;

    /// <summary>Raised after each commit with what changed. Handlers must not block.</summary>
    public event Action<IReadOnlyList<MonitorEvent>>? Committed;

    public long Written { get; private set; }

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
            await PersistWithRetryAsync(batch, abandon);
            batch.Clear();
        }
    }

    // A full or read-only disk must not lose results: keep the batch and retry until it commits.
    async Task PersistWithRetryAsync(List<ProbeResult> batch, CancellationToken abandon)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var events = Persist(batch);
                Written += batch.Count;
                if (events.Count > 0) Committed?.Invoke(events);
                return;
            }
            catch (SqliteException e)
            {
                if (abandon.IsCancellationRequested)
                {
                    Lost += batch.Count;
                    WriterLog.ResultsLost(logger, batch.Count, e.SqliteErrorCode, e.Message);
                    return;
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

    List<MonitorEvent> Persist(List<ProbeResult> batch)
    {
        var events = new List<MonitorEvent>();
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);

        using var select = Sql.Prepare(connection, transaction,
            "SELECT revision, enabled, status, consecutive_failures, retries, uid, last_checked_at, accounted_until FROM monitors WHERE id = $id", "$id");
        using var insertCheck = Sql.Prepare(connection, transaction,
            "INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code, error) VALUES ($id, $at, $ok, $latency, $status, $error)",
            "$id", "$at", "$ok", "$latency", "$status", "$error");
        using var updateMonitor = Sql.Prepare(connection, transaction,
            "UPDATE monitors SET status = $status, consecutive_failures = $failures, last_checked_at = $at, accounted_until = $at, tls_expires_at = coalesce($tls, tls_expires_at) WHERE id = $id",
            "$status", "$failures", "$at", "$tls", "$id");
        using var rollups = new RollupWriter(connection, transaction);
        using var describe = Sql.Prepare(connection, transaction, "SELECT name, config FROM monitors WHERE id = $id", "$id");
        var notifications = 0;
        using var openIncident = Sql.Prepare(connection, transaction,
            "INSERT OR IGNORE INTO incidents (uid, monitor_id, started_at, cause) VALUES ($uid, $id, $at, $cause)",
            "$uid", "$id", "$at", "$cause");
        using var resolveIncident = Sql.Prepare(connection, transaction,
            "UPDATE incidents SET resolved_at = $at, resolution = 'recovered' WHERE monitor_id = $id AND resolved_at IS NULL RETURNING uid, started_at, cause",
            "$at", "$id");

        foreach (var result in batch)
        {
            var job = result.Job;
            int revision, retries;
            bool enabled;
            MonitorState state;
            string uid;
            long? lastCheckedAt, accountedUntil;
            using (var reader = select.Bind(job.Monitor.Key).ExecuteReader())
            {
                if (!reader.Read()) continue; // deleted while the check ran
                revision = reader.GetInt32(0);
                enabled = reader.GetBoolean(1);
                state = new MonitorState((MonitorStatus)reader.GetInt32(2), reader.GetInt32(3));
                retries = reader.GetInt32(4);
                uid = reader.GetString(5);
                lastCheckedAt = reader.IsDBNull(6) ? null : reader.GetInt64(6);
                accountedUntil = reader.IsDBNull(7) ? null : reader.GetInt64(7);
            }
            // Paused or re-configured while the check ran: the result describes a check that no longer exists.
            if (!enabled || revision != job.Revision) continue;

            var outcome = result.Outcome;
            // The key is (monitor, ms): keep it unique and increasing even if two checks share a millisecond.
            var at = lastCheckedAt is { } last && result.CheckedAtMs <= last ? last + 1 : result.CheckedAtMs;
            insertCheck.Bind(job.Monitor.Key, at, outcome.Ok, outcome.LatencyUs, outcome.StatusCode, outcome.Error).ExecuteNonQuery();
            // The time since the last check was enabled time, and down time if the monitor was down:
            // so the rollups' down time is exactly the incidents' duration.
            rollups.AddSpan(job.Monitor.Key, accountedUntil ?? at, at, state.Status == MonitorStatus.Down);
            rollups.AddCheck(job.Monitor.Key, at, outcome.Ok, outcome.LatencyUs);

            var (next, transition) = StateMachine.Apply(state, outcome.Ok, retries);
            updateMonitor.Bind((int)next.Status, next.ConsecutiveFailures, at, outcome.TlsExpiresAt?.ToUnixTimeMilliseconds(), job.Monitor.Key).ExecuteNonQuery();

            IncidentView? incident = null;
            if (transition == Transition.WentDown)
            {
                var incidentId = Guid.CreateVersion7().ToString();
                if (openIncident.Bind(incidentId, job.Monitor.Key, at, outcome.Error).ExecuteNonQuery() == 1)
                    incident = new IncidentView(incidentId, uid, Timestamps.FromMs(at), null, outcome.Error, null, null);
            }
            else if (transition == Transition.Recovered)
            {
                using var resolved = resolveIncident.Bind(at, job.Monitor.Key).ExecuteReader();
                if (resolved.Read())
                {
                    var started = resolved.GetInt64(1);
                    incident = new IncidentView(resolved.GetString(0), uid, Timestamps.FromMs(started), Timestamps.FromMs(at),
                        resolved.IsDBNull(2) ? null : resolved.GetString(2), "recovered", (at - started) / 1000);
                }
            }
            if (incident is not null) notifications += EnqueueNotifications(connection, transaction, describe, job.Monitor.Key, uid, incident, transition, outcome, at);
            events.Add(new MonitorEvent(job.Monitor.Key, uid, transition, incident, result with { CheckedAtMs = at }, next,
                accountedUntil ?? at, state.Status == MonitorStatus.Down));
        }
        // The running stats windows see exactly what was committed: nothing can load an entry in between.
        lock (stats.Gate)
        {
            transaction.Commit();
            stats.Apply(events);
        }
        if (notifications > 0) outbox.Wake();
        return events;
    }

    /// <summary>The down or recovery notifications of one transition, in the same transaction.</summary>
    int EnqueueNotifications(SqliteConnection connection, SqliteTransaction transaction, SqliteCommand describe, long key, string uid,
        IncidentView incident, Transition transition, ProbeOutcome outcome, long at)
    {
        string name, url;
        using (var row = describe.Bind(key).ExecuteReader())
        {
            row.Read();
            name = row.GetString(0);
            url = System.Text.Json.JsonSerializer.Deserialize(row.GetString(1), FlatlineJson.Default.HttpMonitorConfig)!.Url;
        }
        var kind = transition == Transition.WentDown ? NotificationKind.Down : NotificationKind.Up;
        var template = new Notification("", kind, uid, name, url, incident.Id, incident.StartedAt, incident.ResolvedAt,
            outcome.StatusCode, outcome.Error, Timestamps.FromMs(at), Outbox.MonitorLink(settings, uid));
        return Outbox.Enqueue(connection, transaction, key, template, at);
    }
}

static partial class WriterLog
{
    [LoggerMessage(20, LogLevel.Error, "Could not persist {Count} check results (SQLite error {Code}: {Message}); retrying")]
    public static partial void PersistFailed(ILogger logger, int count, int code, string message);

    [LoggerMessage(21, LogLevel.Error, "Stopping: {Count} check results could not be written and are lost (SQLite error {Code}: {Message})")]
    public static partial void ResultsLost(ILogger logger, int count, int code, string message);
}
