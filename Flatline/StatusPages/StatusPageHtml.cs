using System.Globalization;

namespace Flatline;

/// <summary>The public page as HTML that reads fully without scripts. Its stylesheet and its small
/// script are same-origin files (<see cref="StatusPageAssets"/>), so the strict CSP holds.</summary>
/// <remarks>The 90 daily bars are decoration for sighted mouse users (hover shows each day's
/// uptime, down time and incidents); the same facts are text for everyone in the list of days with
/// down time or incidents under each monitor, which keyboards and screen readers reach. A clean day
/// writes no text at all, which keeps 50 monitors' pages small.</remarks>
public static class StatusPageHtml
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="basePath">Where the page is: <c>/status/slug</c>, or empty on its custom domain.</param>
    public static string Render(PublicPage page, string basePath)
    {
        var html = new Markup(16 * 1024);
        Head(html, page.Title, basePath, feed: true);
        html.Open("header", ("class", "top"));
        if (page.LogoUrl is not null) html.Open("img", ("class", "logo"), ("src", page.LogoUrl), ("alt", ""), ("width", "40"), ("height", "40"));
        html.Element("h1", page.Title);
        html.Close("header");

        html.Open("main", ("id", "main"), ("data-version", page.Version.ToString(Invariant)), ("data-base", basePath));
        if (page.Description is not null) html.Element("p", page.Description, ("class", "description"));
        html.Open("section", ("class", "overall " + StateClass(page.State)), ("aria-labelledby", "overall"));
        html.Element("h2", page.StateText, ("id", "overall"));
        html.Open("p", ("class", "updated")).Text("Last updated ");
        Time(html, page.UpdatedAt);
        html.Close("p").Close("section");

        if (page.Announcements.Count > 0)
        {
            html.Open("section", ("aria-labelledby", "announcements")).Element("h2", "Announcements", ("id", "announcements"));
            foreach (var announcement in page.Announcements) Announcement(html, announcement);
            html.Close("section");
        }

        if (page.Maintenance.Count > 0)
        {
            html.Open("section", ("aria-labelledby", "maintenance")).Element("h2", "Maintenance", ("id", "maintenance")).Open("ul", ("class", "plain"));
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var section in page.Sections)
                foreach (var monitor in section.Monitors) names[monitor.Id] = monitor.Name;
            foreach (var notice in page.Maintenance)
            {
                html.Open("li", ("class", "ann sev-maintenance")).Element("h3", notice.Title).Open("p").Text(notice.Active ? "In progress: " : "Scheduled: ");
                Time(html, notice.Start);
                html.Text(" to ");
                Time(html, notice.End);
                html.Close("p");
                html.Element("p", "Affects " + string.Join(", ", notice.MonitorIds.Select(id => names[id])), ("class", "sev"));
                if (notice.Description is not null) html.Element("p", notice.Description);
                html.Close("li");
            }
            html.Close("ul").Close("section");
        }

        if (page.OpenIncidents.Count > 0)
        {
            html.Open("section", ("aria-labelledby", "incidents")).Element("h2", "Open incidents", ("id", "incidents")).Open("ul", ("class", "incidents"));
            foreach (var incident in page.OpenIncidents)
            {
                html.Open("li").Element("strong", incident.MonitorName).Text(" is down since ");
                Time(html, incident.StartedAt);
                html.Close("li");
            }
            html.Close("ul").Close("section");
        }

        var n = 0;
        foreach (var section in page.Sections)
        {
            var id = "s" + n++.ToString(Invariant);
            html.Open("section", ("aria-labelledby", id)).Element("h2", section.Name, ("id", id)).Open("ul", ("class", "monitors"));
            foreach (var monitor in section.Monitors) Monitor(html, monitor);
            if (section.Monitors.Count == 0) html.Element("li", "No monitors in this section.", ("class", "empty"));
            html.Close("ul").Close("section");
        }

        if (page.PastAnnouncements.Count > 0)
        {
            html.Open("section", ("aria-labelledby", "history")).Element("h2", "Past announcements", ("id", "history"));
            foreach (var announcement in page.PastAnnouncements) Announcement(html, announcement);
            html.Close("section");
        }
        html.Close("main");

        html.Open("footer");
        if (page.Footer is not null) html.Element("p", page.Footer);
        html.Open("p").Open("a", ("href", basePath + "/feed.atom")).Text("Atom feed").Close("a").Text(" · ")
            .Open("a", ("href", basePath + "/summary.json")).Text("JSON").Close("a").Text(" · Powered by Flatline").Close("p");
        html.Close("footer");
        // Told of changes by the script, politely: the page's own text is replaced under it.
        html.Element("div", "", ("id", "live"), ("class", "sr"), ("aria-live", "polite"));
        return html.Raw("</body></html>").ToString();
    }

    /// <summary>The form a password page shows until its cookie is there.</summary>
    public static string PasswordForm(string title, string basePath, string? problem)
    {
        var html = new Markup(2048);
        Head(html, title, basePath, feed: false);
        html.Open("main", ("id", "main"), ("class", "locked")).Element("h1", title);
        html.Element("p", "This status page is protected by a password.");
        html.Open("form", ("method", "post"), ("action", basePath.Length == 0 ? "/" : basePath));
        html.Element("label", "Password", ("for", "password"));
        html.Open("input", ("id", "password"), ("name", "password"), ("type", "password"), ("autocomplete", "current-password"), ("required", ""),
            ("aria-describedby", problem is null ? null : "problem"), ("aria-invalid", problem is null ? null : "true"));
        if (problem is not null) html.Element("p", problem, ("id", "problem"), ("class", "problem"), ("role", "alert"));
        html.Element("button", "View the status page", ("type", "submit"));
        html.Close("form").Close("main");
        return html.Raw("</body></html>").ToString();
    }

    static void Head(Markup html, string title, string basePath, bool feed)
    {
        html.Raw("<!doctype html>").Open("html", ("lang", "en")).Raw("<head><meta charset=\"utf-8\">")
            .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\">")
            .Raw("<meta name=\"referrer\" content=\"no-referrer\">")
            .Element("title", title)
            .Open("link", ("rel", "stylesheet"), ("href", StatusPageAssets.StylePath));
        if (feed)
        {
            html.Open("link", ("rel", "alternate"), ("type", "application/atom+xml"), ("title", title), ("href", basePath + "/feed.atom"));
            html.Open("script", ("src", StatusPageAssets.ScriptPath), ("defer", "")).Close("script");
        }
        html.Raw("</head><body>").Open("a", ("class", "skip"), ("href", "#main")).Text("Skip to the status").Close("a");
    }

    static void Monitor(Markup html, PublicMonitor monitor)
    {
        html.Open("li", ("class", "monitor"), ("data-monitor", monitor.Id));
        html.Open("div", ("class", "row")).Element("h3", monitor.Name);
        if (monitor.InMaintenance) html.Element("span", "Maintenance", ("class", "state st-maintenance"));
        else html.Element("span", StatusText(monitor.Status), ("class", "state st-" + StatusClass(monitor.Status)));
        html.Close("div");
        if (monitor.Url is not null) html.Element("p", monitor.Url, ("class", "url"));

        html.Open("ol", ("class", "bars"), ("aria-hidden", "true"));
        var problems = new List<PublicDay>();
        foreach (var day in monitor.Days)
        {
            if (day.Uptime is null && day.Incidents == 0) html.Raw("<li class=\"n\"></li>");
            else if (day.DowntimeSeconds == 0 && day.Incidents == 0) html.Raw("<li></li>");
            else
            {
                problems.Add(day);
                html.Element("li", "", ("class", day.Uptime is < 0.95 ? "d" : "p"), ("data-tip", DayText(day)));
            }
        }
        html.Close("ol");
        html.Open("p", ("class", "axis")).Element("span", $"{PublicPageReader.Days} days ago").Element("span", UptimeText(monitor.Uptime90d), ("class", "uptime"))
            .Element("span", "Today").Close("p");
        if (problems.Count > 0)
        {
            html.Open("details").Element("summary", problems.Count == 1 ? "1 day with down time or incidents" : $"{problems.Count} days with down time or incidents");
            html.Open("ul");
            for (var i = problems.Count - 1; i >= 0; i--) html.Element("li", DayText(problems[i]));
            html.Close("ul").Close("details");
        }
        html.Close("li");
    }

    static void Announcement(Markup html, AnnouncementView announcement)
    {
        var severity = AnnouncementStore.Severity(announcement.Severity);
        html.Open("article", ("class", "ann sev-" + severity)).Open("h3").Text(announcement.Title).Close("h3");
        html.Element("p", SeverityText(announcement.Severity), ("class", "sev"));
        html.Open("ol", ("class", "timeline"));
        for (var i = announcement.Updates.Count - 1; i >= 0; i--)
        {
            var update = announcement.Updates[i];
            html.Open("li").Element("strong", StatusText(update.Status)).Text(" · ");
            Time(html, update.At);
            html.Element("p", update.Message).Close("li");
        }
        html.Close("ol").Close("article");
    }

    static void Time(Markup html, DateTime at) =>
        html.Element("time", at.ToString("d MMM yyyy, HH:mm 'UTC'", Invariant), ("datetime", at.ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant)));

    public static string DayText(PublicDay day)
    {
        var date = ReadableDate(day.Date);
        var incidents = day.Incidents switch { 0 => "no incidents", 1 => "1 incident", var n => $"{n} incidents" };
        return day.Uptime is null
            ? $"{date}: no data, {incidents}"
            : $"{date}: {UptimeText(day.Uptime)}, {Duration(day.DowntimeSeconds)} down, {incidents}";
    }

    static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>"2026-05-03" as "3 May 2026".</summary>
    static string ReadableDate(string iso) =>
        $"{int.Parse(iso.AsSpan(8, 2), Invariant)} {Months[int.Parse(iso.AsSpan(5, 2), Invariant) - 1]} {iso[..4]}";

    public static string UptimeText(double? uptime) => uptime switch
    {
        null => "no data",
        1 => "100% up",
        // Never rounds up to 100% while there was down time, nor down to 0% with some up time.
        var u => Math.Clamp(Math.Floor(u.Value * 10000) / 100, 0.01, 99.99).ToString("0.##", Invariant) + "% up",
    };

    public static string Duration(long seconds) => seconds switch
    {
        < 60 => $"{seconds} s",
        < 3600 => $"{seconds / 60} min",
        < 86400 => seconds % 3600 / 60 == 0 ? $"{seconds / 3600} h" : $"{seconds / 3600} h {seconds % 3600 / 60} min",
        _ => $"{seconds / 86400} d {seconds % 86400 / 3600} h",
    };

    public static string StatusText(MonitorStatus status) => status switch
    {
        MonitorStatus.Up => "Operational",
        MonitorStatus.Down => "Down",
        MonitorStatus.Paused => "Paused",
        MonitorStatus.Unknown => "Pending",
        _ => "Degraded",
    };

    public static string StatusClass(MonitorStatus status) => status switch
    {
        MonitorStatus.Up => "up",
        MonitorStatus.Down => "down",
        MonitorStatus.Paused => "paused",
        MonitorStatus.Unknown => "unknown",
        _ => "degraded",
    };

    static string StatusText(AnnouncementStatus status) => Capitalised(AnnouncementStore.Status(status));

    static string SeverityText(AnnouncementSeverity severity) => Capitalised(AnnouncementStore.Severity(severity));

    static string Capitalised(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    static string StateClass(PageState state) => state switch
    {
        PageState.Operational => "ok",
        PageState.Degraded => "degraded",
        PageState.PartialOutage => "partial",
        PageState.MajorOutage => "major",
        PageState.Maintenance => "maint",
        _ => "unknown",
    };
}
