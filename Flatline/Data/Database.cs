using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Opens connections to the one SQLite file with the pragmas every connection needs.</summary>
public sealed class Database
{
    static Database() => SQLitePCL.raw.SetProvider(new SQLitePCL.SQLite3Provider_sqlite3());

    /// <summary>Sets up the SQLite provider (the static constructor above runs before this returns), for a
    /// connection opened with no Database: an import's source file, a test's own connection.</summary>
    public static void EnsureProvider()
    {
    }

    // Debian's SQLite defaults to foreign_keys=0, synchronous=FULL and SECURE_DELETE, so every
    // connection sets them. secure_delete=FAST still zeroes freed content when that costs no I/O.
    const string ConnectionPragmas =
        "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA secure_delete=FAST;";

    readonly string connectionString;

    /// <summary>The SQLite handles whose pragmas are set; a handle leaves when the pool closes it.</summary>
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> prepared = new();
    static readonly object Prepared = new();

    public Database(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 5,
        }.ToString();
    }

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // On a file system that is read-only at this moment SQLite opens the file read-only
            // instead of failing, and the pool would hand out that connection for good: writes would
            // keep failing with SQLITE_READONLY after the disk came back. Clearing the pool makes this
            // one be closed when it is given back, so the next Open tries read-write again.
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1) SqliteConnection.ClearPool(connection);
            // A pooled connection keeps its SQLite handle, and the handle its pragmas: they are set once
            // per handle, not on every open (four statements prepared and run on each API request before).
            if (!prepared.TryGetValue(connection.Handle!, out _))
            {
                using var pragmas = connection.CreateCommand();
                pragmas.CommandText = ConnectionPragmas;
                pragmas.ExecuteNonQuery();
                prepared.AddOrUpdate(connection.Handle!, Prepared);
            }
            return connection;
        }
        catch
        {
            // A WAL file whose -shm cannot be opened fails here; the half-open connection must go
            // back (and out of) the pool now, not when the collector finds it.
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Creates the file (and its folder) if missing, switches it to WAL and applies migrations.</summary>
    public void Initialize()
    {
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        using var connection = Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }
        Migrator.Apply(connection);
    }

    /// <summary>Closes this database's idle pooled connections (and no other database's), so that its
    /// files can be moved, deleted or remounted.</summary>
    public void ReleaseConnections()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>A consistent online copy of the database, safe while Flatline runs.</summary>
    public void BackupTo(string file)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "VACUUM INTO $file";
        command.Parameters.AddWithValue("$file", System.IO.Path.GetFullPath(file));
        command.ExecuteNonQuery();
    }

    public static long Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();
}
