using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Incidents: the one owner of their SQL. At most one is open per monitor, which the
/// database enforces (incidents_one_open); opening and resolving happen in the caller's transaction.</summary>
public sealed class IncidentStore(Database database)
{
    /// <summary>Newest first by start; null when the monitor does not exist.</summary>
    public List<IncidentView>? List(string monitorId, int limit, DateTimeOffset? before) => MonitorStore.Page(database, monitorId, limit, before, """
        SELECT uid, started_at, resolved_at, cause, resolution, locations FROM incidents
        WHERE monitor_id = $key AND started_at < $before
        ORDER BY started_at DESC LIMIT $limit
        """, reader => Read(reader, monitorId));

    /// <summary>Restart keeps the truth: a monitor with an open incident is down, whatever else the row says.</summary>
    public void MarkOpenIncidentsDown()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE monitors SET status = 2
            WHERE enabled = 1 AND status != 2 AND id IN (SELECT monitor_id FROM incidents WHERE resolved_at IS NULL)
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Pausing ends the open incident at the pause time, as 'paused' (no recovery is sent).</summary>
    public static void ResolvePaused(SqliteConnection connection, SqliteTransaction transaction, long monitorKey, long at)
    {
        using var resolve = connection.CreateCommand();
        resolve.Transaction = transaction;
        resolve.CommandText = "UPDATE incidents SET resolved_at = $at, resolution = 'paused' WHERE monitor_id = $key AND resolved_at IS NULL";
        resolve.Parameters.AddWithValue("$at", at);
        resolve.Parameters.AddWithValue("$key", monitorKey);
        resolve.ExecuteNonQuery();
    }

    static IncidentView Read(SqliteDataReader reader, string monitorId)
    {
        var started = reader.GetInt64(1);
        long? resolved = reader.IsDBNull(2) ? null : reader.GetInt64(2);
        return new IncidentView(reader.GetString(0), monitorId, Timestamps.FromMs(started), Timestamps.FromMs(resolved),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
            resolved is { } r ? (r - started) / 1000 : null)
        { Locations = LocationsOf(reader, 5) };
    }

    /// <summary>The stored <c>locations</c> of an incident; an incident of the main node alone stores none.</summary>
    internal static List<string> LocationsOf(SqliteDataReader reader, int column) => reader.IsDBNull(column)
        ? [LocationNames.Local]
        : System.Text.Json.JsonSerializer.Deserialize(reader.GetString(column), FlatlineJson.Default.ListString)!;

    static string? LocationsText(List<string> locations) =>
        locations is [LocationNames.Local] ? null : System.Text.Json.JsonSerializer.Serialize(locations, FlatlineJson.Default.ListString);

    /// <summary>Opens and resolves incidents for the result writer with statements prepared once per batch.</summary>
    public sealed class BatchWriter(SqliteConnection connection, SqliteTransaction transaction) : IDisposable
    {
        readonly SqliteCommand open = Sql.Prepare(connection, transaction,
            "INSERT OR IGNORE INTO incidents (uid, monitor_id, started_at, cause, locations) VALUES ($uid, $id, $at, $cause, $locations)",
            "$uid", "$id", "$at", "$cause", "$locations");
        readonly SqliteCommand resolve = Sql.Prepare(connection, transaction,
            "UPDATE incidents SET resolved_at = $at, resolution = 'recovered' WHERE monitor_id = $id AND resolved_at IS NULL RETURNING uid, started_at, cause, locations",
            "$at", "$id");
        readonly SqliteCommand addLocation = Sql.Prepare(connection, transaction, """
            UPDATE incidents SET locations = json_insert(coalesce(locations, '["local"]'), '$[#]', $location)
            WHERE monitor_id = $id AND resolved_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM json_each(coalesce(incidents.locations, '["local"]')) WHERE value = $location)
            """, "$location", "$id");

        /// <summary>The new incident, or null when one is open already.</summary>
        public IncidentView? Open(long monitorKey, string monitorId, long at, string? cause, List<string> locations)
        {
            var id = Guid.CreateVersion7().ToString();
            return open.Bind(id, monitorKey, at, cause, LocationsText(locations)).ExecuteNonQuery() == 1
                ? new IncidentView(id, monitorId, Timestamps.FromMs(at), null, cause, null, null) { Locations = locations }
                : null;
        }

        /// <summary>Names one more location that saw the open incident's monitor fail.</summary>
        public void AddLocation(long monitorKey, string location) => addLocation.Bind(location, monitorKey).ExecuteNonQuery();

        /// <summary>The resolved incident, or null when none was open.</summary>
        public IncidentView? Resolve(long monitorKey, string monitorId, long at)
        {
            using var resolved = resolve.Bind(at, monitorKey).ExecuteReader();
            if (!resolved.Read()) return null;
            var started = resolved.GetInt64(1);
            return new IncidentView(resolved.GetString(0), monitorId, Timestamps.FromMs(started), Timestamps.FromMs(at),
                resolved.IsDBNull(2) ? null : resolved.GetString(2), "recovered", (at - started) / 1000)
            { Locations = LocationsOf(resolved, 3) };
        }

        public void Dispose()
        {
            open.Dispose();
            resolve.Dispose();
            addLocation.Dispose();
        }
    }
}
