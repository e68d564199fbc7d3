using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>What a page's visitors may see, and nothing more: built only from what the owner put on
/// the page (SPEC §14). No monitor config but its target when <c>show_urls</c>, no check errors,
/// no incident causes. <c>summary.json</c> is this record.</summary>
public sealed record PublicPage(
    string Slug,
    string Title,
    string? Description,
    [property: JsonIgnore] string? LogoUrl,
    string? Footer,
    PageState State,
    string StateText,
    List<PublicSection> Sections,
    List<PublicIncident> OpenIncidents,
    [property: JsonIgnore] List<PublicIncident> RecentIncidents,
    List<AnnouncementView> Announcements,
    List<AnnouncementView> PastAnnouncements,
    List<MaintenanceNotice> Maintenance,
    DateTime UpdatedAt,
    long Version);

public sealed record PublicSection(string Name, List<PublicMonitor> Monitors);

/// <summary>One monitor as a page shows it. <c>url</c> is null unless the page shows URLs;
/// <c>in_maintenance</c> says a window shown on the page covers it now.</summary>
public sealed record PublicMonitor(
    string Id,
    [property: JsonIgnore] long Key,
    string Name,
    MonitorStatus Status,
    bool InMaintenance,
    string? Url,
    double? Uptime24h,
    double? Uptime7d,
    double? Uptime30d,
    double? Uptime90d,
    double? ResponseMsP50,
    [property: JsonIgnore] List<PublicDay> Days);

/// <summary>One UTC day's bar: uptime (null without data), down time and incidents that day.</summary>
public sealed record PublicDay(string Date, double? Uptime, long DowntimeSeconds, int Incidents);

/// <summary>An incident of a monitor on the page: when, and which monitor; never its cause.</summary>
public sealed record PublicIncident(string Id, string MonitorId, string MonitorName, DateTime StartedAt, DateTime? ResolvedAt);

[JsonConverter(typeof(JsonStringEnumConverter<PageState>))]
public enum PageState
{
    [JsonStringEnumMemberName("operational")] Operational,
    [JsonStringEnumMemberName("degraded")] Degraded,
    [JsonStringEnumMemberName("partial_outage")] PartialOutage,
    [JsonStringEnumMemberName("major_outage")] MajorOutage,
    /// <summary>Every monitor shown is in a maintenance window now.</summary>
    [JsonStringEnumMemberName("maintenance")] Maintenance,
    [JsonStringEnumMemberName("unknown")] Unknown,
}

/// <summary>A maintenance window's occurrence shown on a page: the one in progress, or else the next
/// that starts within <see cref="IStatusPageMaintenance.Ahead"/>. <c>monitor_ids</c> are only the
/// page's monitors among those the window covers.</summary>
public sealed record MaintenanceNotice(string Title, string? Description, DateTime Start, DateTime End, bool Active, List<string> MonitorIds);

/// <summary>Maintenance windows (SPEC §13) as status pages show them; the maintenance feature
/// registers the one implementation (<c>MaintenanceNotices</c>). It tells the page cache of every
/// change a page would show (<see cref="IMaintenanceListener"/>): a window written, an occurrence
/// started or ended.</summary>
public interface IStatusPageMaintenance
{
    /// <summary>How far ahead a page shows upcoming maintenance.</summary>
    static readonly TimeSpan Ahead = TimeSpan.FromDays(7);

    /// <summary>The windows that cover any of <paramref name="monitorKeys"/> now or start within
    /// <see cref="Ahead"/>, in progress first, then by start; each names only monitors of that set.</summary>
    IReadOnlyList<MaintenanceNotice> For(IReadOnlySet<long> monitorKeys, DateTime nowUtc);
}

/// <summary>Builds a <see cref="PublicPage"/> from the stores and the running stats.</summary>
public sealed class PublicPageReader(
    Database database, MonitorStore monitors, StatsCache stats, StatsStore history, AnnouncementStore announcements,
    IEnumerable<IStatusPageMaintenance> maintenance, TimeProvider time)
{
    public const int Days = 90;
    const long DayMs = RollupWriter.DayMs;

    public PublicPage Read(StoredStatusPage stored)
    {
        var page = stored.View;
        var now = Database.Now(time);
        // First what is on the page, so that maintenance is asked once for all of it.
        var placed = new List<(string Section, List<StoredMonitor> Monitors)>();
        var onPage = new HashSet<long>();
        foreach (var section in page.Sections)
        {
            var found = new List<StoredMonitor>();
            foreach (var id in section.Monitors)
                if (monitors.Get(id) is { } monitor)
                {
                    found.Add(monitor);
                    onPage.Add(monitor.Key);
                }
            placed.Add((section.Name, found));
        }
        var notices = new List<MaintenanceNotice>();
        if (onPage.Count > 0)
            foreach (var source in maintenance) notices.AddRange(source.For(onPage, Timestamps.FromMs(now)));
        var inMaintenance = new HashSet<string>(StringComparer.Ordinal);
        foreach (var notice in notices)
            if (notice.Active) inMaintenance.UnionWith(notice.MonitorIds);

        var sections = new List<PublicSection>();
        var all = new List<PublicMonitor>();
        var keys = new Dictionary<long, PublicMonitor>();
        foreach (var (name, found) in placed)
        {
            var shown = new List<PublicMonitor>();
            foreach (var monitor in found)
            {
                var id = monitor.View.Id;
                var windows = stats.Get(monitor.Key, id)?.Windows;
                var days = history.Uptime(id, Days) ?? [];
                var incidentDays = IncidentsPerDay(monitor.Key, now);
                var publicDays = days.ConvertAll(d => new PublicDay(d.Date, d.Uptime, d.DowntimeSeconds, incidentDays.GetValueOrDefault(d.Date)));
                var item = new PublicMonitor(id, monitor.Key, monitor.View.Name, monitor.View.Status, inMaintenance.Contains(id),
                    page.ShowUrls ? monitor.View.Target : null,
                    windows?.Last24Hours.Uptime, windows?.Last7Days.Uptime, windows?.Last30Days.Uptime, windows?.Last90Days.Uptime,
                    windows?.Last24Hours.P50, publicDays);
                shown.Add(item);
                all.Add(item);
                keys[monitor.Key] = item;
            }
            sections.Add(new PublicSection(name, shown));
        }

        var (open, recent) = Incidents(keys, now);
        var list = announcements.List(stored);
        var (state, text) = Overall(all);
        return new PublicPage(page.Slug, page.Title, page.Description, page.LogoUrl, page.Footer, state, text, sections, open, recent,
            list.FindAll(a => !a.Resolved), list.FindAll(a => a.Resolved), notices, Timestamps.FromMs(now), now);
    }

    /// <summary>The page's state from its monitors': any down is an outage (major when all are down).
    /// A monitor in maintenance counts neither up nor down, as in the stats (SPEC §13).</summary>
    public static (PageState State, string Text) Overall(List<PublicMonitor> monitors)
    {
        int up = 0, down = 0, other = 0, unknown = 0, paused = 0, maintenance = 0;
        foreach (var m in monitors)
        {
            if (m.InMaintenance)
            {
                maintenance++;
                continue;
            }
            switch (m.Status)
            {
                case MonitorStatus.Up: up++; break;
                case MonitorStatus.Down: down++; break;
                case MonitorStatus.Unknown: unknown++; break;
                case MonitorStatus.Paused: paused++; break;
                default: other++; break;
            }
        }
        if (down > 0 && up == 0 && other == 0) return (PageState.MajorOutage, "Major outage");
        if (down > 0) return (PageState.PartialOutage, "Partial outage");
        if (other > 0) return (PageState.Degraded, "Degraded performance");
        if (maintenance > 0 && maintenance == monitors.Count) return (PageState.Maintenance, "Under maintenance");
        if (maintenance > 0 && up > 0) return (PageState.Operational, "Operational, with maintenance in progress");
        if (up == 0) return (PageState.Unknown, unknown > 0 ? "Waiting for the first checks" : paused > 0 ? "Monitoring is paused" : "No monitors to show");
        return (PageState.Operational, unknown > 0 ? "All checked systems operational" : "All systems operational");
    }

    Dictionary<string, int> IncidentsPerDay(long key, long now)
    {
        var first = (now / DayMs - Days + 1) * DayMs;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT started_at, coalesce(resolved_at, $now) FROM incidents WHERE monitor_id = $key AND coalesce(resolved_at, $now) >= $first";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$first", first);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            // An incident counts on every day it touched.
            for (var day = Math.Max(reader.GetInt64(0), first) / DayMs; day <= reader.GetInt64(1) / DayMs; day++)
            {
                var date = Date(day * DayMs);
                counts[date] = counts.GetValueOrDefault(date) + 1;
            }
        }
        return counts;
    }

    internal static string Date(long ms) => Timestamps.FromMs(ms).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The open incidents, and the latest 50 of the last 90 days (for the feed), newest first.</summary>
    (List<PublicIncident> Open, List<PublicIncident> Recent) Incidents(Dictionary<long, PublicMonitor> keys, long now)
    {
        var open = new List<PublicIncident>();
        var recent = new List<PublicIncident>();
        if (keys.Count == 0) return (open, recent);
        using var connection = database.Open();
        using var command = Sql.Prepare(connection, null,
            "SELECT uid, started_at, resolved_at FROM incidents WHERE monitor_id = $key AND started_at >= $from ORDER BY started_at DESC LIMIT 50", "$key", "$from");
        using var openCommand = Sql.Prepare(connection, null, "SELECT uid, started_at FROM incidents WHERE monitor_id = $key AND resolved_at IS NULL", "$key");
        foreach (var (key, monitor) in keys)
        {
            using (var rows = command.Bind(key, now - Days * DayMs).ExecuteReader())
                while (rows.Read())
                    recent.Add(new PublicIncident(rows.GetString(0), monitor.Id, monitor.Name, Timestamps.FromMs(rows.GetInt64(1)), ReadTime(rows, 2)));
            using var openRows = openCommand.Bind(key).ExecuteReader();
            while (openRows.Read()) open.Add(new PublicIncident(openRows.GetString(0), monitor.Id, monitor.Name, Timestamps.FromMs(openRows.GetInt64(1)), null));
        }
        recent.Sort((a, b) => b.StartedAt.CompareTo(a.StartedAt));
        if (recent.Count > 50) recent.RemoveRange(50, recent.Count - 50);
        open.Sort((a, b) => b.StartedAt.CompareTo(a.StartedAt));
        return (open, recent);
    }

    static DateTime? ReadTime(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : Timestamps.FromMs(reader.GetInt64(i));
}
