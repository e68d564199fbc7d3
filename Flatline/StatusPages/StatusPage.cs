using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>A named group of monitors on a page, in the order the owner gave them.</summary>
public sealed record StatusPageSection(string Name, List<string> Monitors);

/// <summary>A status page as the API shows it. The password is write-only: <c>has_password</c> says
/// whether one is set. <c>url</c> is where the public page is (its path on this server).</summary>
public sealed record StatusPageView(
    string Id,
    string Slug,
    string Title,
    string? Description,
    string? LogoUrl,
    string? CustomDomain,
    List<StatusPageSection> Sections,
    bool ShowUrls,
    bool HasPassword,
    string? Footer,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    public string Url => "/status/" + Slug;
}

/// <summary>A page with its internal key and the password hash, which never leaves the server.</summary>
public sealed record StoredStatusPage(long Key, string? PasswordHash, StatusPageView View);

[JsonConverter(typeof(JsonStringEnumConverter<AnnouncementSeverity>))]
public enum AnnouncementSeverity
{
    [JsonStringEnumMemberName("info")] Info,
    [JsonStringEnumMemberName("minor")] Minor,
    [JsonStringEnumMemberName("major")] Major,
    [JsonStringEnumMemberName("maintenance")] Maintenance,
}

[JsonConverter(typeof(JsonStringEnumConverter<AnnouncementStatus>))]
public enum AnnouncementStatus
{
    [JsonStringEnumMemberName("investigating")] Investigating,
    [JsonStringEnumMemberName("identified")] Identified,
    [JsonStringEnumMemberName("monitoring")] Monitoring,
    [JsonStringEnumMemberName("resolved")] Resolved,
}

public sealed record AnnouncementUpdate(string Id, AnnouncementStatus Status, string Message, DateTime At);

/// <summary>An announcement with its updates, oldest first. It is <c>resolved</c> when its latest
/// update says so; resolved ones are the page's history.</summary>
public sealed record AnnouncementView(
    string Id,
    string PageId,
    string Title,
    AnnouncementSeverity Severity,
    List<AnnouncementUpdate> Updates,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    public bool Resolved => Updates.Count > 0 && Updates[^1].Status == AnnouncementStatus.Resolved;
}

/// <summary>A status page to create, or the fields to change (for the OpenAPI document; the endpoint
/// reads the body by hand). <c>password</c>: a string of 8-200 characters sets it, null removes it,
/// absent keeps it. <c>logo_url</c> is a path on this server (<c>/logo.png</c>) or a <c>data:image/…</c>
/// URL, because the page loads nothing from another host.</summary>
public sealed record StatusPageInput(
    string Slug,
    string Title,
    string? Description = null,
    string? LogoUrl = null,
    string? CustomDomain = null,
    List<StatusPageSection>? Sections = null,
    bool? ShowUrls = null,
    string? Password = null,
    string? Footer = null);

/// <summary>An announcement to create (with its first updates) or the fields to change.</summary>
public sealed record AnnouncementInput(string Title, AnnouncementSeverity Severity, List<AnnouncementUpdateInput>? Updates = null);

/// <summary>One update; <c>at</c> defaults to now.</summary>
public sealed record AnnouncementUpdateInput(AnnouncementStatus Status, string Message, DateTime? At = null);
