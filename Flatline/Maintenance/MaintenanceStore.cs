using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>A maintenance window as the API shows it. <c>active</c> says whether it covers its monitors
/// now; <c>next_occurrences</c> lists the next five (the current one first while active);
/// <c>affected_monitors</c> are the ids it covers, named or through a tag.</summary>
public sealed record MaintenanceView(
    string Id,
    string Title,
    string? Description,
    List<string> Monitors,
    List<string> Tags,
    List<string> NotifyChannels,
    MaintenanceSchedule Schedule,
    bool Active,
    List<Occurrence> NextOccurrences,
    List<string> AffectedMonitors,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>A window as the calendar keeps it: its targets resolved to monitor keys.</summary>
public sealed record StoredWindow(long Key, string Id, string Title, string? Description, MaintenanceSchedule Schedule,
    List<string> Monitors, List<string> Tags, List<string> NotifyChannels, long[] Targets, string[] TargetIds, long[] Channels,
    long? AnnouncedStart, long? AnnouncedEnd, long CreatedAt, long UpdatedAt)
{
    public MaintenanceDraft Draft => new(Title, Description, Schedule, Monitors, Tags, NotifyChannels);
}

/// <summary>Maintenance windows in SQLite; each write is one transaction.</summary>
public sealed class MaintenanceStore(Database database, TimeProvider time) : IMaintenanceTargets
{
    public List<StoredWindow> All()
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        var windows = new List<StoredWindow>();
        using (var list = connection.CreateCommand())
        {
            list.Transaction = transaction;
            list.CommandText = "SELECT id, uid, title, description, schedule, tags, announced_start, announced_end, created_at, updated_at FROM maintenance_windows ORDER BY id";
            using var rows = list.ExecuteReader();
            while (rows.Read())
                windows.Add(new StoredWindow(rows.GetInt64(0), rows.GetString(1), rows.GetString(2), rows.IsDBNull(3) ? null : rows.GetString(3),
                    JsonSerializer.Deserialize(rows.GetString(4), FlatlineJson.Default.MaintenanceSchedule)!, [],
                    JsonSerializer.Deserialize(rows.GetString(5), FlatlineJson.Default.ListString)!, [], [], [], [],
                    rows.IsDBNull(6) ? null : rows.GetInt64(6), rows.IsDBNull(7) ? null : rows.GetInt64(7), rows.GetInt64(8), rows.GetInt64(9)));
        }
        for (var i = 0; i < windows.Count; i++) windows[i] = Resolve(connection, transaction, windows[i]);
        return windows;
    }

    StoredWindow Resolve(SqliteConnection connection, SqliteTransaction transaction, StoredWindow window)
    {
        var monitors = Strings(connection, transaction,
            "SELECT m.uid FROM maintenance_monitors w JOIN monitors m ON m.id = w.monitor_id WHERE w.window_id = $id ORDER BY m.id", window.Key);
        var channels = Strings(connection, transaction,
            "SELECT c.uid FROM maintenance_channels w JOIN notification_channels c ON c.id = w.channel_id WHERE w.window_id = $id ORDER BY c.id", window.Key);
        var channelKeys = Keys(connection, transaction, "SELECT channel_id FROM maintenance_channels WHERE window_id = $id", window.Key);
        var targets = new SortedDictionary<long, string>();
        using (var direct = connection.CreateCommand())
        {
            direct.Transaction = transaction;
            direct.CommandText = """
                SELECT m.id, m.uid FROM maintenance_monitors w JOIN monitors m ON m.id = w.monitor_id WHERE w.window_id = $id
                UNION
                SELECT m.id, m.uid FROM monitor_tags mt JOIN tags t ON t.id = mt.tag_id JOIN monitors m ON m.id = mt.monitor_id
                WHERE t.name IN (SELECT value FROM json_each($tags))
                """;
            direct.Parameters.AddWithValue("$id", window.Key);
            direct.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(window.Tags, FlatlineJson.Default.ListString));
            using var rows = direct.ExecuteReader();
            while (rows.Read()) targets[rows.GetInt64(0)] = rows.GetString(1);
        }
        return window with
        {
            Monitors = monitors, NotifyChannels = channels, Channels = [.. channelKeys],
            Targets = [.. targets.Keys], TargetIds = [.. targets.Values],
        };
    }

    public StoredWindow? Get(string id) => All().Find(w => w.Id == id);

    public StoredWindow Create(MaintenanceDraft draft)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var id = Guid.CreateVersion7().ToString();
        Insert(connection, transaction, id, draft, Database.Now(time));
        transaction.Commit();
        return Get(id)!;
    }

    internal static void Insert(SqliteConnection connection, SqliteTransaction transaction, string id, MaintenanceDraft draft, long now)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO maintenance_windows (uid, title, description, schedule, tags, created_at, updated_at)
            VALUES ($uid, $title, $description, $schedule, $tags, $now, $now) RETURNING id
            """;
        insert.Parameters.AddWithValue("$uid", id);
        Bind(insert, draft, now);
        var key = (long)insert.ExecuteScalar()!;
        Link(connection, transaction, key, draft);
    }

    /// <summary>A changed schedule starts afresh: its notifications are announced again as they come.</summary>
    public StoredWindow? Update(string id, MaintenanceDraft draft)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        if (!Update(connection, transaction, id, draft, Database.Now(time))) return null;
        transaction.Commit();
        return Get(id);
    }

    internal static bool Update(SqliteConnection connection, SqliteTransaction transaction, string id, MaintenanceDraft draft, long now)
    {
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE maintenance_windows SET title = $title, description = $description, tags = $tags, updated_at = $now,
                announced_start = CASE WHEN schedule = $schedule THEN announced_start END,
                announced_end = CASE WHEN schedule = $schedule THEN announced_end END,
                schedule = $schedule
            WHERE uid = $uid RETURNING id
            """;
        update.Parameters.AddWithValue("$uid", id);
        Bind(update, draft, now);
        if (update.ExecuteScalar() is not long key) return false;
        foreach (var table in new[] { "maintenance_monitors", "maintenance_channels" })
        {
            using var clear = connection.CreateCommand();
            clear.Transaction = transaction;
            clear.CommandText = $"DELETE FROM {table} WHERE window_id = $id";
            clear.Parameters.AddWithValue("$id", key);
            clear.ExecuteNonQuery();
        }
        Link(connection, transaction, key, draft);
        return true;
    }

    public bool Delete(string id) => Sql.DeleteRow(database, "maintenance_windows", "uid", id);

    internal static bool Delete(SqliteConnection connection, SqliteTransaction? transaction, string id) =>
        Sql.DeleteRow(connection, transaction, "maintenance_windows", "uid", id);

    /// <summary>Records that the occurrence starting at <paramref name="start"/> was announced as started (or ended).</summary>
    public void MarkAnnounced(SqliteConnection connection, SqliteTransaction transaction, long key, long start, bool ended)
    {
        using var mark = connection.CreateCommand();
        mark.Transaction = transaction;
        mark.CommandText = ended
            ? "UPDATE maintenance_windows SET announced_end = $start WHERE id = $id"
            : "UPDATE maintenance_windows SET announced_start = $start WHERE id = $id";
        mark.Parameters.AddWithValue("$start", start);
        mark.Parameters.AddWithValue("$id", key);
        mark.ExecuteNonQuery();
    }

    public bool MonitorExists(string id) => Exists("SELECT 1 FROM monitors WHERE uid = $v", id);

    public bool TagInUse(string name) => Exists("SELECT 1 FROM tags t JOIN monitor_tags mt ON mt.tag_id = t.id WHERE t.name = $v LIMIT 1", name);

    public bool ChannelExists(string id) => Exists("SELECT 1 FROM notification_channels WHERE uid = $v", id);

    bool Exists(string sql, string value)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$v", value);
        return command.ExecuteScalar() is not null;
    }

    static void Bind(SqliteCommand command, MaintenanceDraft draft, long now)
    {
        command.Parameters.AddWithValue("$title", draft.Title);
        command.Parameters.AddWithValue("$description", (object?)draft.Description ?? DBNull.Value);
        command.Parameters.AddWithValue("$schedule", JsonSerializer.Serialize(draft.Schedule, FlatlineJson.Default.MaintenanceSchedule));
        command.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(draft.Tags, FlatlineJson.Default.ListString));
        command.Parameters.AddWithValue("$now", now);
    }

    static void Link(SqliteConnection connection, SqliteTransaction transaction, long key, MaintenanceDraft draft)
    {
        foreach (var (sql, ids) in new[]
        {
            ("INSERT OR IGNORE INTO maintenance_monitors (window_id, monitor_id) SELECT $window, id FROM monitors WHERE uid = $uid", draft.Monitors),
            ("INSERT OR IGNORE INTO maintenance_channels (window_id, channel_id) SELECT $window, id FROM notification_channels WHERE uid = $uid", draft.NotifyChannels),
        })
        {
            using var insert = Sql.Prepare(connection, transaction, sql, "$window", "$uid");
            foreach (var id in ids) insert.Bind(key, id).ExecuteNonQuery();
        }
    }

    static List<string> Strings(SqliteConnection connection, SqliteTransaction transaction, string sql, long key)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", key);
        using var rows = command.ExecuteReader();
        var list = new List<string>();
        while (rows.Read()) list.Add(rows.GetString(0));
        return list;
    }

    internal static List<long> Keys(SqliteConnection connection, SqliteTransaction? transaction, string sql, long key)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", key);
        using var rows = command.ExecuteReader();
        var list = new List<long>();
        while (rows.Read()) list.Add(rows.GetInt64(0));
        return list;
    }
}
