using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Notification channels, their links to monitors and their delivery log, in SQLite.
/// Configs are stored whole; every read masks the secrets.</summary>
public sealed class ChannelStore(Database database, TimeProvider time, NotificationChannelTypes types)
{
    public List<NotificationChannel> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT uid, name, config, created_at, updated_at FROM notification_channels ORDER BY id";
        using var reader = command.ExecuteReader();
        var channels = new List<NotificationChannel>();
        while (reader.Read()) channels.Add(Read(reader, masked: true));
        return channels;
    }

    public NotificationChannel? Get(string id) => Find(id, masked: true)?.Channel;

    /// <summary>The channel with its real secrets, for sending; and its key.</summary>
    public (long Key, NotificationChannel Channel)? Find(string id, bool masked = false)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT uid, name, config, created_at, updated_at, id FROM notification_channels WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(5), Read(reader, masked)) : null;
    }

    public ChannelConfig? ConfigOf(long key)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT config FROM notification_channels WHERE id = $id";
        command.Parameters.AddWithValue("$id", key);
        return command.ExecuteScalar() is string json ? JsonSerializer.Deserialize(json, FlatlineJson.Default.ChannelConfig) : null;
    }

    public NotificationChannel Create(string name, ChannelConfig config)
    {
        var now = Database.Now(time);
        var id = Guid.CreateVersion7().ToString();
        using var connection = database.Open();
        Insert(connection, null, id, name, config, now);
        return new NotificationChannel(id, name, types.Masked(config), Timestamps.FromMs(now), Timestamps.FromMs(now));
    }

    internal static void Insert(SqliteConnection connection, SqliteTransaction? transaction, string id, string name, ChannelConfig config, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO notification_channels (uid, name, type, config, created_at, updated_at) VALUES ($uid, $name, $type, $config, $now, $now)
            """;
        command.Parameters.AddWithValue("$uid", id);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$type", config.Type);
        command.Parameters.AddWithValue("$config", ConfigJson(config));
        command.Parameters.AddWithValue("$now", now);
        command.ExecuteNonQuery();
    }

    public NotificationChannel? Update(string id, string name, ChannelConfig config)
    {
        using var connection = database.Open();
        return Update(connection, null, id, name, config, Database.Now(time)) ? Get(id) : null;
    }

    internal static bool Update(SqliteConnection connection, SqliteTransaction? transaction, string id, string name, ChannelConfig config, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE notification_channels SET name = $name, type = $type, config = $config, updated_at = $now WHERE uid = $uid
            """;
        command.Parameters.AddWithValue("$uid", id);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$type", config.Type);
        command.Parameters.AddWithValue("$config", ConfigJson(config));
        command.Parameters.AddWithValue("$now", now);
        return command.ExecuteNonQuery() == 1;
    }

    public bool Delete(string id) => Sql.DeleteRow(database, "notification_channels", "uid", id);

    internal static bool Delete(SqliteConnection connection, SqliteTransaction? transaction, string id) =>
        Sql.DeleteRow(connection, transaction, "notification_channels", "uid", id);

    public enum LinkOutcome { Created, NoMonitor, NoChannel, Duplicate }

    public (LinkOutcome Outcome, ChannelLink? Link) Link(string monitorId, string channelId, bool onRecovery, bool onDegraded = false)
    {
        var now = Database.Now(time);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var id = Guid.CreateVersion7().ToString();
        var outcome = Link(connection, transaction, id, monitorId, channelId, onRecovery, onDegraded, now);
        if (outcome != LinkOutcome.Created) return (outcome, null);
        transaction.Commit();
        return (LinkOutcome.Created, new ChannelLink(id, monitorId, channelId, onRecovery, Timestamps.FromMs(now), onDegraded));
    }

    internal static LinkOutcome Link(SqliteConnection connection, SqliteTransaction transaction, string id, string monitorId, string channelId,
        bool onRecovery, bool onDegraded, long now)
    {
        var monitor = Scalar(connection, transaction, "SELECT id FROM monitors WHERE uid = $uid", monitorId);
        if (monitor is null) return LinkOutcome.NoMonitor;
        var channel = Scalar(connection, transaction, "SELECT id FROM notification_channels WHERE uid = $uid", channelId);
        if (channel is null) return LinkOutcome.NoChannel;
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO monitor_channels (uid, monitor_id, channel_id, on_recovery, on_degraded, created_at) VALUES ($uid, $monitor, $channel, $recovery, $degraded, $now)
            ON CONFLICT (monitor_id, channel_id) DO NOTHING
            """;
        command.Parameters.AddWithValue("$uid", id);
        command.Parameters.AddWithValue("$monitor", monitor);
        command.Parameters.AddWithValue("$channel", channel);
        command.Parameters.AddWithValue("$recovery", onRecovery);
        command.Parameters.AddWithValue("$degraded", onDegraded);
        command.Parameters.AddWithValue("$now", now);
        return command.ExecuteNonQuery() == 0 ? LinkOutcome.Duplicate : LinkOutcome.Created;
    }

    /// <summary>The monitor's links, or null when the monitor does not exist.</summary>
    public List<ChannelLink>? Links(string monitorId)
    {
        using var connection = database.Open();
        if (Scalar(connection, null, "SELECT id FROM monitors WHERE uid = $uid", monitorId) is not long monitor) return null;
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT l.uid, c.uid, l.on_recovery, l.created_at, l.on_degraded FROM monitor_channels l JOIN notification_channels c ON c.id = l.channel_id
            WHERE l.monitor_id = $monitor ORDER BY l.id
            """;
        command.Parameters.AddWithValue("$monitor", monitor);
        using var reader = command.ExecuteReader();
        var links = new List<ChannelLink>();
        while (reader.Read())
            links.Add(new ChannelLink(reader.GetString(0), monitorId, reader.GetString(1), reader.GetBoolean(2), Timestamps.FromMs(reader.GetInt64(3)), reader.GetBoolean(4)));
        return links;
    }

    /// <summary>Sets the flags given; a null one keeps its value.</summary>
    public ChannelLink? UpdateLink(string monitorId, string channelId, bool? onRecovery, bool? onDegraded = null)
    {
        using var connection = database.Open();
        return UpdateLink(connection, null, monitorId, channelId, onRecovery, onDegraded);
    }

    internal static ChannelLink? UpdateLink(SqliteConnection connection, SqliteTransaction? transaction, string monitorId, string channelId,
        bool? onRecovery, bool? onDegraded)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE monitor_channels SET on_recovery = coalesce($recovery, on_recovery), on_degraded = coalesce($degraded, on_degraded)
            WHERE monitor_id = (SELECT id FROM monitors WHERE uid = $monitor) AND channel_id = (SELECT id FROM notification_channels WHERE uid = $channel)
            RETURNING uid, created_at, on_recovery, on_degraded
            """;
        command.Parameters.AddWithValue("$recovery", (object?)onRecovery ?? DBNull.Value);
        command.Parameters.AddWithValue("$degraded", (object?)onDegraded ?? DBNull.Value);
        command.Parameters.AddWithValue("$monitor", monitorId);
        command.Parameters.AddWithValue("$channel", channelId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new ChannelLink(reader.GetString(0), monitorId, channelId, reader.GetBoolean(2), Timestamps.FromMs(reader.GetInt64(1)), reader.GetBoolean(3))
            : null;
    }

    public bool Unlink(string monitorId, string channelId)
    {
        using var connection = database.Open();
        return Unlink(connection, null, monitorId, channelId);
    }

    internal static bool Unlink(SqliteConnection connection, SqliteTransaction? transaction, string monitorId, string channelId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            DELETE FROM monitor_channels
            WHERE monitor_id = (SELECT id FROM monitors WHERE uid = $monitor) AND channel_id = (SELECT id FROM notification_channels WHERE uid = $channel)
            """;
        command.Parameters.AddWithValue("$monitor", monitorId);
        command.Parameters.AddWithValue("$channel", channelId);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>The channel's delivery attempts, newest first; null when the channel does not exist.</summary>
    public List<DeliveryAttempt>? Deliveries(string channelId, int limit, DateTimeOffset? before)
    {
        using var connection = database.Open();
        if (Scalar(connection, null, "SELECT id FROM notification_channels WHERE uid = $uid", channelId) is not long channel) return null;
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT o.uid, o.kind, a.attempt, a.attempted_at, a.duration_ms, a.delivered, a.status_code, a.error, o.state, o.next_attempt_at
            FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id
            WHERE a.channel_id = $channel AND a.attempted_at < $before
            ORDER BY a.attempted_at DESC, a.id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$channel", channel);
        command.Parameters.AddWithValue("$before", before?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var attempts = new List<DeliveryAttempt>();
        while (reader.Read())
            attempts.Add(new DeliveryAttempt(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), Timestamps.FromMs(reader.GetInt64(3)),
                reader.GetInt64(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetString(8), reader.IsDBNull(9) ? null : Timestamps.FromMs(reader.GetInt64(9))));
        return attempts;
    }

    /// <summary>A config as stored: whole, secrets included.</summary>
    internal static string ConfigJson(ChannelConfig config) => JsonSerializer.Serialize(config, FlatlineJson.Default.ChannelConfig);

    static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql, string uid)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$uid", uid);
        return command.ExecuteScalar();
    }

    NotificationChannel Read(SqliteDataReader reader, bool masked)
    {
        var config = JsonSerializer.Deserialize(reader.GetString(2), FlatlineJson.Default.ChannelConfig)!;
        return new NotificationChannel(reader.GetString(0), reader.GetString(1), masked ? types.Masked(config) : config,
            Timestamps.FromMs(reader.GetInt64(3)), Timestamps.FromMs(reader.GetInt64(4)));
    }
}
