using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Flatline.Tests;

/// <summary>A database shaped as the original Flatline's (SPEC §11: tables monitors, monitor_checks,
/// incidents, notification_channels, monitor_notifications and users; UUID text ids, RFC 3339 text
/// times, config JSON text, booleans 0/1), written with SQLite row by row: what <c>flatline import</c>
/// reads. <see cref="Sample"/> fills one with a bit of everything.</summary>
public sealed class OriginalDatabase : IDisposable
{
    const string Schema = """
        CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);
        CREATE TABLE monitors (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL, interval INTEGER NOT NULL,
            timeout INTEGER NOT NULL, retries INTEGER NOT NULL DEFAULT 0, enabled INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE monitor_checks (id TEXT NOT NULL PRIMARY KEY, monitor_id TEXT NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
            status TEXT NOT NULL, status_code INTEGER, response_time_ms INTEGER NOT NULL, error_message TEXT, checked_at TEXT NOT NULL);
        CREATE INDEX monitor_checks_by_monitor ON monitor_checks(monitor_id, checked_at);
        CREATE TABLE incidents (id TEXT NOT NULL PRIMARY KEY, monitor_id TEXT NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
            started_at TEXT NOT NULL, resolved_at TEXT);
        CREATE TABLE notification_channels (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE monitor_notifications (id TEXT NOT NULL PRIMARY KEY, monitor_id TEXT NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
            channel_id TEXT NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE, on_recovery INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL, UNIQUE(monitor_id, channel_id));
        CREATE TABLE users (id TEXT NOT NULL PRIMARY KEY, sub TEXT NOT NULL UNIQUE, email TEXT, name TEXT, created_at TEXT NOT NULL);
        """;

    readonly SqliteConnection connection;

    public OriginalDatabase(string path, long schemaVersion = OriginalSource.KnownSchemaVersion)
    {
        Path = path;
        _ = new Database(path); // sets up the SQLite provider, as the app does
        connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Execute(Schema);
        for (var version = 1; version <= schemaVersion; version++)
            Execute($"INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({version}, 'm{version}', 1, x'00', 1)");
    }

    public string Path { get; }

    /// <summary>RFC 3339 as chrono writes it: nine digits of fraction and a +00:00 offset.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00+00:00";

    public OriginalDatabase Monitor(string id, string name, string configJson, int interval = 60, int timeout = 10, int retries = 0, bool enabled = true, DateTimeOffset? created = null)
    {
        var at = Time(created ?? DateTimeOffset.UtcNow.AddDays(-10));
        return Insert("INSERT INTO monitors VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)", id, name, configJson, interval, timeout, retries, enabled ? 1 : 0, at);
    }

    public OriginalDatabase Check(string monitorId, DateTimeOffset at, bool up, int? statusCode, long responseTimeMs, string? error = null) =>
        Insert("INSERT INTO monitor_checks VALUES ($1, $2, $3, $4, $5, $6, $7)",
            Guid.CreateVersion7(at).ToString(), monitorId, up ? "up" : "down", statusCode, responseTimeMs, error, Time(at));

    public OriginalDatabase Incident(string id, string monitorId, DateTimeOffset started, DateTimeOffset? resolved) =>
        Insert("INSERT INTO incidents VALUES ($1, $2, $3, $4)", id, monitorId, Time(started), resolved is { } r ? Time(r) : null);

    public OriginalDatabase Channel(string id, string name, string configJson) =>
        Insert("INSERT INTO notification_channels VALUES ($1, $2, $3, $4, $4)", id, name, configJson, Time(DateTimeOffset.UtcNow.AddDays(-9)));

    public OriginalDatabase Link(string id, string monitorId, string channelId, bool onRecovery) =>
        Insert("INSERT INTO monitor_notifications VALUES ($1, $2, $3, $4, $5)", id, monitorId, channelId, onRecovery ? 1 : 0, Time(DateTimeOffset.UtcNow.AddDays(-9)));

    public OriginalDatabase User(string id, string subject, string? email, string? name, DateTimeOffset created) =>
        Insert("INSERT INTO users VALUES ($1, $2, $3, $4, $5)", id, subject, email, name, Time(created));

    public void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    OriginalDatabase Insert(string sql, params object?[] values)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++) command.Parameters.AddWithValue($"${i + 1}", values[i] ?? DBNull.Value);
        command.ExecuteNonQuery();
        return this;
    }

    public void Dispose() => connection.Dispose();

    /// <summary>What <see cref="Sample"/> holds, for the tests' assertions.</summary>
    public sealed record SampleFacts(
        string Api, string Shop, string Paused, string Invalid, string Resolved, string Open, string Slack, string Telegram, string Webhook,
        string ApiLink, string ShopLink, string Owner, DateTimeOffset Start, int ApiChecks, int ApiFailures, int ShopChecks, long DowntimeMs);

    /// <summary>Three monitors to take and one to leave out (an interval the API refuses): "api" with no
    /// <c>method</c> in its config, 180 checks a minute apart with a 5-minute outage (a resolved
    /// incident) and one unreadable check (status "sideways"); "shop" with a method, integer statuses, headers and a body, down at the end with an
    /// open incident; "old", paused. Slack, telegram and webhook channels, links, and two users.</summary>
    public static SampleFacts Sample(string path)
    {
        var start = new DateTimeOffset(DateTimeOffset.UtcNow.AddDays(-2).UtcDateTime.Date.AddHours(DateTimeOffset.UtcNow.Hour), TimeSpan.Zero);
        var f = new SampleFacts(Id(), Id(), Id(), Id(), Id(), Id(), Id(), Id(), Id(), Id(), Id(), Id(), start, 180, 5, 30, 0);
        using var db = new OriginalDatabase(path);
        db.Monitor(f.Api, "api", """{"type":"http","url":"http://127.0.0.1:9/health"}""", retries: 1)
          .Monitor(f.Shop, "shop", """{"type":"http","url":"http://127.0.0.1:9/cart","method":"post","expected_status":[200,201],"headers":{"X-Key":"v"},"body":{"type":"json","content":{"a":1}}}""")
          .Monitor(f.Paused, "old", """{"type":"http","url":"http://127.0.0.1:9/old","method":"GET"}""", enabled: false)
          .Monitor(f.Invalid, "too fast", """{"type":"http","url":"http://127.0.0.1:9/fast"}""", interval: 5, timeout: 2);
        // api: up at 120-129 ms, down from check 60 to 64 (503); the incident opens at the second failure.
        for (var i = 0; i < f.ApiChecks; i++)
        {
            var down = i is >= 60 and < 65;
            db.Check(f.Api, start.AddMinutes(i), !down, down ? 503 : 200, 120 + i % 10, down ? "unexpected status 503" : null);
        }
        db.Incident(f.Resolved, f.Api, start.AddMinutes(61), start.AddMinutes(65));
        // A row the import cannot read: left out, and counted.
        db.Execute($"INSERT INTO monitor_checks VALUES ('{Id()}', '{f.Api}', 'sideways', NULL, 0, NULL, '{Time(start.AddMinutes(30))}')");
        // shop: up, then down for its last 5 checks, timeouts with no status.
        for (var i = 0; i < f.ShopChecks; i++)
            db.Check(f.Shop, start.AddMinutes(i * 2), i < 25, i < 25 ? 201 : null, i < 25 ? 80 : 10_000, i < 25 ? null : "timeout");
        db.Incident(f.Open, f.Shop, start.AddMinutes(50), null);
        db.Check(f.Paused, start, true, 200, 50).Check(f.Paused, start.AddMinutes(1), true, 200, 51);
        db.Check(f.Invalid, start, true, 200, 5).Incident(Id(), f.Invalid, start, start.AddSeconds(30));
        db.Channel(f.Slack, "slack", """{"type":"slack","url":"https://hooks.slack.com/services/T0/B0/XXXX"}""")
          .Channel(f.Telegram, "telegram", """{"type":"telegram","url":"https://api.telegram.org/bot123:ABC","chat_id":"-100123"}""")
          .Channel(f.Webhook, "hook", """{"type":"webhook","url":"https://hooks.example.com/flatline"}""");
        db.Link(f.ApiLink, f.Api, f.Slack, onRecovery: true)
          .Link(f.ShopLink, f.Shop, f.Telegram, onRecovery: false)
          .Link(Id(), f.Invalid, f.Webhook, onRecovery: true);
        db.User(f.Owner, "auth0|owner", "owner@example.com", "Owner", start.AddDays(-30))
          .User(Id(), "auth0|other", null, null, start.AddDays(-20));
        return f with { DowntimeMs = 4 * 60_000 };
    }

    static string Id() => Guid.CreateVersion7().ToString();
}
