using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

public sealed class MonitorStore(Database database)
{
    const string Columns = "uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at, status, last_checked_at, tls_expires_at";

    public List<MonitorView> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM monitors ORDER BY id";
        using var reader = command.ExecuteReader();
        var monitors = new List<MonitorView>();
        while (reader.Read()) monitors.Add(Read(reader));
        return monitors;
    }

    public MonitorView? Get(string id)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM monitors WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    internal static MonitorView Read(SqliteDataReader reader)
    {
        var enabled = reader.GetBoolean(6);
        using var config = JsonDocument.Parse(reader.GetString(2));
        return new MonitorView(
            reader.GetString(0), reader.GetString(1), config.RootElement.Clone(),
            reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5), enabled,
            Timestamps.FromMs(reader.GetInt64(7)), Timestamps.FromMs(reader.GetInt64(8)),
            enabled ? (MonitorStatus)reader.GetInt32(9) : MonitorStatus.Paused,
            reader.IsDBNull(10) ? null : Timestamps.FromMs(reader.GetInt64(10)),
            reader.IsDBNull(11) ? null : Timestamps.FromMs(reader.GetInt64(11)));
    }
}

public static class MonitorServices
{
    public static IServiceCollection AddMonitors(this IServiceCollection services) => services.AddSingleton<MonitorStore>();
}
