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
public sealed class KumaSource : IImportSource
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

    /// <summary>Writes the monitor's Flatline config, or says why it cannot be one.</summary>
    Action<Utf8JsonWriter>? MonitorConfig(SqliteDataReader row, string type, out string? reason)
    {
        reason = null;
        if (Number(row, 11) == 1)
        {
            reason = "it is upside down (up when the check fails): Flatline has no inverted checks";
            return null;
        }
        switch (type)
        {
            case "json-query" when Operator(Text(row, 25)) is null:
                reason = $"its JSON query operator '{Text(row, 25)}' has no Flatline assertion";
                return null;
            case "http" or "keyword" or "json-query":
                if (type == "keyword" && Number(row, 17) == 1)
                {
                    reason = "it is up when the keyword is missing: Flatline's keyword check has no inverted form";
                    return null;
                }
                var url = Text(row, 3);
                var method = (Text(row, 4) ?? "GET").ToUpperInvariant();
                var statuses = StatusCodes(Text(row, 14));
                var headers = Object(Text(row, 20));
                var bodyText = Text(row, 21);
                var encoding = Text(row, 22) ?? "json";
                JsonElement? content = null;
                if (!string.IsNullOrWhiteSpace(bodyText))
                {
                    if (encoding != "json" || Object(bodyText) is not { } parsed)
                    {
                        reason = $"its request body is {encoding} text: Flatline sends JSON or form bodies";
                        return null;
                    }
                    content = parsed;
                }
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "http");
                    json.WriteString("url", url);
                    json.WriteString("method", method);
                    if (statuses is not null)
                    {
                        json.WriteStartArray("expected_status");
                        foreach (var status in statuses)
                            if (int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code)) json.WriteNumberValue(code);
                            else json.WriteStringValue(status);
                        json.WriteEndArray();
                    }
                    if (headers is { } h)
                    {
                        json.WritePropertyName("headers");
                        h.WriteTo(json);
                    }
                    if (content is { } c)
                    {
                        json.WriteStartObject("body");
                        json.WriteString("type", "json");
                        json.WritePropertyName("content");
                        c.WriteTo(json);
                        json.WriteEndObject();
                    }
                    if (type == "keyword") json.WriteString("keyword", Text(row, 16));
                    if (type == "json-query")
                    {
                        json.WriteStartArray("assertions");
                        json.WriteStartObject();
                        json.WriteString("source", "json");
                        json.WriteString("path", Text(row, 24) ?? "$");
                        json.WriteString("op", Operator(Text(row, 25)));
                        json.WriteString("value", Text(row, 26) ?? "");
                        json.WriteEndObject();
                        json.WriteEndArray();
                    }
                    json.WriteBoolean("follow_redirects", (Number(row, 13) ?? 10) > 0);
                    json.WriteBoolean("verify_tls", Number(row, 12) != 1);
                    json.WriteEndObject();
                };
            case "port":
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "tcp");
                    json.WriteString("host", Text(row, 5));
                    if (Number(row, 6) is { } port) json.WriteNumber("port", port);
                    json.WriteEndObject();
                };
            case "dns":
                var server = Text(row, 19) is { Length: > 0 } s ? (Number(row, 6) is { } p and not 53 ? $"{s}:{p}" : s) : null;
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "dns");
                    json.WriteString("name", Text(row, 5));
                    json.WriteString("record_type", Text(row, 18) ?? "A");
                    if (server is not null) json.WriteString("server", server);
                    json.WriteEndObject();
                };
            case "ping" when checkTypes.Find("ping") is not null:
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "ping");
                    json.WriteString("host", Text(row, 5));
                    json.WriteEndObject();
                };
            case "push" when checkTypes.Find("push") is not null:
                return json =>
                {
                    json.WriteStartObject();
                    json.WriteString("type", "push");
                    json.WriteEndObject();
                };
            case "group":
                reason = "a group is not a check in Flatline: its members carry its name as a tag";
                return null;
            default:
                reason = $"Flatline has no '{type}' check type";
                return null;
        }
    }

    /// <summary>Writes the channel's Flatline config from Kuma's, or says why there is none.</summary>
    Action<Utf8JsonWriter>? ChannelConfig(JsonElement kuma, string type, out string? reason)
    {
        reason = null;
        string? Get(string field) => kuma.TryGetProperty(field, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;
        (string Type, (string Field, string? Value)[] Fields)? mapped = type switch
        {
            "slack" => ("slack", [("url", Get("slackwebhookURL"))]),
            "discord" => ("discord", [("url", Get("discordWebhookUrl"))]),
            "telegram" => ("telegram", [("url", $"{(Get("telegramServerUrl") ?? "https://api.telegram.org").TrimEnd('/')}/bot{Get("telegramBotToken")}"), ("chat_id", Get("telegramChatID"))]),
            "webhook" => ("webhook", [("url", Get("webhookURL"))]),
            "ntfy" => ("ntfy", [("url", Get("ntfyserverurl")), ("topic", Get("ntfytopic")), ("token", Get("ntfyAuthenticationMethod") == "accessToken" ? Get("ntfyaccesstoken") : null)]),
            "gotify" => ("gotify", [("url", Get("gotifyserverurl")), ("token", Get("gotifyapplicationToken"))]),
            "PagerDuty" => ("pagerduty", [("routing_key", Get("pagerdutyIntegrationKey"))]),
            "pushover" => ("pushover", [("token", Get("pushoverapptoken")), ("user", Get("pushoveruserkey")), ("priority", Get("pushoverpriority"))]),
            "teams" => ("teams", [("url", Get("webhookUrl"))]),
            "mattermost" => ("mattermost", [("url", Get("mattermostWebhookUrl"))]),
            "GoogleChat" => ("google_chat", [("url", Get("googleChatWebhookURL"))]),
            "matrix" => ("matrix", [("homeserver", Get("homeserverUrl")), ("room_id", Get("internalRoomId")), ("access_token", Get("accessToken"))]),
            _ => null,
        };
        if (type == "smtp") mapped = ("email", []);
        if (mapped is not { } m || channelTypes.Find(m.Type) is not { } flatlineType)
        {
            reason = $"Flatline has no '{type}' notification channel type";
            return null;
        }
        return json =>
        {
            json.WriteStartObject();
            json.WriteString("type", m.Type);
            if (type == "smtp") Email(json, kuma, Get);
            foreach (var (field, value) in m.Fields)
            {
                if (string.IsNullOrEmpty(value)) continue;
                // Kuma keeps some numbers as text ("1"): an integer field gets a number.
                if (flatlineType.Field(field)?.Kind == ChannelFieldKind.Integer && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                    json.WriteNumber(field, number);
                else json.WriteString(field, value);
            }
            json.WriteEndObject();
        };
    }

    /// <summary>Kuma's SMTP settings: implicit TLS when <c>smtpSecure</c>, none when STARTTLS is switched off, else STARTTLS.</summary>
    static void Email(Utf8JsonWriter json, JsonElement kuma, Func<string, string?> get)
    {
        json.WriteString("host", get("smtpHost"));
        if (long.TryParse(get("smtpPort"), NumberStyles.None, CultureInfo.InvariantCulture, out var port)) json.WriteNumber("port", port);
        var secure = kuma.TryGetProperty("smtpSecure", out var s) && s.ValueKind == JsonValueKind.True;
        var noStartTls = kuma.TryGetProperty("smtpIgnoreSTARTTLS", out var i) && i.ValueKind == JsonValueKind.True;
        json.WriteString("security", secure ? "tls" : noStartTls ? "none" : "starttls");
        if (get("smtpUsername") is { Length: > 0 } user) json.WriteString("username", user);
        if (get("smtpPassword") is { Length: > 0 } password) json.WriteString("password", password);
        if (get("smtpFrom") is { Length: > 0 } from) json.WriteString("from", from);
        json.WriteStartArray("to");
        foreach (var to in (get("smtpTo") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) json.WriteStringValue(to);
        json.WriteEndArray();
    }

    /// <summary>Kuma's JSON query operators as Flatline's assertion ops.</summary>
    static string? Operator(string? kuma) => kuma switch
    {
        "==" or null => "eq",
        "!=" => "ne",
        "<" => "lt",
        ">" => "gt",
        "contains" => "contains",
        _ => null,
    };

    void ReadWindows(ImportPlan plan)
    {
        var members = new Dictionary<long, List<long>>();
        Rows("SELECT maintenance_id, monitor_id FROM monitor_maintenance ORDER BY id", row =>
        {
            var window = Number(row, 0)!.Value;
            if (!members.TryGetValue(window, out var list)) members[window] = list = [];
            list.Add(Number(row, 1)!.Value);
        });
        Rows("SELECT id, title, description, strategy, active, start_date, end_date, start_time, weekdays, cron, timezone, duration FROM maintenance ORDER BY id", row =>
        {
            var id = Number(row, 0)!.Value;
            var uid = Uid("maintenance", id);
            var title = Text(row, 1) ?? "";
            var what = $"{uid} ({Quote(title)})";
            if (Number(row, 4) != 1)
            {
                plan.Skipped.Add(new ImportSkip("maintenance window", what, "it is switched off in Uptime Kuma"));
                return;
            }
            var zone = Text(row, 10) is { } z && MaintenanceValidator.IsZone(z) ? z : "UTC";
            var strategy = Text(row, 3);
            Action<Utf8JsonWriter>? schedule = null;
            string? reason = null;
            switch (strategy)
            {
                case "single":
                    var start = Local(Text(row, 5), zone);
                    var end = Local(Text(row, 6), zone);
                    if (start is null || end is null) reason = "its start or end date is not a date";
                    else schedule = json =>
                    {
                        json.WriteString("type", "once");
                        json.WriteString("start", Timestamps.FromMs(start.Value).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                        json.WriteString("end", Timestamps.FromMs(end.Value).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                    };
                    break;
                case "recurring-weekday" or "cron" when Number(row, 11) is { } seconds && seconds >= 60:
                    var days = strategy == "recurring-weekday" ? WeekDays(Text(row, 8)) : null;
                    var minutes = (int)(seconds / 60);
                    if (days is { Count: > 0 } && Text(row, 7) is { Length: >= 5 } at)
                        schedule = json =>
                        {
                            json.WriteString("type", "weekly");
                            json.WriteStartArray("days");
                            foreach (var day in days) json.WriteStringValue(day);
                            json.WriteEndArray();
                            json.WriteString("start_time", at[..5]);
                            json.WriteNumber("duration_minutes", minutes);
                            json.WriteString("timezone", zone);
                        };
                    else if (Text(row, 9) is { Length: > 0 } cron)
                        schedule = json =>
                        {
                            json.WriteString("type", "cron");
                            json.WriteString("expression", cron);
                            json.WriteNumber("duration_minutes", minutes);
                            json.WriteString("timezone", zone);
                        };
                    else reason = "its schedule has no days or cron expression";
                    if (schedule is not null && (Text(row, 5) is not null || Text(row, 6) is not null))
                        plan.Notes.Add($"maintenance window '{title}' repeats without the date range it has in Uptime Kuma ({Text(row, 5)} – {Text(row, 6)}): Flatline's repeating windows have none");
                    break;
                default:
                    reason = strategy switch
                    {
                        "manual" => "it is switched on and off by hand in Uptime Kuma: Flatline's windows follow a schedule",
                        _ => $"its '{strategy}' schedule has no Flatline equivalent (once, weekly, monthly or cron)",
                    };
                    break;
            }
            if (schedule is null)
            {
                plan.Skipped.Add(new ImportSkip("maintenance window", what, reason!));
                return;
            }
            var monitors = (members.GetValueOrDefault(id) ?? []).Where(imported.ContainsKey).Select(m => imported[m]).ToList();
            var dropped = (members.GetValueOrDefault(id) ?? []).Count - monitors.Count;
            if (dropped > 0) plan.Notes.Add($"maintenance window '{title}' covers {monitors.Count} of its {monitors.Count + dropped} monitors: the others were not imported");
            var body = Json(json =>
            {
                json.WriteStartObject();
                json.WriteString("title", title);
                if (Text(row, 2) is { Length: > 0 } description) json.WriteString("description", description);
                json.WriteStartArray("monitors");
                foreach (var monitor in monitors) json.WriteStringValue(monitor);
                json.WriteEndArray();
                json.WriteStartObject("schedule");
                schedule(json);
                json.WriteEndObject();
                json.WriteEndObject();
            });
            plan.Windows.Add(new ImportedWindow(uid, body));
        });
        if (tables.Contains("maintenance_status_page") && Scalar("SELECT count(*) FROM maintenance_status_page") is long shown and > 0)
            plan.Notes.Add($"{shown} link{(shown == 1 ? "" : "s")} of maintenance windows to status pages left out: a Flatline page has no windows of its own, it shows those that cover its monitors");
    }

    /// <summary>Kuma's published pages, each group (by weight) a section of the monitors that came across;
    /// what a Flatline page has no room for is said in a note.</summary>
    void ReadPages(ImportPlan plan)
    {
        if (!tables.Contains("status_page")) return;
        var domains = new Dictionary<long, List<string>>();
        if (tables.Contains("status_page_cname"))
            Rows("SELECT status_page_id, domain FROM status_page_cname ORDER BY id", row => Add(domains, Number(row, 0)!.Value, Text(row, 1)!.Trim().ToLowerInvariant()));
        var groups = new Dictionary<long, List<(long Id, string Name)>>();
        var members = new Dictionary<long, List<(long Monitor, bool ShowsUrl, bool OwnUrl)>>();
        if (tables.Contains("group") && tables.Contains("monitor_group"))
        {
            var memberColumns = Columns("monitor_group");
            Rows("""SELECT status_page_id, id, name FROM "group" WHERE status_page_id IS NOT NULL ORDER BY status_page_id, weight, id""", row =>
                Add(groups, Number(row, 0)!.Value, (Number(row, 1)!.Value, (Text(row, 2) ?? "").Trim())));
            Rows($"""
                SELECT group_id, monitor_id, {Optional(memberColumns, "send_url")}, {Optional(memberColumns, "custom_url")}
                FROM monitor_group ORDER BY group_id, weight, id
                """, row => Add(members, Number(row, 0)!.Value, (Number(row, 1)!.Value, Number(row, 2) == 1, Text(row, 3) is { Length: > 0 })));
        }
        var columns = Columns("status_page");
        string[] settings = ["icon", "theme", "published", "password", "footer_text", "custom_css", "show_tags", "analytics_id", "analytics_script_url",
            "analytics_type", "show_certificate_expiry", "show_powered_by", "search_engine_index", "show_only_last_heartbeat", "auto_refresh_interval", "rss_title", "created_date"];
        Rows($"SELECT id, slug, title, description, {string.Join(", ", settings.Select(c => Optional(columns, c)))} FROM status_page ORDER BY id", row =>
        {
            var id = Number(row, 0)!.Value;
            var uid = Uid("status_page", id);
            var slug = (Text(row, 1) ?? "").Trim().ToLowerInvariant();
            var title = Text(row, 2) ?? "";
            string? Setting(string name) => Text(row, 4 + Array.IndexOf(settings, name));
            var what = $"{slug} ({Quote(title)})";
            if (Setting("published") == "0")
            {
                plan.Skipped.Add(new ImportSkip("status page", what, "it is not published in Uptime Kuma: a Flatline page is public (or behind a password) once it exists, which would show what was kept private"));
                return;
            }
            if (Setting("password") is { Length: > 0 })
            {
                plan.Skipped.Add(new ImportSkip("status page", what, "it has a password in Uptime Kuma, which cannot come across (Flatline keeps its own hash of a page's password): make it again in Flatline with a password"));
                return;
            }
            pages[id] = (uid, slug);

            // Settings of Kuma's page that a Flatline page has no room for, each with why.
            var left = new List<string>();
            string? logo = null;
            if (Setting("icon") is { Length: > 0 } icon && icon != "/icon.svg")
            {
                if (icon.StartsWith("data:image/", StringComparison.Ordinal)) logo = icon;
                else left.Add($"its logo {icon} (a file in Uptime Kuma's data folder, not in kuma.db: set the page's logo_url in Flatline)");
            }
            if (Setting("theme") is { } theme && theme != "auto") left.Add($"its theme '{theme}' (Flatline's page follows the visitor's light or dark setting)");
            if (!string.IsNullOrWhiteSpace(Setting("custom_css"))) left.Add("its custom CSS (Flatline's page has its own stylesheet and takes none from the owner)");
            if (Setting("show_tags") == "1") left.Add("show_tags (Flatline's page shows no tags)");
            if (new[] { "analytics_id", "analytics_script_url", "analytics_type" }.Any(c => !string.IsNullOrWhiteSpace(Setting(c))))
                left.Add("its analytics (Flatline's page loads nothing from another host)");
            if (Setting("show_certificate_expiry") == "1") left.Add("show_certificate_expiry (Flatline's page shows no certificate expiry)");
            if (Setting("show_powered_by") == "0") left.Add("show_powered_by off (Flatline's page always ends with 'Powered by Flatline')");
            if (Setting("search_engine_index") == "0") left.Add("search_engine_index off (Flatline's page has no noindex setting: search engines may list it)");
            if (Setting("show_only_last_heartbeat") == "1") left.Add("show_only_last_heartbeat (Flatline's page always shows the 90 daily bars)");
            if (Setting("auto_refresh_interval") is { } refresh && refresh != "300") left.Add($"its refresh every {refresh} s (Flatline's page refreshes itself every 30 s)");
            if (!string.IsNullOrWhiteSpace(Setting("rss_title"))) left.Add("its feed title (Flatline's feed is named after the page)");

            var pageDomains = domains.GetValueOrDefault(id) ?? [];
            if (pageDomains.Count > 1)
                plan.Notes.Add($"status page {slug} keeps the first of its custom domains, {pageDomains[0]}: a Flatline page has one ({string.Join(", ", pageDomains.Skip(1))} left out)");
            int total = 0, showsUrl = 0, ownUrl = 0;
            var seen = new HashSet<long>();
            var sections = new List<(string Name, List<string> Monitors)>();
            foreach (var (group, name) in groups.GetValueOrDefault(id) ?? [])
            {
                var monitors = new List<string>();
                foreach (var member in members.GetValueOrDefault(group) ?? [])
                {
                    if (!seen.Add(member.Monitor)) continue;
                    total++;
                    if (member.ShowsUrl) showsUrl++;
                    if (member.OwnUrl) ownUrl++;
                    if (imported.TryGetValue(member.Monitor, out var monitor)) monitors.Add(monitor);
                }
                // Kuma names a new group "Services"; a Flatline section needs a name.
                sections.Add((name.Length > 0 ? name : "Services", monitors));
            }
            var shown = sections.Sum(s => s.Monitors.Count);
            if (shown < total) plan.Notes.Add($"status page {slug} shows {shown} of its {total} monitors: the others were not imported");
            if (showsUrl > 0)
                plan.Notes.Add($"status page {slug} showed the URL of {showsUrl} monitor{(showsUrl == 1 ? "" : "s")}: a Flatline page shows every monitor's URL or none (show_urls), so they are hidden; set show_urls to show them all");
            if (ownUrl > 0) plan.Notes.Add($"status page {slug} linked {ownUrl} monitor{(ownUrl == 1 ? "" : "s")} to a URL of its own: a Flatline page has no links per monitor");
            if (left.Count > 0) plan.Notes.Add($"status page {slug} came without {string.Join("; ", left)}");

            var body = Json(json =>
            {
                json.WriteStartObject();
                json.WriteString("slug", slug);
                json.WriteString("title", title);
                if (Text(row, 3) is { Length: > 0 } description) json.WriteString("description", description);
                if (Setting("footer_text") is { Length: > 0 } footer) json.WriteString("footer", footer);
                if (pageDomains.Count > 0) json.WriteString("custom_domain", pageDomains[0]);
                if (logo is not null) json.WriteString("logo_url", logo);
                json.WriteStartArray("sections");
                foreach (var (name, monitors) in sections)
                {
                    json.WriteStartObject();
                    json.WriteString("name", name);
                    json.WriteStartArray("monitors");
                    foreach (var monitor in monitors) json.WriteStringValue(monitor);
                    json.WriteEndArray();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            });
            plan.Pages.Add(new ImportedPage(uid, body, ImportSources.ParseTime(Setting("created_date")) ?? 0));
        });
    }

    /// <summary>Kuma's incidents (a page's notice: a title, Markdown text and a style) as announcements
    /// with one update: ongoing while pinned, resolved once unpinned, as Kuma shows them.</summary>
    void ReadAnnouncements(ImportPlan plan)
    {
        if (!tables.Contains("incident")) return;
        Rows("SELECT id, title, content, style, created_date, last_updated_date, pin, active, status_page_id FROM incident ORDER BY id", row =>
        {
            var uid = Uid("status_page_incident", Number(row, 0)!.Value);
            var title = Text(row, 1) ?? "";
            var what = $"{uid} ({Quote(title)})";
            if (Number(row, 8) is not { } pageId || !pages.TryGetValue(pageId, out var page))
            {
                plan.Skipped.Add(new ImportSkip("announcement", what, "its status page was not imported"));
                return;
            }
            if (Number(row, 7) == 0)
            {
                plan.Skipped.Add(new ImportSkip("announcement", what, "it is not active in Uptime Kuma"));
                return;
            }
            var style = Text(row, 3) ?? "";
            var severity = style switch { "warning" => "minor", "danger" => "major", _ => "info" };
            var status = Number(row, 6) == 1 ? "investigating" : "resolved";
            var created = ImportSources.ParseTime(Text(row, 4)) ?? 0;
            var at = ImportSources.ParseTime(Text(row, 5)) ?? created;
            var body = Json(json =>
            {
                json.WriteStartObject();
                json.WriteString("title", title);
                json.WriteString("severity", severity);
                json.WriteStartArray("updates");
                json.WriteStartObject();
                json.WriteString("status", status);
                json.WriteString("message", Text(row, 2) ?? "");
                json.WriteString("at", Timestamps.FromMs(at).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            });
            plan.Announcements.Add(new ImportedAnnouncement(uid, page.Uid, body, created, at));
            plan.Notes.Add($"the incident '{title}' of status page {page.Slug} is an announcement of severity {severity} (its style was '{style}') with one update, {status}: "
                + "Uptime Kuma's incidents have no status (a pinned one is ongoing, an unpinned one over), and its Markdown shows as plain text");
        });
    }

    static void Add<T>(Dictionary<long, List<T>> lists, long key, T item)
    {
        if (!lists.TryGetValue(key, out var list)) lists[key] = list = [];
        list.Add(item);
    }

    /// <summary>The column, or NULL where this Kuma's table has none (columns came with later 2.x versions).</summary>
    static string Optional(HashSet<string> columns, string column) => columns.Contains(column) ? $"\"{column}\"" : "NULL";

    /// <summary>Kuma keeps no incidents of monitors: one is each run of down heartbeats (status 0) up to the next up one.</summary>
    void ReadIncidents(ImportPlan plan)
    {
        foreach (var (kumaId, uid) in imported)
        {
            long? openedBy = null, openedAt = null;
            Rows($"SELECT id, status, time FROM heartbeat WHERE monitor_id = {kumaId} ORDER BY time, id", row =>
            {
                var status = Number(row, 1);
                if (ImportSources.ParseTime(Text(row, 2)) is not { } at) return;
                if (status == 0 && openedAt is null)
                {
                    openedBy = Number(row, 0);
                    openedAt = at;
                }
                else if (status == 1 && openedAt is { } started)
                {
                    plan.Incidents.Add(new ImportedIncident(Uid("incident", openedBy!.Value), uid, started, at));
                    openedAt = null;
                }
            });
            if (openedAt is { } open) plan.Incidents.Add(new ImportedIncident(Uid("incident", openedBy!.Value), uid, open, null));
        }
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

    /// <summary>A Kuma local time (<c>YYYY-MM-DDTHH:mm</c>, or with a space) in <paramref name="zone"/>, as Unix ms.</summary>
    static long? Local(string? text, string zone)
    {
        if (text is null || !DateTime.TryParse(text.Replace(' ', 'T'), CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return null;
        return new DateTimeOffset(LocalDays.ToUtc(local, TimeZoneInfo.FindSystemTimeZoneById(zone)), TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    static List<string>? WeekDays(string? json)
    {
        string[] names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
        try
        {
            using var document = JsonDocument.Parse(json ?? "[]");
            return [.. document.RootElement.EnumerateArray().Where(d => d.ValueKind == JsonValueKind.Number && d.GetInt32() is >= 0 and <= 6).Select(d => names[d.GetInt32()])];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Kuma's accepted codes; null for its default (any 2xx, Flatline's default too).</summary>
    static List<string>? StatusCodes(string? json)
    {
        try
        {
            using var document = JsonDocument.Parse(json ?? "[]");
            var codes = document.RootElement.EnumerateArray().Select(c => c.ToString()).ToList();
            return codes.Count == 0 || codes is ["200-299"] ? null : codes;
        }
        catch (JsonException)
        {
            return null;
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
