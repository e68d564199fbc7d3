using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Durable notification delivery. Events are written in the transaction of the state
/// change that caused them, one row per linked channel; the worker claims due rows with a lease,
/// sends each with a 10 s limit, records every attempt, and retries 429, 5xx and network errors
/// with exponential backoff and jitter (30 s doubling to 1 h, 8 attempts, about an hour in all),
/// honouring Retry-After. A crash mid-send leaves the row to be retried when its lease ends:
/// each event reaches each channel at least once, with the same event id every time.</summary>
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
    /// on_recovery for a recovery, on_degraded for degraded) inside the caller's transaction. Returns how many were written.</summary>
    public static int Enqueue(SqliteConnection connection, SqliteTransaction transaction, long monitorKey, Notification template, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = template.Kind switch
        {
            NotificationKind.Up => "SELECT channel_id FROM monitor_channels WHERE monitor_id = $id AND on_recovery = 1",
            NotificationKind.Degraded => "SELECT channel_id FROM monitor_channels WHERE monitor_id = $id AND on_degraded = 1",
            _ => "SELECT channel_id FROM monitor_channels WHERE monitor_id = $id",
        };
        command.Parameters.AddWithValue("$id", monitorKey);
        var targets = new List<long>();
        using (var reader = command.ExecuteReader())
            while (reader.Read()) targets.Add(reader.GetInt64(0));
        foreach (var channel in targets) Insert(connection, transaction, channel, template with { EventId = Guid.CreateVersion7().ToString() }, now, now);
        return targets.Count;
    }

    static long Insert(SqliteConnection connection, SqliteTransaction? transaction, long channel, Notification notification, long now, long? nextAttempt)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO outbox (uid, channel_id, kind, payload, created_at, next_attempt_at) VALUES ($uid, $channel, $kind, $payload, $now, $next)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("$uid", notification.EventId);
        insert.Parameters.AddWithValue("$channel", channel);
        insert.Parameters.AddWithValue("$kind", KindName(notification.Kind));
        insert.Parameters.AddWithValue("$payload", JsonSerializer.Serialize(notification, FlatlineJson.Default.Notification));
        insert.Parameters.AddWithValue("$now", now);
        insert.Parameters.AddWithValue("$next", (object?)nextAttempt ?? DBNull.Value);
        return (long)insert.ExecuteScalar()!;
    }

    static string KindName(NotificationKind kind) => kind switch
    {
        NotificationKind.Down => "down", NotificationKind.Up => "up", NotificationKind.Notice => "notice", NotificationKind.Degraded => "degraded", _ => "test",
    };

    /// <summary>A notice for each of <paramref name="channels"/>, in the caller's transaction; call
    /// <see cref="Wake"/> after the commit.</summary>
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
        var (result, duration) = await AttemptAsync(row, channelKey, config, notification, attempt: 1, retryLater: false, cancellationToken);
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

    /// <summary>Claims the due events (a lease, so a crash retries them) and delivers them. Returns how many.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var now = Database.Now(time);
        var due = new List<(long Row, long Channel, Notification Notification, int Attempts)>();
        using (var connection = database.Open())
        using (var claim = connection.CreateCommand())
        {
            claim.CommandText = """
                UPDATE outbox SET next_attempt_at = $lease
                WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at <= $now ORDER BY next_attempt_at LIMIT $limit)
                RETURNING id, channel_id, payload, attempts
                """;
            claim.Parameters.AddWithValue("$lease", now + (long)Lease.TotalMilliseconds);
            claim.Parameters.AddWithValue("$now", now);
            claim.Parameters.AddWithValue("$limit", ClaimBatch);
            using var reader = claim.ExecuteReader();
            while (reader.Read())
                due.Add((reader.GetInt64(0), reader.GetInt64(1), JsonSerializer.Deserialize(reader.GetString(2), FlatlineJson.Default.Notification)!, reader.GetInt32(3)));
        }
        using var gate = new SemaphoreSlim(Parallel);
        await Task.WhenAll(due.Select(async d =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (channels.ConfigOf(d.Channel) is { } config)
                    await AttemptAsync(d.Row, d.Channel, config, d.Notification, d.Attempts + 1, retryLater: true, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return due.Count;
    }

    async Task<(DeliveryResult Result, long DurationMs)> AttemptAsync(long row, long channel, ChannelConfig config, Notification notification,
        int attempt, bool retryLater, CancellationToken cancellationToken)
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
