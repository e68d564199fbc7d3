using Microsoft.Data.Sqlite;

namespace Flatline.Tests.Foundation;

public class MigrationTests
{
    static List<string> Tables(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>A database made by a flatline that knew only the first <paramref name="migrations"/>, with <paramref name="rows"/> in it.</summary>
    static void OlderDatabase(string path, int migrations, string rows)
    {
        using var connection = new Database(path).Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT;"
            + string.Concat(Migrator.Embedded.Take(migrations).Select(m => m.Sql + $"INSERT INTO schema_migrations VALUES ({m.Version}, '{m.Name}', 0);"))
            + rows;
        create.ExecuteNonQuery();
    }

    [Test]
    public async Task An_empty_database_gets_every_migration_in_wal_mode()
    {
        using var folder = new TempFolder();
        var database = new Database(folder.File("sub/dir/flatline.db"));
        database.Initialize();
        using var connection = database.Open();
        var tables = Tables(connection);
        foreach (var table in new[] { "api_tokens", "checks", "incidents", "meta", "monitor_channels", "monitors", "notification_channels", "schema_migrations", "sessions", "users" })
            await Assert.That(tables).Contains(table);
        await Assert.That(Migrator.CurrentVersion(connection)).IsEqualTo((long)Migrator.Embedded[^1].Version);
        await Assert.That((string)Scalar(connection, "PRAGMA journal_mode")!).IsEqualTo("wal");
        await Assert.That((long)Scalar(connection, "PRAGMA foreign_keys")!).IsEqualTo(1L);
        await Assert.That((long)Scalar(connection, "PRAGMA synchronous")!).IsEqualTo(1L); // NORMAL
        await Assert.That((long)Scalar(connection, "PRAGMA busy_timeout")!).IsEqualTo(5000L);
    }

    [Test]
    public async Task An_existing_database_keeps_its_data_and_gets_nothing_twice()
    {
        using var folder = new TempFolder();
        var database = new Database(folder.File("flatline.db"));
        database.Initialize();
        new ApiTokenStore(database, TimeProvider.System).Create("kept", readOnly: false);

        using var connection = database.Open();
        var applied = Migrator.Apply(connection);
        await Assert.That(applied.Count).IsEqualTo(0);
        await Assert.That((long)Scalar(connection, "SELECT count(*) FROM schema_migrations")!).IsEqualTo((long)Migrator.Embedded.Count);
        await Assert.That((string)Scalar(connection, "SELECT name FROM api_tokens")!).IsEqualTo("kept");
    }

    [Test]
    public async Task A_database_at_an_older_version_is_brought_up_to_date()
    {
        using var folder = new TempFolder();
        var path = folder.File("old.db");
        OlderDatabase(path, 1, "INSERT INTO meta VALUES ('marker', 'from-v1');");
        var database = new Database(path);
        database.Initialize();
        using var check = database.Open();
        await Assert.That(Migrator.CurrentVersion(check)).IsEqualTo((long)Migrator.Embedded[^1].Version);
        await Assert.That((string)Scalar(check, "SELECT value FROM meta WHERE key = 'marker'")!).IsEqualTo("from-v1");
    }

    [Test]
    public async Task A_database_from_a_newer_flatline_is_refused()
    {
        using var folder = new TempFolder();
        var database = new Database(folder.File("flatline.db"));
        database.Initialize();
        using (var connection = database.Open())
        {
            using var bump = connection.CreateCommand();
            bump.CommandText = "INSERT INTO schema_migrations VALUES (9999, 'future', 0)";
            bump.ExecuteNonQuery();
        }
        await Assert.That(() => database.Initialize()).Throws<SchemaTooNewException>();
    }

    [Test]
    public async Task A_failing_migration_leaves_nothing_half_applied()
    {
        using var folder = new TempFolder();
        var database = new Database(folder.File("flatline.db"));
        using var connection = database.Open();
        // The first migration's tables exist already, so applying it fails part-way.
        using (var clash = connection.CreateCommand())
        {
            clash.CommandText = "CREATE TABLE users (x INTEGER)";
            clash.ExecuteNonQuery();
        }
        await Assert.That(() => Migrator.Apply(connection)).Throws<SqliteException>();
        await Assert.That(Migrator.CurrentVersion(connection)).IsEqualTo(0L);
        await Assert.That(Tables(connection)).DoesNotContain("monitors");
    }

    [Test]
    public async Task The_database_allows_one_open_incident_per_monitor()
    {
        using var folder = new TempFolder();
        var database = new Database(folder.File("flatline.db"));
        database.Initialize();
        using var connection = database.Open();
        using (var seed = connection.CreateCommand())
        {
            seed.CommandText = """
                INSERT INTO monitors (uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at)
                VALUES ('m', 'm', '{}', 60, 10, 0, 1, 0, 0);
                INSERT INTO incidents (uid, monitor_id, started_at) VALUES ('i1', 1, 1);
                """;
            seed.ExecuteNonQuery();
        }
        using var second = connection.CreateCommand();
        second.CommandText = "INSERT INTO incidents (uid, monitor_id, started_at) VALUES ('i2', 1, 2)";
        await Assert.That(() => second.ExecuteNonQuery()).Throws<SqliteException>();
    }

    [Test]
    public async Task The_stored_default_expected_status_reads_back_as_none_and_a_chosen_one_is_kept()
    {
        using var folder = new TempFolder();
        var path = folder.File("old.db");
        // A flatline that knew the first three migrations stored the default as ["2xx"].
        OlderDatabase(path, 3, """
            INSERT INTO monitors (uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at) VALUES
                ('default', 'd', '{"type":"http","url":"http://a.example/","method":"GET","expected_status":["2xx"],"follow_redirects":true}', 60, 10, 0, 0, 0, 0),
                ('chosen', 'c', '{"type":"http","url":"http://a.example/","method":"GET","expected_status":[200,"3xx"],"follow_redirects":true}', 60, 10, 0, 0, 0, 0),
                ('tcp', 't', '{"type":"tcp","host":"a.example","port":5432}', 60, 10, 0, 0, 0, 0);
            """);
        var database = new Database(path);
        database.Initialize();
        var monitors = new MonitorStore(database, TimeProvider.System);
        await Assert.That(((HttpMonitorConfig)monitors.Get("default")!.View.Config).ExpectedStatus).IsNull();
        await Assert.That(((HttpMonitorConfig)monitors.Get("default")!.View.Config).FollowRedirects).IsTrue();
        var chosen = ((HttpMonitorConfig)monitors.Get("chosen")!.View.Config).ExpectedStatus!;
        await Assert.That(string.Join(",", chosen.Select(e => e.GetRawText()))).IsEqualTo("200,\"3xx\"");
        await Assert.That(monitors.Get("tcp")!.View.Config).IsTypeOf<TcpMonitorConfig>();
    }
}
