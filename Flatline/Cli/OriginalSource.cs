using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>A database of the original Flatline (the Rust project this one re-creates): ids are UUID
/// text, times RFC 3339 text, <c>config</c> JSON text in the API's shapes, booleans 0/1. Read as it
/// stands; nothing is written to it.</summary>
public sealed class OriginalSource : IImportSource
{
    public static readonly string[] Tables = ["monitors", "monitor_checks", "incidents", "notification_channels", "monitor_notifications", "users"];

    /// <summary>The columns read from each table; <c>updated_at</c> of channels may be missing.</summary>
    static readonly Dictionary<string, string[]> Columns = new()
    {
        ["monitors"] = ["id", "name", "config", "interval", "timeout", "retries", "enabled", "created_at", "updated_at"],
        ["monitor_checks"] = ["monitor_id", "status", "status_code", "response_time_ms", "error_message", "checked_at"],
        ["incidents"] = ["id", "monitor_id", "started_at", "resolved_at"],
        ["notification_channels"] = ["id", "name", "config", "created_at"],
        ["monitor_notifications"] = ["id", "monitor_id", "channel_id", "on_recovery", "created_at"],
        ["users"] = ["id", "sub", "email", "name", "created_at"],
    };

    /// <summary>The newest of the original's sqlx migrations (<c>_sqlx_migrations.version</c>) this
    /// import knows: v0.5.2's schema. A file migrated further may hold what it would drop.</summary>
    public const long KnownSchemaVersion = 6;

    readonly SqliteConnection connection;
    readonly bool channelsHaveUpdatedAt;

    OriginalSource(SqliteConnection connection, bool channelsHaveUpdatedAt)
    {
        this.connection = connection;
        this.channelsHaveUpdatedAt = channelsHaveUpdatedAt;
    }

    public string Description => "the original Flatline's database";

    /// <summary>A source when the file has the original's tables; null when it has none of them.</summary>
    public static OriginalSource? TryOpen(SqliteConnection connection, HashSet<string> tables, string path)
    {
        if (!Tables.Any(tables.Contains)) return null;
        if (Tables.FirstOrDefault(t => !tables.Contains(t)) is { } missing)
            throw new ImportSourceException($"{path} looks like the original Flatline's database but has no table {missing}");
        foreach (var (table, columns) in Columns)
        {
            var present = ColumnsOf(connection, table);
            if (columns.FirstOrDefault(c => !present.Contains(c)) is { } column)
                throw new ImportSourceException($"{path} looks like the original Flatline's database but its table {table} has no column {column}");
        }
        if (tables.Contains("_sqlx_migrations") && Scalar(connection, "SELECT max(version) FROM _sqlx_migrations") is long version && version > KnownSchemaVersion)
            throw new ImportSourceException($"{path} is from a newer version of the original Flatline (schema {version}; this import knows up to {KnownSchemaVersion}): nothing was imported");
        return new OriginalSource(connection, ColumnsOf(connection, "notification_channels").Contains("updated_at"));
    }

    public ImportPlan Read()
    {
        var plan = new ImportPlan();
        Rows("SELECT id, name, config, interval, timeout, retries, enabled, created_at, updated_at FROM monitors ORDER BY created_at, id", row =>
        {
            var id = Text(row, 0) ?? "";
            if (Config(row, 2) is not { } config) return Skip(plan, "monitor", id, "its config is not a JSON object");
            if (ImportSources.ParseTime(Text(row, 7)) is not { } created) return Skip(plan, "monitor", id, "its created_at is not a time");
            // A missing value is left out, so that the API's default applies.
            var body = Body(row, config, json =>
            {
                foreach (var (name, column) in new[] { ("interval", 3), ("timeout", 4), ("retries", 5) })
                    if (Number(row, column) is { } value) json.WriteNumber(name, value);
                if (Number(row, 6) is { } enabled) json.WriteBoolean("enabled", enabled != 0);
            });
            plan.Monitors.Add(new ImportedMonitor(id, body, created, ImportSources.ParseTime(Text(row, 8)) ?? created));
            return true;
        });
        Rows($"SELECT id, name, config, created_at, {(channelsHaveUpdatedAt ? "updated_at" : "NULL")} FROM notification_channels ORDER BY created_at, id", row =>
        {
            var id = Text(row, 0) ?? "";
            if (Config(row, 2) is not { } config) return Skip(plan, "notification channel", id, "its config is not a JSON object");
            if (ImportSources.ParseTime(Text(row, 3)) is not { } created) return Skip(plan, "notification channel", id, "its created_at is not a time");
            plan.Channels.Add(new ImportedChannel(id, Body(row, config, _ => { }), created, ImportSources.ParseTime(Text(row, 4)) ?? created));
            return true;
        });
        Rows("SELECT id, monitor_id, channel_id, on_recovery, created_at FROM monitor_notifications ORDER BY created_at, id", row =>
        {
            var id = Text(row, 0) ?? "";
            if (ImportSources.ParseTime(Text(row, 4)) is not { } created) return Skip(plan, "link", id, "its created_at is not a time");
            plan.Links.Add(new ImportedLink(id, Text(row, 1) ?? "", Text(row, 2) ?? "", Number(row, 3) is not (null or 0), created));
            return true;
        });
        Rows("SELECT id, monitor_id, started_at, resolved_at FROM incidents ORDER BY started_at, id", row =>
        {
            var id = Text(row, 0) ?? "";
            if (ImportSources.ParseTime(Text(row, 2)) is not { } started) return Skip(plan, "incident", id, "its started_at is not a time");
            var resolved = ImportSources.ParseTime(Text(row, 3));
            if (Text(row, 3) is not null && resolved is null) return Skip(plan, "incident", id, "its resolved_at is not a time");
            plan.Incidents.Add(new ImportedIncident(id, Text(row, 1) ?? "", started, resolved));
            return true;
        });
        Rows("SELECT id, sub, email, name, created_at FROM users ORDER BY created_at, id", row =>
        {
            var id = Text(row, 0) ?? "";
            if (Text(row, 1) is not { Length: > 0 } subject) return Skip(plan, "user", id, "it has no OpenID subject");
            plan.Users.Add(new ImportedOwner(id, subject, Text(row, 2), Text(row, 3), ImportSources.ParseTime(Text(row, 4)) ?? 0));
            return true;
        });
        return plan;
    }

    public IEnumerable<(ImportedCheck? Check, string? Skipped)> Checks(string monitorId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT status, status_code, response_time_ms, error_message, checked_at FROM monitor_checks
            WHERE monitor_id = $id ORDER BY checked_at, rowid
            """;
        command.Parameters.AddWithValue("$id", monitorId);
        using var row = command.ExecuteReader();
        while (row.Read())
        {
            var status = Text(row, 0);
            if (ImportSources.ParseTime(Text(row, 4)) is not { } at) yield return (null, "its checked_at is not a time");
            else if (status is not ("up" or "down")) yield return (null, "its status is neither up nor down");
            else
            {
                // The original measured whole ms; a failed check's time is kept only when it got a status.
                var ok = status == "up";
                var code = Number(row, 1) is { } c and >= 100 and <= 599 ? (int?)c : null;
                long? latency = Number(row, 2) is { } ms and >= 0 && (ok || code is not null) ? ms * 1000 : null;
                yield return (new ImportedCheck(at, ok, code, latency, ok ? null : Text(row, 3)), null);
            }
        }
    }

    static bool Skip(ImportPlan plan, string kind, string id, string reason)
    {
        plan.Skipped.Add(new ImportSkip(kind, id, reason));
        return false;
    }

    void Rows(string sql, Func<SqliteDataReader, bool> read)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var rows = command.ExecuteReader();
        while (rows.Read()) read(rows);
    }

    static string? Text(SqliteDataReader row, int i) => row.IsDBNull(i) ? null : Convert.ToString(row.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);

    static long? Number(SqliteDataReader row, int i) => row.IsDBNull(i) ? null : row.GetValue(i) switch
    {
        long value => value,
        double value when value == Math.Floor(value) => (long)value,
        _ => null,
    };

    static JsonElement? Config(SqliteDataReader row, int i)
    {
        try
        {
            if (Text(row, i) is not { } json) return null;
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A create body: the row's <c>name</c> (column 1), its <paramref name="config"/>, and what <paramref name="more"/> writes.</summary>
    static JsonElement Body(SqliteDataReader row, JsonElement config, Action<Utf8JsonWriter> more)
    {
        var bytes = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            if (Text(row, 1) is { } name) json.WriteString("name", name);
            json.WritePropertyName("config");
            config.WriteTo(json);
            more(json);
            json.WriteEndObject();
        });
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    static HashSet<string> ColumnsOf(SqliteConnection connection, string table)
    {
        var columns = new HashSet<string>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
        using var rows = command.ExecuteReader();
        while (rows.Read()) columns.Add(rows.GetString(0));
        return columns;
    }

    static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
