using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Writes what a source holds into Flatline's database in one transaction. Monitors and
/// channels are validated as the API validates them; ids and times are kept; checks are stored as the
/// writer stores them, with the hourly and daily rollups and the enabled and down time the writer would
/// have kept (down time is the incidents' time), and the monitor's state is where the checks leave it.
/// An item whose id is here already is left as it is, so a second run changes nothing.</summary>
public sealed class Importer(Database database, CheckTypes checkTypes, NotificationChannelTypes channelTypes, OAuthSettings? oauth, TimeProvider time)
{
    public ImportReport Run(IImportSource source, ImportPlan plan)
    {
        var report = new ImportReport(plan.Skipped);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        ImportTags(connection, transaction, plan, report);
        var monitors = ImportMonitors(connection, transaction, plan, report);
        var channels = ImportChannels(connection, transaction, plan, report);
        ImportLinks(connection, transaction, plan, report, monitors.Keys, channels);
        ImportWindows(connection, transaction, plan, report, monitors.Keys);
        ImportPages(connection, transaction, plan, report, monitors.Keys);
        var incidents = ImportIncidents(connection, transaction, plan, report, monitors.Keys, monitors.New);
        using (var checks = new CheckImport(connection, transaction, source, report))
        {
            foreach (var monitor in plan.Monitors)
            {
                if (monitors.New.TryGetValue(monitor.Id, out var created))
                    checks.Import(monitor.Id, created.Key, created.Draft, incidents.GetValueOrDefault(monitor.Id) ?? [], Database.Now(time));
                else checks.Count(monitor.Id, monitors.Keys.ContainsKey(monitor.Id));
            }
        }
        ImportOwner(connection, transaction, plan, report);
        // Notes say how what came across changed: only news when something came.
        if (report.Changed) report.Notes.AddRange(plan.Notes);
        if (report.Changed) transaction.Commit();
        return report;
    }

    sealed record Monitors(Dictionary<string, long> Keys, Dictionary<string, (long Key, MonitorDraft Draft)> New);

    /// <summary>Items of one kind: here already by id (their keys are kept), or added by
    /// <paramref name="add"/> (their key), or left out with why (<paramref name="add"/>'s problem).</summary>
    static Dictionary<string, long> Each<T>(SqliteConnection connection, SqliteTransaction transaction, string table, IEnumerable<T> items,
        Func<T, string> idOf, ImportReport report, ImportReport.Tally tally, string kind, Func<T, (long Key, string? Problem)> add)
    {
        var keys = new Dictionary<string, long>(StringComparer.Ordinal);
        using var find = Sql.Prepare(connection, transaction, $"SELECT id FROM {table} WHERE uid = $uid", "$uid");
        foreach (var item in items)
        {
            var id = idOf(item);
            if (find.Bind(id).ExecuteScalar() is long existing)
            {
                keys[id] = existing;
                tally.AlreadyHere++;
                continue;
            }
            var (key, problem) = Guid.TryParse(id, out _) ? add(item) : (0, "its id is not a UUID");
            if (problem is not null) report.Skip(tally, kind, id, problem);
            else
            {
                keys[id] = key;
                tally.Imported++;
            }
        }
        return keys;
    }

    static long Insert(SqliteCommand insert, params object?[] values) => (long)insert.Bind(values).ExecuteScalar()!;

    Monitors ImportMonitors(SqliteConnection connection, SqliteTransaction transaction, ImportPlan plan, ImportReport report)
    {
        var created = new Dictionary<string, (long, MonitorDraft)>(StringComparer.Ordinal);
        using var insert = Sql.Prepare(connection, transaction, """
            INSERT INTO monitors (uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at)
            VALUES ($uid, $name, $config, $interval, $timeout, $retries, $enabled, $created, $updated) RETURNING id
            """, "$uid", "$name", "$config", "$interval", "$timeout", "$retries", "$enabled", "$created", "$updated");
        var keys = Each(connection, transaction, "monitors", plan.Monitors, m => m.Id, report, report.Monitors, "monitor", monitor =>
        {
            if (MonitorValidator.Validate(monitor.Body, null, checkTypes, out var errors) is not { } draft) return (0, ImportReport.Describe(errors));
            var key = Insert(insert, monitor.Id, draft.Name, MonitorStore.ConfigJson(draft.Config), draft.Interval, draft.Timeout,
                draft.Retries, draft.Enabled, monitor.CreatedAt, monitor.UpdatedAt);
            Tags.Write(connection, transaction, key, draft);
            created[monitor.Id] = (key, draft);
            return (key, null);
        });
        return new Monitors(keys, created);
    }

    Dictionary<string, long> ImportChannels(SqliteConnection connection, SqliteTransaction transaction, ImportPlan plan, ImportReport report)
    {
        using var insert = Sql.Prepare(connection, transaction, """
            INSERT INTO notification_channels (uid, name, type, config, created_at, updated_at) VALUES ($uid, $name, $type, $config, $created, $updated) RETURNING id
            """, "$uid", "$name", "$type", "$config", "$created", "$updated");
        return Each(connection, transaction, "notification_channels", plan.Channels, c => c.Id, report, report.Channels, "notification channel", channel =>
            ChannelValidator.Validate(channel.Body, null, channelTypes, out var errors) is { } valid
                ? (Insert(insert, channel.Id, valid.Name, valid.Config.Type, ChannelStore.ConfigJson(valid.Config), channel.CreatedAt, channel.UpdatedAt), null)
                : (0, ImportReport.Describe(errors)));
    }

    static void ImportLinks(SqliteConnection connection, SqliteTransaction transaction, ImportPlan plan, ImportReport report,
        Dictionary<string, long> monitors, Dictionary<string, long> channels)
    {
        using var insert = Sql.Prepare(connection, transaction, """
            INSERT INTO monitor_channels (uid, monitor_id, channel_id, on_recovery, created_at) VALUES ($uid, $monitor, $channel, $recovery, $created)
            ON CONFLICT (monitor_id, channel_id) DO NOTHING RETURNING id
            """, "$uid", "$monitor", "$channel", "$recovery", "$created");
        Each(connection, transaction, "monitor_channels", plan.Links, l => l.Id, report, report.Links, "link", link =>
        {
            if (!monitors.TryGetValue(link.MonitorId, out var monitor)) return (0, $"its monitor {link.MonitorId} was not imported");
            if (!channels.TryGetValue(link.ChannelId, out var channel)) return (0, $"its channel {link.ChannelId} was not imported");
            return insert.Bind(link.Id, monitor, channel, link.OnRecovery, link.CreatedAt).ExecuteScalar() is long key
                ? (key, null) : (0, "its monitor and channel are linked already");
        });
    }

    /// <summary>Tags with their colours; a tag here already keeps the colour it has.</summary>
    static void ImportTags(SqliteConnection connection, SqliteTransaction transaction, ImportPlan plan, ImportReport report)
    {
        using var insert = Sql.Prepare(connection, transaction, "INSERT INTO tags (name, colour) VALUES ($name, $colour) ON CONFLICT (name) DO NOTHING", "$name", "$colour");
        foreach (var (name, colour) in plan.Tags)
        {
            if (Tags.Problem(name) is { } problem) report.Skip(report.Tags, "tag", name, problem);
            else if (insert.Bind(name, Tags.ColourProblem(colour) is null ? colour : Tags.DefaultColour(name)).ExecuteNonQuery() == 1) report.Tags.Imported++;
            else report.Tags.AlreadyHere++;
        }
    }

    /// <summary>Windows validated as the API validates them, over the monitors this import knows (written but not committed yet).</summary>
    void ImportWindows(SqliteConnection connection, SqliteTransaction transaction, ImportPlan plan, ImportReport report, Dictionary<string, long> monitors)
    {
        var targets = new MaintenanceTargetSet([.. monitors.Keys], [], []);
        var now = Database.Now(time);
        Each(connection, transaction, "maintenance_windows", plan.Windows, w => w.Id, report, report.Windows, "maintenance window", window =>
        {
            if (MaintenanceValidator.Validate(window.Body, null, targets, time.GetUtcNow().UtcDateTime, out var errors) is not { } draft) return (0, ImportReport.Describe(errors));
            MaintenanceStore.Insert(connection, transaction, window.Id, draft, now);
            return (1, null);
        });
    }

    /// <summary>Pages validated as the API validates them, over the monitors this import knows; a slug or
    /// custom domain a page here has already leaves the page out. Announcements come with a page imported
    /// now: a page here already keeps the announcements it has.</summary>
    void ImportPages(SqliteConnection connection, SqliteTransaction transaction, ImportPlan plan, ImportReport report, Dictionary<string, long> monitors)
    {
        using var taken = Sql.Prepare(connection, transaction, "SELECT slug = $slug FROM status_pages WHERE slug = $slug OR custom_domain = $domain", "$slug", "$domain");
        var created = new HashSet<string>(StringComparer.Ordinal);
        var pages = Each(connection, transaction, "status_pages", plan.Pages, p => p.Id, report, report.StatusPages, "status page", page =>
        {
            if (StatusPageValidator.Validate(page.Body, null, id => monitors.TryGetValue(id, out var key) ? key : null, out var errors) is not { } draft)
                return (0, ImportReport.Describe(errors));
            if (taken.Bind(draft.Slug, draft.CustomDomain).ExecuteScalar() is long slug)
                return (0, slug == 1 ? $"a page here has the slug {draft.Slug} already" : $"a page here has the custom domain {draft.CustomDomain} already");
            created.Add(page.Id);
            return (StatusPageStore.Insert(connection, transaction, page.Id, draft, page.CreatedAt), null);
        });
        Each(connection, transaction, "announcements", plan.Announcements, a => a.Id, report, report.Announcements, "announcement", announcement =>
        {
            if (!pages.TryGetValue(announcement.PageId, out var page)) return (0, "its status page was not imported");
            if (!created.Contains(announcement.PageId)) return (0, "its status page was here already, with its own announcements");
            if (StatusPageValidator.ValidateAnnouncement(announcement.Body, null, out var errors) is not { } draft) return (0, ImportReport.Describe(errors));
            return (AnnouncementStore.Insert(connection, transaction, announcement.Id, page, draft, announcement.CreatedAt, announcement.UpdatedAt), null);
        });
    }

    /// <summary>The incidents of the monitors imported now, by monitor and oldest first. Those of a
    /// monitor that was here already stay out, since its history is the one this database kept.</summary>
    static Dictionary<string, List<ImportedIncident>> ImportIncidents(SqliteConnection connection, SqliteTransaction transaction, ImportPlan plan,
        ImportReport report, Dictionary<string, long> monitors, Dictionary<string, (long Key, MonitorDraft Draft)> created)
    {
        var kept = new Dictionary<string, List<ImportedIncident>>(StringComparer.Ordinal);
        using var insert = Sql.Prepare(connection, transaction, """
            INSERT INTO incidents (uid, monitor_id, started_at, resolved_at, resolution)
            VALUES ($uid, $monitor, $started, $resolved, CASE WHEN $resolved IS NOT NULL THEN 'recovered' END) RETURNING id
            """, "$uid", "$monitor", "$started", "$resolved");
        // At most one open incident per monitor: the latest; the database allows no other.
        var open = new Dictionary<string, ImportedIncident>(StringComparer.Ordinal);
        foreach (var incident in plan.Incidents)
            if (incident.ResolvedAt is null && (!open.TryGetValue(incident.MonitorId, out var later) || later.StartedAt <= incident.StartedAt))
                open[incident.MonitorId] = incident;
        Each(connection, transaction, "incidents", plan.Incidents, i => i.Id, report, report.Incidents, "incident", incident =>
        {
            if (!created.TryGetValue(incident.MonitorId, out var monitor))
                return (0, monitors.ContainsKey(incident.MonitorId) ? "its monitor was here already, with its own history" : $"its monitor {incident.MonitorId} was not imported");
            if (incident.ResolvedAt < incident.StartedAt) return (0, "it is resolved before it started");
            if (incident.ResolvedAt is null && open[incident.MonitorId] != incident) return (0, "its monitor has a later open incident");
            if (!kept.TryGetValue(incident.MonitorId, out var list)) kept[incident.MonitorId] = list = [];
            list.Add(incident);
            return (Insert(insert, incident.Id, monitor.Key, incident.StartedAt, incident.ResolvedAt), null);
        });
        return kept;
    }

    /// <summary>The original's first account becomes the owner, when sign-in is by OpenID (its accounts
    /// are OpenID subjects) and there is no owner yet.</summary>
    void ImportOwner(SqliteConnection connection, SqliteTransaction transaction, ImportPlan plan, ImportReport report)
    {
        using var owner = Sql.Prepare(connection, transaction, "SELECT 1 FROM users WHERE is_owner = 1");
        using var insert = Sql.Prepare(connection, transaction, """
            INSERT INTO users (uid, issuer, subject, email, name, is_owner, created_at) VALUES ($uid, $issuer, $subject, $email, $name, 1, $created) RETURNING id
            """, "$uid", "$issuer", "$subject", "$email", "$name", "$created");
        Each(connection, transaction, "users", plan.Users, u => u.Id, report, report.Owner, "user", user =>
        {
            if (user != plan.Users[0]) return (0, "Flatline has one account, the owner (the original's first account)");
            if (owner.ExecuteScalar() is not null) return (0, "this Flatline has an owner already");
            if (oauth is null) return (0, "sign-in here is local (OAUTH_* not set): create the owner with the setup link Flatline prints");
            return (Insert(insert, user.Id, oauth.IssuerUrl.OriginalString, user.Subject, user.Email, user.Name, user.CreatedAt), null);
        });
    }

}
