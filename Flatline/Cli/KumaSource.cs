using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>An Uptime Kuma 2.x database (SQLite; SPEC §17): its monitors of the types Flatline has,
/// its notifications of the channel types Flatline has with their links, its tags, its maintenance
/// windows, its status pages (groups as sections) with their incidents as announcements, and its
/// heartbeats as checks (with incidents from its down spans). Ids are Kuma's integers,
/// so each item gets a UUID made from the Kuma instance and the item (the same on every run, which is
/// what makes a second import find everything here already). What Flatline has no room for is listed
/// with the reason. Read as it stands; nothing is written to it.</summary>
public sealed partial class KumaSource : IImportSource
{
    public static readonly string[] Tables = ["monitor", "heartbeat", "notification", "monitor_notification", "tag", "monitor_tag", "maintenance", "monitor_maintenance"];

    readonly SqliteConnection connection;
    readonly HashSet<string> tables;
    readonly string instance;
    readonly CheckTypes checkTypes;
    readonly NotificationChannelTypes channelTypes;
    readonly Dictionary<long, string> imported = [];
    readonly Dictionary<long, (string Uid, string Slug)> pages = [];

    KumaSource(SqliteConnection connection, HashSet<string> tables, CheckTypes checkTypes, NotificationChannelTypes channelTypes)
    {
        this.connection = connection;
        this.tables = tables;
        this.checkTypes = checkTypes;
        this.channelTypes = channelTypes;
        // The instance's own secret tells two Kuma databases apart; it is hashed, never stored.
        instance = Scalar("SELECT value FROM setting WHERE key = 'jwtSecret'") as string ?? "uptime-kuma";
    }

    public string Description => "an Uptime Kuma 2.x database";

    public static KumaSource? TryOpen(SqliteConnection connection, HashSet<string> tables, string path, CheckTypes checkTypes, NotificationChannelTypes channelTypes)
    {
        if (!tables.Contains("monitor") || !tables.Contains("heartbeat") || !tables.Contains("knex_migrations")) return null;
        if (Tables.FirstOrDefault(t => !tables.Contains(t)) is { } missing)
            throw new ImportSourceException($"{path} looks like an Uptime Kuma database but has no table {missing} (Uptime Kuma 2.x is needed)");
        var source = new KumaSource(connection, tables, checkTypes, channelTypes);
        if (!source.Columns("monitor").Contains("accepted_statuscodes_json") || !source.Columns("heartbeat").Contains("retries"))
            throw new ImportSourceException($"{path} is from an Uptime Kuma older than 2.0: upgrade it to 2.x first, then import");
        return source;
    }

    /// <summary>A UUID for Kuma's item: SHA-256 of the instance, the kind and the id, as a version 8 UUID.</summary>
    string Uid(string kind, long id)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"uptime-kuma\n{instance}\n{kind}\n{id.ToString(CultureInfo.InvariantCulture)}"));
        hash[6] = (byte)(0x80 | (hash[6] & 0x0F));
        hash[8] = (byte)(0x80 | (hash[8] & 0x3F));
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    public ImportPlan Read()
    {
        var plan = new ImportPlan();
        var tagsOf = new Dictionary<long, List<string>>();
        Rows("SELECT t.name, t.color FROM tag t ORDER BY t.id", row => plan.Tags[Text(row, 0)!.Trim()] = (Text(row, 1) ?? "").ToLowerInvariant());
        Rows("SELECT mt.monitor_id, t.name, mt.value, m.name FROM monitor_tag mt JOIN tag t ON t.id = mt.tag_id JOIN monitor m ON m.id = mt.monitor_id ORDER BY mt.id", row =>
        {
            var monitor = Number(row, 0)!.Value;
            if (!tagsOf.TryGetValue(monitor, out var list)) tagsOf[monitor] = list = [];
            var tag = Text(row, 1)!.Trim();
            if (!list.Contains(tag)) list.Add(tag);
            if (Text(row, 2) is { Length: > 0 } value)
                plan.Notes.Add($"the tag {tag} of monitor '{Text(row, 3)}' came without its value '{value}': Flatline's tags have no values");
        });

        var groups = new Dictionary<long, string>();
        Rows("SELECT id, name FROM monitor WHERE type = 'group'", row => groups[Number(row, 0)!.Value] = Text(row, 1)!.Trim());
        Rows("""
            SELECT id, name, type, url, method, hostname, port, interval, maxretries, active, parent, upside_down, ignore_tls, maxredirects,
                   accepted_statuscodes_json, timeout, keyword, invert_keyword, dns_resolve_type, dns_resolve_server, headers, body, http_body_encoding,
                   created_date, json_path, json_path_operator, expected_value
            FROM monitor ORDER BY id
            """, row =>
        {
            var id = Number(row, 0)!.Value;
            var uid = Uid("monitor", id);
            var name = Text(row, 1) ?? "";
            var type = Text(row, 2) ?? "";
            var tags = tagsOf.GetValueOrDefault(id) ?? [];
            if (Number(row, 10) is { } parent && groups.TryGetValue(parent, out var group) && global::Flatline.Tags.Problem(group) is null && !tags.Contains(group))
                tags.Add(group);
            if (MonitorConfig(row, type, out var reason) is not { } config)
            {
                plan.Skipped.Add(new ImportSkip("monitor", $"{uid} ({Quote(name)}, {type})", reason!));
                return;
            }
            var interval = (int)Math.Max(10, Number(row, 7) ?? 60);
            var timeout = (int)Math.Clamp(Math.Round(Real(row, 15) ?? 48), 1, Math.Min(300, interval - 1));
            var created = ImportSources.ParseTime(Text(row, 23)) ?? 0;
            var body = Json(json =>
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteNumber("interval", interval);
                json.WriteNumber("timeout", timeout);
                json.WriteNumber("retries", Math.Clamp(Number(row, 8) ?? 0, 0, 10));
                json.WriteBoolean("enabled", Number(row, 9) == 1);
                json.WriteStartArray("tags");
                foreach (var tag in tags) json.WriteStringValue(tag);
                json.WriteEndArray();
                json.WritePropertyName("config");
                config(json);
                json.WriteEndObject();
            });
            imported[id] = uid;
            if (type == "push")
                plan.Notes.Add($"push monitor '{name}' gets a new push URL (Flatline makes its own tokens): point the job that calls Uptime Kuma's at it");
            plan.Monitors.Add(new ImportedMonitor(uid, body, created, created));
        });

        Rows("SELECT id, name, config FROM notification ORDER BY id", row =>
        {
            var uid = Uid("notification", Number(row, 0)!.Value);
            var name = Text(row, 1) ?? "";
            JsonElement kuma;
            try
            {
                kuma = JsonDocument.Parse(Text(row, 2) ?? "").RootElement.Clone();
            }
            catch (JsonException)
            {
                plan.Skipped.Add(new ImportSkip("notification channel", $"{uid} ({Quote(name)})", "its config is not JSON"));
                return;
            }
            var kumaType = kuma.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
            if (ChannelConfig(kuma, kumaType, out var reason) is not { } config)
            {
                plan.Skipped.Add(new ImportSkip("notification channel", $"{uid} ({Quote(name)}, {kumaType})", reason!));
                return;
            }
            var body = Json(json =>
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WritePropertyName("config");
                config(json);
                json.WriteEndObject();
            });
            plan.Channels.Add(new ImportedChannel(uid, body, 0, 0));
        });

        Rows("SELECT id, monitor_id, notification_id FROM monitor_notification ORDER BY id", row =>
            plan.Links.Add(new ImportedLink(Uid("monitor_notification", Number(row, 0)!.Value), Uid("monitor", Number(row, 1)!.Value),
                Uid("notification", Number(row, 2)!.Value), true, 0)));

        ReadWindows(plan);
        ReadIncidents(plan);
        ReadPages(plan);
        ReadAnnouncements(plan);
        return plan;
    }

    public IEnumerable<(ImportedCheck? Check, string? Skipped)> Checks(string monitorId)
    {
        var kumaId = imported.First(m => m.Value == monitorId).Key;
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, time, msg, ping FROM heartbeat WHERE monitor_id = $id ORDER BY time, id";
        command.Parameters.AddWithValue("$id", kumaId);
        using var row = command.ExecuteReader();
        while (row.Read())
        {
            var status = Number(row, 0);
            if (ImportSources.ParseTime(Text(row, 1)) is not { } at) yield return (null, "its time is not a time");
            else if (status == 3) yield return (null, "a maintenance heartbeat: no check ran");
            else if (status is not (0 or 1 or 2)) yield return (null, "its status is none of down, up, pending");
            else
            {
                var ok = status == 1;
                var message = Text(row, 2);
                // "200 - OK": Kuma puts the status code at the front of an http check's message.
                int? code = message is { Length: >= 3 } m && int.TryParse(m.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var c)
                    && c is >= 100 and <= 599 && (m.Length == 3 || m[3] == ' ') ? c : null;
                long? latency = Real(row, 3) is { } ms and >= 0 ? (long)Math.Round(ms * 1000) : null;
                yield return (new ImportedCheck(at, ok, code, latency, ok ? null : message), null);
            }
        }
    }

    static JsonElement? Object(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static JsonElement Json(Action<Utf8JsonWriter> write)
    {
        using var document = JsonDocument.Parse(SenderHttp.Json(write));
        return document.RootElement.Clone();
    }

    static string Quote(string name) => $"'{name}'";

    HashSet<string> Columns(string table)
    {
        var columns = new HashSet<string>(StringComparer.Ordinal);
        Rows($"SELECT name FROM pragma_table_info('{table}')", row => columns.Add(row.GetString(0)));
        return columns;
    }

    object? Scalar(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    void Rows(string sql, Action<SqliteDataReader> read)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var rows = command.ExecuteReader();
        while (rows.Read()) read(rows);
    }

    static string? Text(SqliteDataReader row, int i) => row.IsDBNull(i) ? null : Convert.ToString(row.GetValue(i), CultureInfo.InvariantCulture);

    static long? Number(SqliteDataReader row, int i) => row.IsDBNull(i) ? null : row.GetValue(i) switch
    {
        long value => value,
        double value when value == Math.Floor(value) => (long)value,
        string text when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => value,
        _ => null,
    };

    static double? Real(SqliteDataReader row, int i) => row.IsDBNull(i) ? null : row.GetValue(i) switch
    {
        long value => value,
        double value => value,
        _ => null,
    };
}
