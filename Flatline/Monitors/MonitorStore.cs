using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Monitors, their checks and incidents in SQLite. Every write is one transaction.</summary>
public sealed class MonitorStore(Database database, TimeProvider time, IEnumerable<IQuietTime>? quietTime = null)
{
    readonly IQuietTime[] quiet = [.. quietTime ?? []];
    readonly IQuietTime[] maintenance = [.. (quietTime ?? []).Where(q => q.Kind == QuietKind.Maintenance)];

    /// <summary>Sets <see cref="MonitorView.InMaintenance"/> from the maintenance calendar.</summary>
    StoredMonitor? Annotate(StoredMonitor? monitor)
    {
        if (monitor is null || maintenance.Length == 0 || !monitor.View.Enabled) return monitor;
        return QuietTime.IsQuiet(maintenance, monitor.Key, Database.Now(time)) ? monitor with { View = monitor.View with { InMaintenance = true } } : monitor;
    }

    const string Columns = "id, revision, uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at, status, last_checked_at, tls_expires_at, degraded_reason, locations, quorum";

    /// <param name="type">Only monitors of this check type (push's deadlines at start-up need only theirs,
    /// and reading ten thousand others would hold up the first answer).</param>
    public List<StoredMonitor> List(string? type = null)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = type is null
            ? $"SELECT {Columns} FROM monitors ORDER BY id"
            : $"SELECT {Columns} FROM monitors WHERE json_extract(config, '$.type') = $type ORDER BY id";
        if (type is not null) command.Parameters.AddWithValue("$type", type);
        var monitors = new List<StoredMonitor>();
        using (var reader = command.ExecuteReader())
            while (reader.Read()) monitors.Add(Read(reader));
        return WithRelations(connection, null, monitors, null).ConvertAll(m => Annotate(m)!);
    }

    /// <summary>Adds tags, parents and the parents that are down, read for all of <paramref name="monitors"/> at once
    /// (<paramref name="key"/>: for that one monitor only).</summary>
    static List<StoredMonitor> WithRelations(SqliteConnection connection, SqliteTransaction? transaction, List<StoredMonitor> monitors, long? key)
    {
        var tags = new Dictionary<long, List<string>>();
        var parents = new Dictionary<long, List<string>>();
        var blocked = new Dictionary<long, List<string>>();
        var filter = key is null ? "" : " WHERE x.monitor_id = $key";
        Group(connection, transaction, $"SELECT x.monitor_id, t.name, 0 FROM monitor_tags x JOIN tags t ON t.id = x.tag_id{filter} ORDER BY t.name", key, tags, null);
        Group(connection, transaction, $"""
            SELECT x.monitor_id, p.uid, p.enabled = 1 AND p.status = 2 FROM (SELECT child_id AS monitor_id, parent_id FROM monitor_dependencies) x
            JOIN monitors p ON p.id = x.parent_id{filter} ORDER BY p.id
            """, key, parents, blocked);
        return monitors.ConvertAll(m => m with
        {
            View = m.View with
            {
                Tags = tags.GetValueOrDefault(m.Key) ?? [],
                DependsOn = parents.GetValueOrDefault(m.Key) ?? [],
                BlockedBy = m.View.Status == MonitorStatus.Paused ? [] : blocked.GetValueOrDefault(m.Key) ?? [],
            },
        });
    }

    static void Group(SqliteConnection connection, SqliteTransaction? transaction, string sql, long? key,
        Dictionary<long, List<string>> all, Dictionary<long, List<string>>? flagged)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        if (key is not null) command.Parameters.AddWithValue("$key", key);
        using var rows = command.ExecuteReader();
        while (rows.Read())
        {
            var monitor = rows.GetInt64(0);
            Add(all, monitor, rows.GetString(1));
            if (flagged is not null && rows.GetBoolean(2)) Add(flagged, monitor, rows.GetString(1));
        }

        static void Add(Dictionary<long, List<string>> map, long monitor, string value)
        {
            if (!map.TryGetValue(monitor, out var list)) map[monitor] = list = [];
            list.Add(value);
        }
    }

    /// <summary>Every dependency edge as (child id, parent id), for cycle checks.</summary>
    public List<(string Child, string Parent)> Dependencies()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT c.uid, p.uid FROM monitor_dependencies d JOIN monitors c ON c.id = d.child_id JOIN monitors p ON p.id = d.parent_id";
        using var rows = command.ExecuteReader();
        var edges = new List<(string, string)>();
        while (rows.Read()) edges.Add((rows.GetString(0), rows.GetString(1)));
        return edges;
    }

    public StoredMonitor? Get(string id)
    {
        using var connection = database.Open();
        return Annotate(Get(connection, null, "uid = $key", id));
    }

    public StoredMonitor? Get(long key)
    {
        using var connection = database.Open();
        return Annotate(Get(connection, null, "id = $key", key));
    }

    static StoredMonitor? Get(SqliteConnection connection, SqliteTransaction? transaction, string where, object key)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {Columns} FROM monitors WHERE {where}";
        command.Parameters.AddWithValue("$key", key);
        StoredMonitor monitor;
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read()) return null;
            monitor = Read(reader);
        }
        return WithRelations(connection, transaction, [monitor], monitor.Key)[0];
    }

    public StoredMonitor Create(MonitorDraft draft)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var key = Insert(connection, transaction, Guid.CreateVersion7().ToString(), draft, Database.Now(time));
        var created = Get(connection, transaction, "id = $key", key)!;
        transaction.Commit();
        return Annotate(created)!;
    }

    /// <summary>Inserts a monitor with its tags (and the parents that exist already) inside the caller's transaction; its key.</summary>
    internal static long Insert(SqliteConnection connection, SqliteTransaction transaction, string uid, MonitorDraft draft, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO monitors (uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at, enabled_at, accounted_until, locations, quorum)
            VALUES ($uid, $name, $config, $interval, $timeout, $retries, $enabled, $now, $now, CASE WHEN $enabled THEN $now END, CASE WHEN $enabled THEN $now END,
                $locations, $quorum)
            RETURNING id
            """;
        command.Parameters.AddWithValue("$uid", uid);
        BindDraft(command, draft);
        command.Parameters.AddWithValue("$now", now);
        var key = (long)command.ExecuteScalar()!;
        Tags.Write(connection, transaction, key, draft);
        return key;
    }

    /// <summary>Applies a validated draft. Pausing resolves an open incident (no recovery alert);
    /// resuming starts from unknown; a change to what the check does bumps the revision so that
    /// results of the old check are dropped. A rename changes nothing else.</summary>
    public StoredMonitor? Update(string id, MonitorDraft draft)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        if (Update(connection, transaction, id, draft, Database.Now(time), quiet) is not { } key) return null;
        var updated = Get(connection, transaction, "id = $key", key)!;
        transaction.Commit();
        return Annotate(updated);
    }

    /// <summary><see cref="Update(string, MonitorDraft)"/> inside the caller's transaction; the monitor's key, or null.</summary>
    /// <param name="quiet">Quiet time (maintenance, offline) that a pause splits off the span up to it.</param>
    internal static long? Update(SqliteConnection connection, SqliteTransaction transaction, string id, MonitorDraft draft, long now, IQuietTime[] quiet)
    {
        var current = Get(connection, transaction, "uid = $key", id);
        if (current is null) return null;
        var old = current.Draft;
        var checkChanged = old.Interval != draft.Interval || old.Timeout != draft.Timeout || old.Retries != draft.Retries
            || ConfigJson(old.Config) != ConfigJson(draft.Config)
            || LocationsText(old) != LocationsText(draft) || QuorumText(old) != QuorumText(draft);

        if (old.Enabled && !draft.Enabled)
        {
            // Enabled time, and down (or degraded) time if it was, runs up to the pause, its quiet parts split off
            // as after a check; paused time is neither.
            using (var accounted = connection.CreateCommand())
            {
                accounted.Transaction = transaction;
                accounted.CommandText = "SELECT accounted_until, status FROM monitors WHERE id = $key";
                accounted.Parameters.AddWithValue("$key", current.Key);
                using var reader = accounted.ExecuteReader();
                if (reader.Read() && !reader.IsDBNull(0))
                {
                    using var rollups = new RollupWriter(connection, transaction);
                    var from = reader.GetInt64(0);
                    rollups.AddSpan(current.Key, from, now, reader.GetInt32(1) == (int)MonitorStatus.Down,
                        reader.GetInt32(1) == (int)MonitorStatus.Degraded, QuietTime.Spans(quiet, current.Key, from, now));
                }
            }
            IncidentStore.ResolvePaused(connection, transaction, current.Key, now);
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE monitors SET name = $name, config = $config, interval_s = $interval, timeout_s = $timeout,
                retries = $retries, enabled = $enabled, updated_at = $now, revision = revision + $bump, locations = $locations, quorum = $quorum,
                status = CASE WHEN $enabled = enabled THEN status ELSE 0 END,
                consecutive_failures = CASE WHEN $enabled = enabled THEN consecutive_failures ELSE 0 END,
                consecutive_slow = CASE WHEN $enabled = enabled THEN consecutive_slow ELSE 0 END,
                degraded_reason = CASE WHEN $enabled = enabled THEN degraded_reason END,
                enabled_at = CASE WHEN $enabled = enabled THEN enabled_at WHEN $enabled THEN $now END,
                accounted_until = CASE WHEN $enabled = enabled THEN accounted_until WHEN $enabled THEN $now END
            WHERE id = $key
            """;
        BindDraft(command, draft);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$bump", checkChanged || old.Enabled != draft.Enabled ? 1 : 0);
        command.Parameters.AddWithValue("$key", current.Key);
        command.ExecuteNonQuery();
        Tags.Write(connection, transaction, current.Key, draft);
        // Resuming starts every location from unknown; a location no longer listed forgets its state.
        using (var states = connection.CreateCommand())
        {
            states.Transaction = transaction;
            states.CommandText = """
                DELETE FROM monitor_location_states WHERE monitor_id = $key
                    AND ($reset OR location NOT IN (SELECT value FROM json_each(coalesce($locations, '["local"]'))))
                """;
            states.Parameters.AddWithValue("$key", current.Key);
            states.Parameters.AddWithValue("$reset", old.Enabled != draft.Enabled);
            states.Parameters.AddWithValue("$locations", (object?)LocationsText(draft) ?? DBNull.Value);
            states.ExecuteNonQuery();
        }
        return current.Key;
    }

    /// <summary>Deletes the monitor with its checks, incidents and links. Returns its key, or null.</summary>
    public long? Delete(string id)
    {
        using var connection = database.Open();
        return Delete(connection, null, id);
    }

    internal static long? Delete(SqliteConnection connection, SqliteTransaction? transaction, string id)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM monitors WHERE uid = $uid RETURNING id";
        command.Parameters.AddWithValue("$uid", id);
        return command.ExecuteScalar() is long key ? key : null;
    }

    /// <summary>Newest first; null when the monitor does not exist. <paramref name="location"/>: only that
    /// location's checks (<c>local</c>: the main node's).</summary>
    public List<CheckView>? ListChecks(string id, int limit, DateTimeOffset? before, string? location = null)
    {
        var ids = new CheckIds(id);
        var only = location is null ? "" : location == LocationNames.Local ? " AND c.location IS NULL" : " AND c.location = (SELECT id FROM locations WHERE name = $location)";
        return Page(database, id, limit, before, $"""
            SELECT c.checked_at, c.ok, c.status_code, c.latency_us, c.error, CASE WHEN c.location IS NULL THEN 'local' ELSE l.name END
            FROM checks c LEFT JOIN locations l ON l.id = c.location
            WHERE c.monitor_id = $key AND c.checked_at < $before{only}
            ORDER BY c.checked_at DESC LIMIT $limit
            """, reader =>
            {
                var at = reader.GetInt64(0);
                long? latency = reader.IsDBNull(3) ? null : reader.GetInt64(3);
                return new CheckView(ids.Of(at), id, Timestamps.FromMs(at),
                    reader.GetBoolean(1) ? MonitorStatus.Up : MonitorStatus.Down,
                    reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    ResponseTimes.WholeMs(latency), ResponseTimes.Ms(latency),
                    reader.IsDBNull(4) ? null : reader.GetString(4))
                { Location = reader.IsDBNull(5) ? "deleted" : reader.GetString(5) };
            }, location);
    }

    /// <summary>One page of a monitor's rows by <paramref name="sql"/> (with <c>$key</c>, <c>$before</c>
    /// and <c>$limit</c>); null when the monitor does not exist.</summary>
    internal static List<T>? Page<T>(Database database, string id, int limit, DateTimeOffset? before, string sql, Func<SqliteDataReader, T> read, string? location = null)
    {
        using var connection = database.Open();
        if (KeyOf(connection, id) is not { } key) return null;
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$before", before?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        command.Parameters.AddWithValue("$limit", limit);
        if (location is not null) command.Parameters.AddWithValue("$location", location);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    /// <summary>One monitor's key, status and last check, by its id, without its config (badges need no more); null when it does not exist.</summary>
    public MonitorHeadline? Headline(string id)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, uid, enabled, status, last_checked_at FROM monitors WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadHeadline(reader) : null;
    }

    /// <summary>What the live stream's snapshot needs of each monitor, one page in key order after
    /// <paramref name="afterKey"/>: nothing of the config is read, so a page costs its rows only.</summary>
    public List<MonitorHeadline> Headlines(long afterKey, int limit)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, uid, enabled, status, last_checked_at FROM monitors WHERE id > $after ORDER BY id LIMIT $limit";
        command.Parameters.AddWithValue("$after", afterKey);
        command.Parameters.AddWithValue("$limit", limit);
        var page = new List<MonitorHeadline>(limit);
        using var reader = command.ExecuteReader();
        while (reader.Read()) page.Add(ReadHeadline(reader));
        return page;
    }

    static MonitorHeadline ReadHeadline(SqliteDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetBoolean(2) ? (MonitorStatus)reader.GetInt32(3) : MonitorStatus.Paused,
            reader.IsDBNull(4) ? null : Timestamps.FromMs(reader.GetInt64(4)));

    /// <summary>The internal key of every monitor, in key order.</summary>
    public static List<long> AllKeys(Database database)
    {
        var keys = new List<long>();
        using var connection = database.Open();
        using var list = connection.CreateCommand();
        list.CommandText = "SELECT id FROM monitors ORDER BY id";
        using var rows = list.ExecuteReader();
        while (rows.Read()) keys.Add(rows.GetInt64(0));
        return keys;
    }

    static long? KeyOf(SqliteConnection connection, string id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM monitors WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", id);
        return command.ExecuteScalar() as long?;
    }

    static void BindDraft(SqliteCommand command, MonitorDraft draft)
    {
        command.Parameters.AddWithValue("$name", draft.Name);
        command.Parameters.AddWithValue("$config", ConfigJson(draft.Config));
        command.Parameters.AddWithValue("$interval", draft.Interval);
        command.Parameters.AddWithValue("$timeout", draft.Timeout);
        command.Parameters.AddWithValue("$retries", draft.Retries);
        command.Parameters.AddWithValue("$enabled", draft.Enabled);
        command.Parameters.AddWithValue("$locations", (object?)LocationsText(draft) ?? DBNull.Value);
        command.Parameters.AddWithValue("$quorum", (object?)QuorumText(draft) ?? DBNull.Value);
    }

    /// <summary>The stored <c>locations</c>: null for the main node alone, so such rows read as before.</summary>
    static string? LocationsText(MonitorDraft draft) => draft.Locations is null or [LocationNames.Local]
        ? null : JsonSerializer.Serialize(draft.Locations, FlatlineJson.Default.ListString);

    static string? QuorumText(MonitorDraft draft) => draft.Quorum is null || draft.Quorum == Quorum.Majority ? null : draft.Quorum.Value.ToString();

    internal static string ConfigJson(MonitorConfig config) => JsonSerializer.Serialize(config, FlatlineJson.Default.MonitorConfig);

    static StoredMonitor Read(SqliteDataReader reader)
    {
        var enabled = reader.GetBoolean(8);
        var config = JsonSerializer.Deserialize(reader.GetString(4), FlatlineJson.Default.MonitorConfig)!;
        var view = new MonitorView(
            reader.GetString(2), reader.GetString(3), config,
            reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7), enabled,
            Timestamps.FromMs(reader.GetInt64(9)), Timestamps.FromMs(reader.GetInt64(10)),
            enabled ? (MonitorStatus)reader.GetInt32(11) : MonitorStatus.Paused,
            reader.IsDBNull(12) ? null : Timestamps.FromMs(reader.GetInt64(12)),
            reader.IsDBNull(13) ? null : Timestamps.FromMs(reader.GetInt64(13)),
            enabled && !reader.IsDBNull(14) ? reader.GetString(14) : null)
        {
            Locations = reader.IsDBNull(15) ? [LocationNames.Local] : JsonSerializer.Deserialize(reader.GetString(15), FlatlineJson.Default.ListString)!,
            Quorum = reader.IsDBNull(16) ? Quorum.Majority : Quorum.Parse(reader.GetString(16)) ?? Quorum.Majority,
        };
        return new StoredMonitor(reader.GetInt64(0), reader.GetInt32(1), view);
    }
}

public static class MonitorServices
{
    public static IServiceCollection AddMonitors(this IServiceCollection services)
    {
        services.AddSingleton(_ => CheckTypes.Create(TimeProvider.System));
        services.AddSingleton<MonitorStore>();
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<MonitorService>();
        return services;
    }
}

/// <summary>A monitor's key, id, status and last check time (see <see cref="MonitorStore.Headlines"/>).</summary>
public readonly record struct MonitorHeadline(long Key, string Id, MonitorStatus Status, DateTime? LastCheckedAt);
