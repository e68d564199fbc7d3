using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Durable notification delivery. Events are written in the transaction of the state
/// change that caused them, one row per linked channel; the worker claims due rows with a lease,
/// sends each with a 10 s limit, records every attempt, and retries 429, 5xx and network errors
/// with exponential backoff and jitter (30 s doubling to 1 h, 8 attempts, about an hour in all),
/// honouring Retry-After. A crash mid-send leaves the row to be retried when its lease ends:
/// each event reaches each channel at least once, with the same event id every time. A channel's
/// delay_minutes and remind_every_minutes (<see cref="AlertTiming"/>) are rows due later.</summary>
public sealed class Outbox(Database database, ChannelStore channels, NotificationChannelTypes types, IServiceProvider services, Settings settings,
    TimeProvider time, ILogger<Outbox> logger) : BackgroundService, ICommitListener
{
    public const int MaxAttempts = 8;
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromHours(1);
    static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    const int ClaimBatch = 64;
    const int Parallel = 16;

    readonly Dictionary<string, INotificationSender> byType = types.All.ToDictionary(t => t.Type, t => t.CreateSender(services));
    volatile TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Writes the events of a monitor's transition for its linked channels (only those with
    /// on_recovery for a recovery, on_degraded for degraded and its end) inside the caller's transaction. Returns how many were written.
    /// A down alert is due after the channel's delay_minutes; a recovery first cancels what has not
    /// gone yet (a down alert still held back, whose recovery then goes nowhere either, and the
    /// next reminder). The end of a degraded spell goes only to the channels whose last degraded
    /// event of this monitor is a degraded notice, so that none hears of an end it was not told began.</summary>
    public static int Enqueue(SqliteConnection connection, SqliteTransaction transaction, long monitorKey, Notification template, long now)
    {
        var heldBack = template.Kind == NotificationKind.Up && template.IncidentId is { } incident
            ? CancelUnsent(connection, transaction, incident, now)
            : [];
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = template.Kind switch
        {
            NotificationKind.Up => "SELECT l.channel_id, c.config FROM monitor_channels l JOIN notification_channels c ON c.id = l.channel_id WHERE l.monitor_id = $id AND l.on_recovery = 1",
            NotificationKind.Degraded => "SELECT l.channel_id, c.config FROM monitor_channels l JOIN notification_channels c ON c.id = l.channel_id WHERE l.monitor_id = $id AND l.on_degraded = 1",
            // Walks the channel's events newest first (outbox_by_channel) to this monitor's last degraded one.
            NotificationKind.DegradedEnded => """
                SELECT l.channel_id, c.config FROM monitor_channels l JOIN notification_channels c ON c.id = l.channel_id
                WHERE l.monitor_id = $id AND l.on_degraded = 1
                  AND (SELECT o.kind FROM outbox o WHERE o.channel_id = l.channel_id AND o.kind IN ('degraded', 'degraded_ended')
                         AND json_extract(o.payload, '$.monitor_id') = $monitor ORDER BY o.created_at DESC, o.id DESC LIMIT 1) = 'degraded'
                """,
            _ => "SELECT l.channel_id, c.config FROM monitor_channels l JOIN notification_channels c ON c.id = l.channel_id WHERE l.monitor_id = $id",
        };
        command.Parameters.AddWithValue("$id", monitorKey);
        if (template.Kind == NotificationKind.DegradedEnded) command.Parameters.AddWithValue("$monitor", template.MonitorId);
        var targets = new List<(long Channel, long Due)>();
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var channel = reader.GetInt64(0);
                if (heldBack.Contains(channel)) continue;
                var delay = template.Kind == NotificationKind.Down
                    ? AlertTiming.Delay(JsonSerializer.Deserialize(reader.GetString(1), FlatlineJson.Default.ChannelConfig)!)
                    : null;
                targets.Add((channel, now + (long)(delay?.TotalMilliseconds ?? 0)));
            }
        foreach (var (channel, due) in targets) Insert(connection, transaction, channel, template with { EventId = Guid.CreateVersion7().ToString() }, now, due);
        return targets.Count;
    }

    /// <summary>Cancels the incident's events that have not gone and whose time is not yet over:
    /// reminders, and down alerts still within their delay. Returns the channels whose down alert
    /// was one of them. A row being sent right now has its lease as next_attempt_at and is left alone.</summary>
    static HashSet<long> CancelUnsent(SqliteConnection connection, SqliteTransaction transaction, string incident, long now)
    {
        using var cancel = connection.CreateCommand();
        cancel.Transaction = transaction;
        cancel.CommandText = """
            UPDATE outbox SET state = 'cancelled', next_attempt_at = NULL
            WHERE incident_uid = $incident AND kind IN ('down', 'reminder') AND state = 'pending' AND attempts = 0
              AND next_attempt_at = not_before AND (kind = 'reminder' OR not_before > $now)
            RETURNING channel_id, kind
            """;
        cancel.Parameters.AddWithValue("$incident", incident);
        cancel.Parameters.AddWithValue("$now", now);
        var channels = new HashSet<long>();
        using var reader = cancel.ExecuteReader();
        while (reader.Read())
            if (reader.GetString(1) == "down") channels.Add(reader.GetInt64(0));
        return channels;
    }

    static long Insert(SqliteConnection connection, SqliteTransaction? transaction, long channel, Notification notification, long now, long? nextAttempt)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO outbox (uid, channel_id, kind, payload, created_at, next_attempt_at, not_before, incident_uid)
            VALUES ($uid, $channel, $kind, $payload, $now, $next, $notBefore, $incident)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("$uid", notification.EventId);
        insert.Parameters.AddWithValue("$channel", channel);
        insert.Parameters.AddWithValue("$kind", KindName(notification));
        insert.Parameters.AddWithValue("$payload", JsonSerializer.Serialize(notification, FlatlineJson.Default.Notification));
        insert.Parameters.AddWithValue("$now", now);
        insert.Parameters.AddWithValue("$next", (object?)nextAttempt ?? DBNull.Value);
        insert.Parameters.AddWithValue("$notBefore", nextAttempt ?? now);
        insert.Parameters.AddWithValue("$incident", (object?)notification.IncidentId ?? DBNull.Value);
        return (long)insert.ExecuteScalar()!;
    }

    static string KindName(Notification notification) => notification.Kind switch
    {
        NotificationKind.Down => notification.ReminderAt is null ? "down" : "reminder",
        NotificationKind.Up => "up",
        NotificationKind.Notice => "notice",
        NotificationKind.Degraded => "degraded",
        NotificationKind.DegradedEnded => "degraded_ended",
        _ => "test",
    };

    /// <summary>A notice for each of <paramref name="channels"/>, in the caller's transaction; call
    /// <see cref="Wake"/> after the commit.</summary>
    /// <summary>A notice to every channel (a lost network, an offline location): enqueued in the caller's transaction.</summary>
    public static int EnqueueNoticeToAll(SqliteConnection connection, SqliteTransaction transaction, Notification notice, long now)
    {
        var channels = new List<long>();
        using (var list = connection.CreateCommand())
        {
            list.Transaction = transaction;
            list.CommandText = "SELECT id FROM notification_channels ORDER BY id";
            using var rows = list.ExecuteReader();
            while (rows.Read()) channels.Add(rows.GetInt64(0));
        }
        return EnqueueNotice(connection, transaction, channels, notice, now);
    }

    public static int EnqueueNotice(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<long> channels, Notification notice, long now)
    {
        var count = 0;
        foreach (var channel in channels)
        {
            Insert(connection, transaction, channel, notice with { EventId = Guid.CreateVersion7().ToString() }, now, now);
            count++;
        }
        return count;
    }

    /// <summary>After the first attempt at a down alert or a reminder, the next reminder, when the
    /// channel wants them and the incident is still open: remind_every_minutes after this one was
    /// due (or after now, when Flatline was not running then: one reminder, not a burst).</summary>
    static void ScheduleReminder(SqliteConnection connection, SqliteTransaction transaction, long channel, ChannelConfig config, Notification notification,
        long due, long now)
    {
        if (notification.Kind != NotificationKind.Down || notification.IncidentId is not { } incident || AlertTiming.RemindEvery(config) is not { } every) return;
        if (!IncidentOpen(connection, transaction, incident)) return;
        var next = due + (long)every.TotalMilliseconds;
        if (next <= now) next = now + (long)every.TotalMilliseconds;
        Insert(connection, transaction, channel, notification with { EventId = Guid.CreateVersion7().ToString(), ReminderAt = Timestamps.FromMs(next) }, now, next);
    }

    static bool IncidentOpen(SqliteConnection connection, SqliteTransaction? transaction, string incident)
    {
        using var open = connection.CreateCommand();
        open.Transaction = transaction;
        open.CommandText = "SELECT 1 FROM incidents WHERE uid = $uid AND resolved_at IS NULL";
        open.Parameters.AddWithValue("$uid", incident);
        return open.ExecuteScalar() is not null;
    }

    /// <summary>New events are waiting: look now rather than at the next timer.</summary>
    public void Wake() => wake.TrySetResult();

    public void OnCommitted(CommittedBatch batch)
    {
        if (batch.Notifications > 0) Wake();
    }

    /// <summary>The link to a monitor's page, when PUBLIC_URL is set.</summary>
    public static Uri? MonitorLink(Settings settings, string monitorId) =>
        settings.PublicUrl is { } root ? new Uri(new Uri(root.ToString().TrimEnd('/') + "/"), $"monitors/{monitorId}") : null;

    /// <summary>Sends a test message to the channel now, records it like any delivery, and returns the outcome.</summary>
    public async Task<TestSendResult> SendTestAsync(long channelKey, ChannelConfig config, CancellationToken cancellationToken)
    {
        var now = Database.Now(time);
        var notification = new Notification(Guid.CreateVersion7().ToString(), NotificationKind.Test, "00000000-0000-0000-0000-000000000000",
            "Flatline test", settings.PublicUrl?.ToString() ?? "http://localhost/", null, null, null, null, null, Timestamps.FromMs(now),
            settings.PublicUrl);
        long row;
        using (var connection = database.Open()) row = Insert(connection, null, channelKey, notification, now, null);
        var (result, duration) = await AttemptAsync(row, channelKey, config, notification, attempt: 1, due: now, retryLater: false, cancellationToken);
        return new TestSendResult(notification.EventId, result.Delivered, result.StatusCode, result.Error, duration);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var signal = wake;
                var claimed = 0;
                try
                {
                    claimed = await DeliverDueAsync(stoppingToken);
                }
                catch (SqliteException e)
                {
                    OutboxLog.Failed(logger, e.Message);
                }
                if (claimed == ClaimBatch) continue;
                if (signal.Task.IsCompleted) wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
                await Task.WhenAny(wake.Task, Task.Delay(NextWait(), time, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    TimeSpan NextWait()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT min(next_attempt_at) FROM outbox WHERE next_attempt_at IS NOT NULL";
        var next = command.ExecuteScalar() as long?;
        var wait = next is { } at ? TimeSpan.FromMilliseconds(Math.Max(0, at - Database.Now(time))) : TimeSpan.FromSeconds(30);
        return wait < TimeSpan.FromSeconds(30) ? wait : TimeSpan.FromSeconds(30);
    }

    /// <summary>Claims the due events (a lease, so a crash retries them) and delivers them. Returns how many.
    /// A reminder or a delayed down alert whose incident has since ended (paused, deleted) is cancelled
    /// instead of sent.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var now = Database.Now(time);
        var due = new List<(long Row, long Channel, Notification Notification, int Attempts, long Due, bool Scheduled)>();
        using (var connection = database.Open())
        {
            using (var claim = connection.CreateCommand())
            {
                claim.CommandText = """
                    UPDATE outbox SET next_attempt_at = $lease
                    WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at <= $now ORDER BY next_attempt_at LIMIT $limit)
                    RETURNING id, channel_id, payload, attempts, coalesce(not_before, created_at), kind = 'reminder' OR not_before > created_at
                    """;
                claim.Parameters.AddWithValue("$lease", now + (long)Lease.TotalMilliseconds);
                claim.Parameters.AddWithValue("$now", now);
                claim.Parameters.AddWithValue("$limit", ClaimBatch);
                using var reader = claim.ExecuteReader();
                while (reader.Read())
                    due.Add((reader.GetInt64(0), reader.GetInt64(1), JsonSerializer.Deserialize(reader.GetString(2), FlatlineJson.Default.Notification)!,
                        reader.GetInt32(3), reader.GetInt64(4), !reader.IsDBNull(5) && reader.GetBoolean(5)));
            }
            foreach (var moot in due.Where(d => d.Scheduled && d.Attempts == 0 && d.Notification.IncidentId is { } incident && !IncidentOpen(connection, null, incident)).ToList())
            {
                using var cancel = connection.CreateCommand();
                cancel.CommandText = "UPDATE outbox SET state = 'cancelled', next_attempt_at = NULL WHERE id = $row";
                cancel.Parameters.AddWithValue("$row", moot.Row);
                cancel.ExecuteNonQuery();
                due.Remove(moot);
            }
        }
        using var gate = new SemaphoreSlim(Parallel);
        await Task.WhenAll(due.Select(async d =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (channels.ConfigOf(d.Channel) is { } config)
                    await AttemptAsync(d.Row, d.Channel, config, d.Notification, d.Attempts + 1, d.Due, retryLater: true, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return due.Count;
    }

    async Task<(DeliveryResult Result, long DurationMs)> AttemptAsync(long row, long channel, ChannelConfig config, Notification notification,
        int attempt, long due, bool retryLater, CancellationToken cancellationToken)
    {
        var started = Database.Now(time);
        var clock = Stopwatch.StartNew();
        DeliveryResult result;
        if (!byType.TryGetValue(config.Type, out var sender))
            result = new DeliveryResult(false, null, $"no sender for type {config.Type}", Retry: false);
        else
        {
            try
            {
                result = await sender.SendAsync(config, notification, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // shutting down: the lease runs out and the event is sent after the restart
            }
            catch (Exception e)
            {
                // Whatever a sender does wrong is one failed attempt of one event; it must not stop the worker.
                OutboxLog.SenderFailed(logger, config.Type, e.GetType().Name);
                result = new DeliveryResult(false, null, e is HttpRequestException or IOException ? "request failed" : $"the {config.Type} sender failed ({e.GetType().Name})", Retry: true);
            }
        }
        var duration = clock.ElapsedMilliseconds;

        string state;
        long? next = null;
        if (result.Delivered) state = "delivered";
        else if (retryLater && result.Retry && attempt < MaxAttempts)
        {
            state = "pending";
            next = Database.Now(time) + (long)RetryDelay(attempt, result.RetryAfter).TotalMilliseconds;
        }
        else state = "failed";

        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var record = connection.CreateCommand())
        {
            record.Transaction = transaction;
            record.CommandText = """
                INSERT INTO delivery_attempts (outbox_id, channel_id, attempt, attempted_at, duration_ms, delivered, status_code, error)
                VALUES ($row, $channel, $attempt, $at, $duration, $delivered, $status, $error)
                """;
            record.Parameters.AddWithValue("$row", row);
            record.Parameters.AddWithValue("$channel", channel);
            record.Parameters.AddWithValue("$attempt", attempt);
            record.Parameters.AddWithValue("$at", started);
            record.Parameters.AddWithValue("$duration", duration);
            record.Parameters.AddWithValue("$delivered", result.Delivered);
            record.Parameters.AddWithValue("$status", (object?)result.StatusCode ?? DBNull.Value);
            record.Parameters.AddWithValue("$error", (object?)result.Error ?? DBNull.Value);
            record.ExecuteNonQuery();
        }
        using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE outbox SET attempts = $attempt, state = $state, next_attempt_at = $next, last_error = $error WHERE id = $row";
            update.Parameters.AddWithValue("$attempt", attempt);
            update.Parameters.AddWithValue("$state", state);
            update.Parameters.AddWithValue("$next", (object?)next ?? DBNull.Value);
            update.Parameters.AddWithValue("$error", (object?)result.Error ?? DBNull.Value);
            update.Parameters.AddWithValue("$row", row);
            update.ExecuteNonQuery();
        }
        if (attempt == 1 && retryLater) ScheduleReminder(connection, transaction, channel, config, notification, due, Database.Now(time));
        transaction.Commit();
        return (result, duration);
    }

    /// <summary>30 s doubling per attempt up to 1 h, ±20 % jitter; a Retry-After wins, within 1 s to 1 h.</summary>
    public static TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } after) return after < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : after > MaxRetry ? MaxRetry : after;
        var baseDelay = FirstRetry.TotalSeconds * Math.Pow(2, attempt - 1);
        var jittered = Math.Min(baseDelay, MaxRetry.TotalSeconds) * (0.8 + 0.4 * Random.Shared.NextDouble());
        return TimeSpan.FromSeconds(Math.Min(jittered, MaxRetry.TotalSeconds));
    }
}

static partial class OutboxLog
{
    [LoggerMessage(40, LogLevel.Warning, "Notification delivery could not use the database: {Message}")]
    public static partial void Failed(ILogger logger, string message);

    // The exception's type only: its message may carry a secret from the channel's config.
    [LoggerMessage(41, LogLevel.Warning, "The {Type} notification sender threw {Exception}; the attempt counts as failed")]
    public static partial void SenderFailed(ILogger logger, string type, string exception);
}
