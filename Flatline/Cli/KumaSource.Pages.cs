using System.Globalization;
using System.Text.Json;

namespace Flatline;

/// <summary>Kuma's maintenance windows, status pages with their incidents (as announcements), and the
/// incidents Flatline makes of its down heartbeats.</summary>
public sealed partial class KumaSource
{
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
}
