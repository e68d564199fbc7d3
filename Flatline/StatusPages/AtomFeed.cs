using System.Globalization;
using System.Text;

namespace Flatline;

/// <summary>A page's Atom feed (RFC 4287): its announcements (current and past) and the incidents of
/// its monitors in the last 90 days, newest first. Built from the public snapshot, so it shows no
/// more than the page does.</summary>
public static class AtomFeed
{
    public static string Render(PublicPage page, string origin, string basePath, string pageId)
    {
        var pageUrl = origin + (basePath.Length == 0 ? "/" : basePath);
        var entries = new List<(DateTime Updated, Action<Markup> Write)>();
        foreach (var announcement in page.Announcements.Concat(page.PastAnnouncements))
            entries.Add((announcement.UpdatedAt, xml => Announcement(xml, announcement, pageUrl)));
        foreach (var incident in page.RecentIncidents)
            entries.Add((incident.ResolvedAt ?? incident.StartedAt, xml => Incident(xml, incident, pageUrl)));
        entries.Sort((a, b) => b.Updated.CompareTo(a.Updated));

        var xml = new Markup(4096);
        xml.Raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>").Open("feed", ("xmlns", "http://www.w3.org/2005/Atom"));
        xml.Element("id", "urn:uuid:" + pageId).Element("title", page.Title);
        if (page.Description is not null) xml.Element("subtitle", page.Description);
        xml.Element("updated", Time(entries.Count > 0 ? entries[0].Updated : page.UpdatedAt));
        xml.Open("link", ("rel", "alternate"), ("type", "text/html"), ("href", pageUrl)).Close("link");
        xml.Open("link", ("rel", "self"), ("type", "application/atom+xml"), ("href", origin + basePath + "/feed.atom")).Close("link");
        xml.Open("author").Element("name", page.Title).Close("author");
        xml.Element("generator", "Flatline", ("version", FlatlineApp.Version));
        foreach (var (_, write) in entries) write(xml);
        return xml.Close("feed").ToString();
    }

    static void Announcement(Markup xml, AnnouncementView announcement, string pageUrl)
    {
        var text = new StringBuilder();
        for (var i = announcement.Updates.Count - 1; i >= 0; i--)
        {
            var update = announcement.Updates[i];
            text.Append(AnnouncementStore.Status(update.Status)).Append(" (").Append(Time(update.At)).Append("): ").Append(update.Message).Append('\n');
        }
        xml.Open("entry").Element("id", "urn:uuid:" + announcement.Id)
            .Element("title", $"[{AnnouncementStore.Severity(announcement.Severity)}] {announcement.Title}")
            .Element("updated", Time(announcement.UpdatedAt)).Element("published", Time(announcement.CreatedAt))
            .Open("link", ("rel", "alternate"), ("href", pageUrl)).Close("link")
            .Element("category", null, ("term", "announcement"))
            .Element("content", text.ToString().TrimEnd(), ("type", "text"))
            .Close("entry");
    }

    static void Incident(Markup xml, PublicIncident incident, string pageUrl)
    {
        var title = incident.ResolvedAt is { } resolved
            ? $"{incident.MonitorName} was down for {StatusPageHtml.Duration((long)(resolved - incident.StartedAt).TotalSeconds)}"
            : $"{incident.MonitorName} is down";
        var summary = incident.ResolvedAt is { } end
            ? $"Down from {Time(incident.StartedAt)} to {Time(end)}."
            : $"Down since {Time(incident.StartedAt)}.";
        xml.Open("entry").Element("id", "urn:uuid:" + incident.Id).Element("title", title)
            .Element("updated", Time(incident.ResolvedAt ?? incident.StartedAt)).Element("published", Time(incident.StartedAt))
            .Open("link", ("rel", "alternate"), ("href", pageUrl)).Close("link")
            .Element("category", null, ("term", "incident"))
            .Element("summary", summary, ("type", "text"))
            .Close("entry");
    }

    static string Time(DateTime at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
