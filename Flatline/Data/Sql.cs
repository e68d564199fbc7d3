using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Prepared commands for loops that run one statement many times in a transaction.</summary>
public static class Sql
{
    public static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction? transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    /// <summary>Sets the parameters in order (null becomes SQL NULL).</summary>
    public static SqliteCommand Bind(this SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return command;
    }
}
