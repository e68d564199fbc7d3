using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Flatline;

/// <summary>A statement run on a connection's SQLite handle directly, for a scan that reads many rows of a
/// few integer columns (the <c>/metrics</c> scan of every monitor): one call into SQLite per value, where
/// <see cref="SqliteDataReader"/> makes two (a type check, then the read). It takes part in whatever
/// transaction the connection is in; errors are thrown as <see cref="SqliteException"/>, as the reader's are.</summary>
public sealed class RawStatement : IDisposable
{
    readonly SqliteConnection connection;
    readonly sqlite3_stmt statement;

    RawStatement(SqliteConnection connection, sqlite3_stmt statement)
    {
        this.connection = connection;
        this.statement = statement;
    }

    public static RawStatement Prepare(SqliteConnection connection, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out var statement);
        if (rc != raw.SQLITE_OK)
        {
            statement?.Dispose();
            throw Failure(connection, rc);
        }
        return new RawStatement(connection, statement);
    }

    /// <summary>Moves to the next row; false after the last.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(statement);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc == raw.SQLITE_DONE) return false;
        throw Failure(connection, rc);
    }

    /// <summary>The column as an integer (0 for NULL, as SQLite converts it).</summary>
    public long Int64(int column) => raw.sqlite3_column_int64(statement, column);

    static SqliteException Failure(SqliteConnection connection, int rc) =>
        new(raw.sqlite3_errmsg(connection.Handle).utf8_to_string(), rc, raw.sqlite3_extended_errcode(connection.Handle));

    public void Dispose() => statement.Dispose();
}
