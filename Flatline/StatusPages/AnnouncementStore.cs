using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>A page's announcements and their updates.</summary>
public sealed class AnnouncementStore(Database database, TimeProvider time)
{
    /// <summary>Newest first, each with its updates oldest first; at most <paramref name="limit"/>.</summary>
    public List<AnnouncementView> List(StoredStatusPage page, int limit = 100)
    {
        using var connection = database.Open();
        return Read(connection, null, page.View.Id, "page_id = $v ORDER BY created_at DESC, id DESC LIMIT " + limit, page.Key);
    }

    public (long Key, AnnouncementView View)? Get(StoredStatusPage page, string id)
    {
        using var connection = database.Open();
        return Find(connection, null, page, id);
    }

    public AnnouncementView Create(StoredStatusPage page, AnnouncementDraft draft)
    {
        var now = Database.Now(time);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var key = Insert(connection, transaction, Guid.CreateVersion7().ToString(), page.Key, draft, now, now);
        var view = Read(connection, transaction, page.View.Id, "id = $v", key)[0];
        transaction.Commit();
        return view;
    }

    /// <summary>The announcement with its updates (those without a time at <paramref name="updatedAt"/>), inside the caller's transaction.</summary>
    internal static long Insert(SqliteConnection connection, SqliteTransaction transaction, string uid, long pageKey, AnnouncementDraft draft, long createdAt, long updatedAt)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO announcements (uid, page_id, title, severity, created_at, updated_at)
            VALUES ($uid, $page, $title, $severity, $created, $updated) RETURNING id
            """;
        command.Parameters.AddWithValue("$uid", uid);
        command.Parameters.AddWithValue("$page", pageKey);
        command.Parameters.AddWithValue("$title", draft.Title);
        command.Parameters.AddWithValue("$severity", Severity(draft.Severity));
        command.Parameters.AddWithValue("$created", createdAt);
        command.Parameters.AddWithValue("$updated", updatedAt);
        var key = (long)command.ExecuteScalar()!;
        foreach (var update in draft.Updates) Insert(connection, transaction, key, update, updatedAt);
        return key;
    }

    public AnnouncementView? Update(StoredStatusPage page, string id, AnnouncementDraft draft)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        if (Find(connection, transaction, page, id) is not { } found) return null;
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE announcements SET title = $title, severity = $severity, updated_at = $now WHERE id = $key";
        command.Parameters.AddWithValue("$title", draft.Title);
        command.Parameters.AddWithValue("$severity", Severity(draft.Severity));
        command.Parameters.AddWithValue("$now", Database.Now(time));
        command.Parameters.AddWithValue("$key", found.Key);
        command.ExecuteNonQuery();
        var view = Read(connection, transaction, page.View.Id, "id = $v", found.Key)[0];
        transaction.Commit();
        return view;
    }

    public AnnouncementView? AddUpdate(StoredStatusPage page, string id, AnnouncementUpdateDraft update)
    {
        var now = Database.Now(time);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        if (Find(connection, transaction, page, id) is not { } found) return null;
        Insert(connection, transaction, found.Key, update, now);
        using (var touch = connection.CreateCommand())
        {
            touch.Transaction = transaction;
            touch.CommandText = "UPDATE announcements SET updated_at = $now WHERE id = $key";
            touch.Parameters.AddWithValue("$now", now);
            touch.Parameters.AddWithValue("$key", found.Key);
            touch.ExecuteNonQuery();
        }
        var view = Read(connection, transaction, page.View.Id, "id = $v", found.Key)[0];
        transaction.Commit();
        return view;
    }

    public bool Delete(StoredStatusPage page, string id)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM announcements WHERE uid = $uid AND page_id = $page";
        command.Parameters.AddWithValue("$uid", id);
        command.Parameters.AddWithValue("$page", page.Key);
        return command.ExecuteNonQuery() == 1;
    }

    static (long Key, AnnouncementView View)? Find(SqliteConnection connection, SqliteTransaction? transaction, StoredStatusPage page, string id)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id FROM announcements WHERE uid = $uid AND page_id = $page";
        command.Parameters.AddWithValue("$uid", id);
        command.Parameters.AddWithValue("$page", page.Key);
        if (command.ExecuteScalar() is not long key) return null;
        return (key, Read(connection, transaction, page.View.Id, "id = $v", key)[0]);
    }

    static void Insert(SqliteConnection connection, SqliteTransaction transaction, long announcement, AnnouncementUpdateDraft update, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO announcement_updates (uid, announcement_id, status, message, at) VALUES ($uid, $a, $status, $message, $at)";
        command.Parameters.AddWithValue("$uid", Guid.CreateVersion7().ToString());
        command.Parameters.AddWithValue("$a", announcement);
        command.Parameters.AddWithValue("$status", Status(update.Status));
        command.Parameters.AddWithValue("$message", update.Message);
        command.Parameters.AddWithValue("$at", update.At ?? now);
        command.ExecuteNonQuery();
    }

    static List<AnnouncementView> Read(SqliteConnection connection, SqliteTransaction? transaction, string pageId, string where, object value)
    {
        var found = new List<(long Key, AnnouncementView View)>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"SELECT id, uid, title, severity, created_at, updated_at FROM announcements WHERE {where}";
            command.Parameters.AddWithValue("$v", value);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                found.Add((reader.GetInt64(0), new AnnouncementView(reader.GetString(1), pageId, reader.GetString(2), ParseSeverity(reader.GetString(3)) ?? AnnouncementSeverity.Info, [],
                    Timestamps.FromMs(reader.GetInt64(4)), Timestamps.FromMs(reader.GetInt64(5)))));
        }
        using var updates = Sql.Prepare(connection, transaction,
            "SELECT uid, status, message, at FROM announcement_updates WHERE announcement_id = $a ORDER BY at, id", "$a");
        foreach (var (key, view) in found)
        {
            using var rows = updates.Bind(key).ExecuteReader();
            while (rows.Read())
                view.Updates.Add(new AnnouncementUpdate(rows.GetString(0), ParseStatus(rows.GetString(1)) ?? AnnouncementStatus.Investigating, rows.GetString(2), Timestamps.FromMs(rows.GetInt64(3))));
        }
        return found.ConvertAll(f => f.View);
    }

    // The API's and the database's names, in the enums' order.
    static readonly string[] SeverityNames = ["info", "minor", "major", "maintenance"];
    static readonly string[] StatusNames = ["investigating", "identified", "monitoring", "resolved"];

    internal static string Severity(AnnouncementSeverity severity) => SeverityNames[(int)severity];

    internal static string Status(AnnouncementStatus status) => StatusNames[(int)status];

    /// <summary>The severity of its name; null for any other text.</summary>
    internal static AnnouncementSeverity? ParseSeverity(string? text) => Array.IndexOf(SeverityNames, text) is var i and >= 0 ? (AnnouncementSeverity)i : null;

    internal static AnnouncementStatus? ParseStatus(string? text) => Array.IndexOf(StatusNames, text) is var i and >= 0 ? (AnnouncementStatus)i : null;
}
