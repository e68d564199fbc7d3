using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Status pages with their sections, and their announcements, in SQLite. Every write is one transaction.</summary>
public sealed class StatusPageStore(Database database, TimeProvider time)
{
    const string Columns = "id, uid, slug, title, description, logo_url, custom_domain, show_urls, password_hash, footer, created_at, updated_at";

    /// <summary>A write that a unique column refused: the field it names.</summary>
    public sealed record Taken(string Field);

    public List<StoredStatusPage> List()
    {
        using var connection = database.Open();
        var pages = Read(connection, null, "1 = 1 ORDER BY id", null);
        return pages;
    }

    public StoredStatusPage? Get(string id)
    {
        using var connection = database.Open();
        return Read(connection, null, "uid = $v", id) is [var page] ? page : null;
    }

    public StoredStatusPage? BySlug(string slug)
    {
        using var connection = database.Open();
        return Read(connection, null, "slug = $v", slug) is [var page] ? page : null;
    }

    /// <summary>Every custom domain and its page's slug.</summary>
    public Dictionary<string, string> Domains()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT custom_domain, slug FROM status_pages WHERE custom_domain IS NOT NULL";
        using var reader = command.ExecuteReader();
        var domains = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read()) domains[reader.GetString(0)] = reader.GetString(1);
        return domains;
    }

    /// <summary>The ids of the monitors on at least one page without a password: what badges may show.</summary>
    public HashSet<string> PublicMonitorIds()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT DISTINCT m.uid FROM status_page_monitors pm
            JOIN status_pages p ON p.id = pm.page_id JOIN monitors m ON m.id = pm.monitor_id
            WHERE p.password_hash IS NULL
            """;
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }

    /// <summary>The key of a monitor id, for the validator.</summary>
    public long? MonitorKey(string id)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM monitors WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", id);
        return command.ExecuteScalar() as long?;
    }

    public (StoredStatusPage? Page, Taken? Taken) Create(StatusPageDraft draft) =>
        Write((connection, transaction) => Insert(connection, transaction, Guid.CreateVersion7().ToString(), draft, Database.Now(time)));

    /// <summary>One write in a transaction of its own and the page as it then is; a slug or domain another page
    /// has is <see cref="Taken"/>, a page that is not there (the write says null) is neither.</summary>
    (StoredStatusPage? Page, Taken? Taken) Write(Func<SqliteConnection, SqliteTransaction, long?> write)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        long? key;
        try
        {
            key = write(connection, transaction);
        }
        catch (SqliteException e) when (TakenField(e) is { } field)
        {
            return (null, new Taken(field));
        }
        if (key is null) return (null, null);
        var page = Read(connection, transaction, "id = $v", key.Value)[0];
        transaction.Commit();
        return (page, null);
    }

    /// <summary>The page with its sections, inside the caller's transaction (an import, a configuration
    /// file); a slug or domain another page has throws (<see cref="TakenField"/> names it).</summary>
    internal static long Insert(SqliteConnection connection, SqliteTransaction transaction, string uid, StatusPageDraft draft, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO status_pages (uid, slug, title, description, logo_url, custom_domain, show_urls, password_hash, footer, created_at, updated_at)
            VALUES ($uid, $slug, $title, $description, $logo, $domain, $show_urls, $password, $footer, $now, $now)
            RETURNING id
            """;
        command.Parameters.AddWithValue("$uid", uid);
        command.Parameters.AddWithValue("$password", (object?)draft.PasswordHash ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", now);
        Bind(command, draft);
        var key = (long)command.ExecuteScalar()!;
        WriteSections(connection, transaction, key, draft.Sections);
        return key;
    }

    public (StoredStatusPage? Page, Taken? Taken) Update(long key, StatusPageDraft draft) =>
        Write((connection, transaction) => Update(connection, transaction, key, draft, Database.Now(time)) ? key : null);

    /// <summary>As <see cref="Insert"/>, for the page with <paramref name="key"/>; false when there is none.</summary>
    internal static bool Update(SqliteConnection connection, SqliteTransaction transaction, long key, StatusPageDraft draft, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE status_pages SET slug = $slug, title = $title, description = $description, logo_url = $logo,
                custom_domain = $domain, show_urls = $show_urls, footer = $footer, updated_at = $now,
                password_hash = CASE WHEN $password_changed THEN $password ELSE password_hash END
            WHERE id = $key
            """;
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$password_changed", draft.PasswordChanged);
        command.Parameters.AddWithValue("$password", (object?)draft.PasswordHash ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", now);
        Bind(command, draft);
        if (command.ExecuteNonQuery() == 0) return false;
        using (var clear = connection.CreateCommand())
        {
            clear.Transaction = transaction;
            clear.CommandText = "DELETE FROM status_page_sections WHERE page_id = $key";
            clear.Parameters.AddWithValue("$key", key);
            clear.ExecuteNonQuery();
        }
        WriteSections(connection, transaction, key, draft.Sections);
        return true;
    }

    public bool Delete(long key) => Sql.DeleteRow(database, "status_pages", "id", key);

    internal static bool Delete(SqliteConnection connection, SqliteTransaction? transaction, long key) =>
        Sql.DeleteRow(connection, transaction, "status_pages", "id", key);

    /// <summary>The draft a PATCH starts from: the page as stored, its monitors with their keys.</summary>
    public StatusPageDraft Draft(StoredStatusPage page)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT pm.section, m.id, m.uid FROM status_page_monitors pm JOIN monitors m ON m.id = pm.monitor_id
            WHERE pm.page_id = $key ORDER BY pm.section, pm.position
            """;
        command.Parameters.AddWithValue("$key", page.Key);
        var sections = page.View.Sections.ConvertAll(s => new SectionDraft(s.Name, []));
        using var reader = command.ExecuteReader();
        while (reader.Read()) sections[reader.GetInt32(0)].Monitors.Add(new PlacedMonitor(reader.GetInt64(1), reader.GetString(2)));
        var v = page.View;
        return new StatusPageDraft(v.Slug, v.Title, v.Description, v.LogoUrl, v.CustomDomain, sections, v.ShowUrls, false, null, v.Footer);
    }

    static void Bind(SqliteCommand command, StatusPageDraft draft)
    {
        command.Parameters.AddWithValue("$slug", draft.Slug);
        command.Parameters.AddWithValue("$title", draft.Title);
        command.Parameters.AddWithValue("$description", (object?)draft.Description ?? DBNull.Value);
        command.Parameters.AddWithValue("$logo", (object?)draft.LogoUrl ?? DBNull.Value);
        command.Parameters.AddWithValue("$domain", (object?)draft.CustomDomain ?? DBNull.Value);
        command.Parameters.AddWithValue("$show_urls", draft.ShowUrls);
        command.Parameters.AddWithValue("$footer", (object?)draft.Footer ?? DBNull.Value);
    }

    internal static string? TakenField(SqliteException e) =>
        e.SqliteErrorCode != 19 ? null
        : e.Message.Contains("status_pages.slug", StringComparison.Ordinal) ? "slug"
        : e.Message.Contains("status_pages.custom_domain", StringComparison.Ordinal) ? "custom_domain"
        : null;

    static void WriteSections(SqliteConnection connection, SqliteTransaction transaction, long key, List<SectionDraft> sections)
    {
        using var section = Sql.Prepare(connection, transaction,
            "INSERT INTO status_page_sections (page_id, position, name) VALUES ($page, $position, $name)", "$page", "$position", "$name");
        using var monitor = Sql.Prepare(connection, transaction,
            "INSERT INTO status_page_monitors (page_id, section, position, monitor_id) VALUES ($page, $section, $position, $monitor)",
            "$page", "$section", "$position", "$monitor");
        for (var i = 0; i < sections.Count; i++)
        {
            section.Bind(key, i, sections[i].Name).ExecuteNonQuery();
            for (var j = 0; j < sections[i].Monitors.Count; j++) monitor.Bind(key, i, j, sections[i].Monitors[j].Key).ExecuteNonQuery();
        }
    }

    static List<StoredStatusPage> Read(SqliteConnection connection, SqliteTransaction? transaction, string where, object? value)
    {
        var pages = new List<StoredStatusPage>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"SELECT {Columns} FROM status_pages WHERE {where}";
            if (value is not null) command.Parameters.AddWithValue("$v", value);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                var password = Text(8);
                pages.Add(new StoredStatusPage(reader.GetInt64(0), password, new StatusPageView(
                    reader.GetString(1), reader.GetString(2), reader.GetString(3), Text(4), Text(5), Text(6), [],
                    reader.GetBoolean(7), password is not null, Text(9),
                    Timestamps.FromMs(reader.GetInt64(10)), Timestamps.FromMs(reader.GetInt64(11)))));
            }
        }
        if (pages.Count == 0) return pages;
        // Positions are 0..n-1 as WriteSections numbers them, so a monitor's section is an index.
        using var sections = Sql.Prepare(connection, transaction, "SELECT name FROM status_page_sections WHERE page_id = $page ORDER BY position", "$page");
        using var monitors = Sql.Prepare(connection, transaction, """
            SELECT pm.section, m.uid FROM status_page_monitors pm JOIN monitors m ON m.id = pm.monitor_id
            WHERE pm.page_id = $page ORDER BY pm.section, pm.position
            """, "$page");
        foreach (var page in pages)
        {
            using (var names = sections.Bind(page.Key).ExecuteReader())
                while (names.Read()) page.View.Sections.Add(new StatusPageSection(names.GetString(0), []));
            using var rows = monitors.Bind(page.Key).ExecuteReader();
            while (rows.Read()) page.View.Sections[rows.GetInt32(0)].Monitors.Add(rows.GetString(1));
        }
        return pages;
    }
}
