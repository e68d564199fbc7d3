using System.Reflection;
using Microsoft.Data.Sqlite;

namespace Flatline;

public sealed class SchemaTooNewException(long found, long known)
    : Exception($"the database schema is at version {found} but this flatline knows only up to {known}: run a newer flatline");

/// <summary>Applies the numbered migrations embedded in the executable, each in its own transaction.</summary>
public static class Migrator
{
    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(Migrator).Assembly;
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith("migrations/", StringComparison.Ordinal)) continue;
            var name = resource["migrations/".Length..^".sql".Length];
            var version = int.Parse(name[..name.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(version, name, reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        return list;
    }

    /// <summary>Returns the versions it applied.</summary>
    public static List<int> Apply(SqliteConnection connection)
    {
        Execute(connection, null, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            ) STRICT;
            """);

        var current = CurrentVersion(connection);
        var known = Embedded.Count == 0 ? 0 : Embedded[^1].Version;
        if (current > known) throw new SchemaTooNewException(current, known);

        var applied = new List<int>();
        foreach (var migration in Embedded)
        {
            if (migration.Version <= current) continue;
            using var transaction = connection.BeginTransaction(deferred: false);
            // Another process may have migrated between our read and our write lock.
            if (CurrentVersion(connection, transaction) >= migration.Version) continue;
            Execute(connection, transaction, migration.Sql);
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($v, $n, $t)";
            record.Parameters.AddWithValue("$v", migration.Version);
            record.Parameters.AddWithValue("$n", migration.Name);
            record.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            record.ExecuteNonQuery();
            transaction.Commit();
            applied.Add(migration.Version);
        }
        return applied;
    }

    public static long CurrentVersion(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_migrations";
        return (long)command.ExecuteScalar()!;
    }

    static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
