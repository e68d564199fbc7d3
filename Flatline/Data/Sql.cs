using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Commands for loops that run one statement many times in a transaction. Each is compiled at its
/// first execution and kept for the next ones: a writer batch sets up a dozen statements of which most
/// results use a few (incident, outbox and late-agent statements wait for rare cases), so compiling them
/// up front cost every batch their preparation.</summary>
public static class Sql
{
    public static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction? transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        return command;
    }

    /// <summary>Sets the parameters in order (null becomes SQL NULL).</summary>
    public static SqliteCommand Bind(this SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return command;
    }

    /// <summary>Deletes the row of <paramref name="table"/> whose <paramref name="column"/> is <paramref name="value"/>
    /// (both names the caller's constants); whether there was one.</summary>
    public static bool DeleteRow(SqliteConnection connection, SqliteTransaction? transaction, string table, string column, object value)
    {
        using var command = Prepare(connection, transaction, $"DELETE FROM {table} WHERE {column} = $value", "$value");
        return command.Bind(value).ExecuteNonQuery() == 1;
    }

    /// <summary><see cref="DeleteRow(SqliteConnection, SqliteTransaction?, string, string, object)"/> on a connection of its own.</summary>
    public static bool DeleteRow(Database database, string table, string column, object value)
    {
        using var connection = database.Open();
        return DeleteRow(connection, null, table, column, value);
    }
}
