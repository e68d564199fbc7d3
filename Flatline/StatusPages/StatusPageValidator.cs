using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Flatline;

/// <summary>A monitor placed on a page: its key for the database, its id for the API.</summary>
public sealed record PlacedMonitor(long Key, string Id);

public sealed record SectionDraft(string Name, List<PlacedMonitor> Monitors);

/// <summary>A validated page. <see cref="PasswordHash"/> is the hash to store when
/// <see cref="PasswordChanged"/> (null: no password); otherwise the stored one stays.</summary>
public sealed record StatusPageDraft(
    string Slug, string Title, string? Description, string? LogoUrl, string? CustomDomain,
    List<SectionDraft> Sections, bool ShowUrls, bool PasswordChanged, string? PasswordHash, string? Footer);

public sealed record AnnouncementDraft(string Title, AnnouncementSeverity Severity, List<AnnouncementUpdateDraft> Updates);

public sealed record AnnouncementUpdateDraft(AnnouncementStatus Status, string Message, long? At);

/// <summary>Reads page and announcement bodies by hand and names each bad field (<c>sections[1].monitors[0]</c>).</summary>
public static partial class StatusPageValidator
{
    public const int MaxTextLength = 2000;
    public const int MaxSections = 50;
    public const int MaxMonitorsPerPage = 500;
    public const int MinPasswordLength = 8;
    public const int MaxLogoLength = 64 * 1024;

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$")]
    private static partial Regex DataImage();

    public static bool IsSlug(string value) => SlugPattern().IsMatch(value);

    /// <param name="existing">The page a PATCH changes: absent fields keep its values.</param>
    /// <param name="monitorKey">The key of a monitor id, or null when there is no such monitor.</param>
    public static StatusPageDraft? Validate(JsonElement body, StatusPageDraft? existing, Func<string, long?> monitorKey, out Dictionary<string, string[]> errors)
    {
        var problems = errors = [];
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems["body"] = ["must be a JSON object"];
            return null;
        }

        var slug = existing?.Slug;
        if (body.TryGetProperty("slug", out var slugElement) || existing is null)
        {
            slug = slugElement.ValueKind == JsonValueKind.String ? slugElement.GetString() : null;
            if (slug is null || !IsSlug(slug))
                Add(problems, "slug", "is required: 1-64 lower-case letters, digits and inner hyphens, such as 'acme-status'");
        }

        var title = Title(body, existing?.Title, problems);

        var description = OptionalText(body, "description", existing?.Description, problems);
        var footer = OptionalText(body, "footer", existing?.Footer, problems);

        var logo = existing?.LogoUrl;
        if (body.TryGetProperty("logo_url", out var logoElement))
        {
            logo = NullableString(logoElement, "logo_url", problems);
            if (logo is not null && !IsLocalImage(logo))
                Add(problems, "logo_url", $"must be a path on this server such as /logo.png, or a data:image URL (png, jpeg, gif, webp, svg) of at most {MaxLogoLength / 1024} KiB: the page loads nothing from another host");
        }

        var domain = existing?.CustomDomain;
        if (body.TryGetProperty("custom_domain", out var domainElement))
        {
            domain = NullableString(domainElement, "custom_domain", problems)?.Trim().TrimEnd('.').ToLowerInvariant();
            if (domain is "") domain = null;
            if (domain is not null && (!HostNames.IsValid(domain) || !domain.Contains('.', StringComparison.Ordinal) || System.Net.IPAddress.TryParse(domain, out _)))
                Add(problems, "custom_domain", "must be a host name such as status.example.com (no scheme, port or path)");
        }

        var showUrls = existing?.ShowUrls ?? false;
        if (body.TryGetProperty("show_urls", out var showElement))
        {
            if (showElement.ValueKind is JsonValueKind.True or JsonValueKind.False) showUrls = showElement.GetBoolean();
            else Add(problems, "show_urls", "must be true or false");
        }

        var passwordChanged = false;
        string? passwordHash = null;
        if (body.TryGetProperty("password", out var passwordElement))
        {
            if (passwordElement.ValueKind == JsonValueKind.Null) passwordChanged = true;
            else if (passwordElement.ValueKind == JsonValueKind.String && passwordElement.GetString() is { Length: >= MinPasswordLength and <= 200 } password)
            {
                passwordChanged = true;
            }
            else Add(problems, "password", $"must be {MinPasswordLength}-200 characters, or null to remove it");
        }

        var sections = existing?.Sections ?? [];
        if (body.TryGetProperty("sections", out var sectionsElement)) sections = Sections(sectionsElement, monitorKey, problems);

        if (problems.Count > 0) return null;
        // The hash is slow on purpose: made only once the rest is known to be good.
        if (passwordChanged && passwordHash is null && passwordElement.ValueKind == JsonValueKind.String)
            passwordHash = LocalOwner.HashPassword(passwordElement.GetString()!);
        return new StatusPageDraft(slug!, title!, description, logo, domain, sections, showUrls, passwordChanged, passwordHash, footer);
    }

    /// <summary>The title (1-200 characters once trimmed): required unless a PATCH leaves it out.</summary>
    static string? Title(JsonElement body, string? existing, Dictionary<string, string[]> problems)
    {
        if (!body.TryGetProperty("title", out var element) && existing is not null) return existing;
        var title = element.ValueKind == JsonValueKind.String ? element.GetString()!.Trim() : null;
        if (Names.Problem(title) is { } problem) Add(problems, "title", problem);
        return title;
    }

    static List<SectionDraft> Sections(JsonElement element, Func<string, long?> monitorKey, Dictionary<string, string[]> problems)
    {
        var sections = new List<SectionDraft>();
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > MaxSections)
        {
            Add(problems, "sections", $"must be a list of at most {MaxSections} sections {{name, monitors: [ids]}}");
            return sections;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var section in element.EnumerateArray())
        {
            var at = $"sections[{i++}]";
            if (section.ValueKind != JsonValueKind.Object)
            {
                Add(problems, at, "must be an object {name, monitors: [ids]}");
                continue;
            }
            var name = section.TryGetProperty("name", out var nameElement) && nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString()!.Trim() : null;
            if (Names.Problem(name) is { } problem) Add(problems, at + ".name", problem);
            var monitors = new List<PlacedMonitor>();
            if (!section.TryGetProperty("monitors", out var list) || list.ValueKind != JsonValueKind.Array)
                Add(problems, at + ".monitors", "must be a list of monitor ids");
            else
            {
                var j = 0;
                foreach (var item in list.EnumerateArray())
                {
                    var field = $"{at}.monitors[{j++}]";
                    var id = item.ValueKind == JsonValueKind.String ? item.GetString()! : null;
                    if (id is null) Add(problems, field, "must be a monitor id");
                    else if (!seen.Add(id)) Add(problems, field, "is on this page already");
                    else if (monitorKey(id) is { } key) monitors.Add(new PlacedMonitor(key, id));
                    else Add(problems, field, "no such monitor");
                }
            }
            sections.Add(new SectionDraft(name ?? "", monitors));
        }
        if (seen.Count > MaxMonitorsPerPage) Add(problems, "sections", $"a page shows at most {MaxMonitorsPerPage} monitors");
        return sections;
    }

    public static AnnouncementDraft? ValidateAnnouncement(JsonElement body, AnnouncementDraft? existing, out Dictionary<string, string[]> errors)
    {
        var problems = errors = [];
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems["body"] = ["must be a JSON object"];
            return null;
        }
        var title = Title(body, existing?.Title, problems);
        var severity = existing?.Severity ?? AnnouncementSeverity.Info;
        if (body.TryGetProperty("severity", out var severityElement) || existing is null)
        {
            if (Enum(severityElement, out AnnouncementSeverity parsed)) severity = parsed;
            else Add(problems, "severity", "must be one of info, minor, major, maintenance");
        }
        var updates = new List<AnnouncementUpdateDraft>();
        if (body.TryGetProperty("updates", out var updatesElement))
        {
            if (existing is not null) Add(problems, "updates", "are added one at a time with POST …/announcements/{aid}/updates");
            else if (updatesElement.ValueKind != JsonValueKind.Array || updatesElement.GetArrayLength() > 100)
                Add(problems, "updates", "must be a list of at most 100 updates {status, message, at?}");
            else
            {
                var i = 0;
                foreach (var item in updatesElement.EnumerateArray())
                    if (Update(item, $"updates[{i++}].", problems) is { } update) updates.Add(update);
            }
        }
        return problems.Count == 0 ? new AnnouncementDraft(title!, severity, updates) : null;
    }

    public static AnnouncementUpdateDraft? ValidateUpdate(JsonElement body, out Dictionary<string, string[]> errors)
    {
        var problems = errors = [];
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems["body"] = ["must be a JSON object"];
            return null;
        }
        return Update(body, "", problems);
    }

    static AnnouncementUpdateDraft? Update(JsonElement item, string prefix, Dictionary<string, string[]> problems)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            Add(problems, prefix.TrimEnd('.'), "must be an object {status, message, at?}");
            return null;
        }
        var before = problems.Count;
        if (!item.TryGetProperty("status", out var statusElement) || !Enum(statusElement, out AnnouncementStatus status))
        {
            Add(problems, prefix + "status", "must be one of investigating, identified, monitoring, resolved");
            status = default;
        }
        var message = item.TryGetProperty("message", out var messageElement) && messageElement.ValueKind == JsonValueKind.String ? messageElement.GetString()!.Trim() : null;
        if (string.IsNullOrEmpty(message) || message.Length > MaxTextLength) Add(problems, prefix + "message", $"is required and must be 1-{MaxTextLength} characters");
        long? at = null;
        if (item.TryGetProperty("at", out var atElement) && atElement.ValueKind != JsonValueKind.Null)
        {
            if (atElement.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(atElement.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                at = parsed.ToUnixTimeMilliseconds();
            else Add(problems, prefix + "at", "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z");
        }
        return problems.Count == before ? new AnnouncementUpdateDraft(status, message!, at) : null;
    }

    static bool Enum(JsonElement element, out AnnouncementSeverity value)
    {
        var parsed = element.ValueKind == JsonValueKind.String ? AnnouncementStore.ParseSeverity(element.GetString()) : null;
        value = parsed ?? default;
        return parsed is not null;
    }

    static bool Enum(JsonElement element, out AnnouncementStatus value)
    {
        var parsed = element.ValueKind == JsonValueKind.String ? AnnouncementStore.ParseStatus(element.GetString()) : null;
        value = parsed ?? default;
        return parsed is not null;
    }

    static bool IsLocalImage(string url) =>
        url.Length <= MaxLogoLength
        && ((url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal)
             && Uri.IsWellFormedUriString(url, UriKind.Relative))
            || DataImage().IsMatch(url));

    static string? OptionalText(JsonElement body, string field, string? fallback, Dictionary<string, string[]> problems)
    {
        if (!body.TryGetProperty(field, out var element)) return fallback;
        var text = NullableString(element, field, problems)?.Trim();
        if (text is { Length: > MaxTextLength }) Add(problems, field, $"must be at most {MaxTextLength} characters");
        return string.IsNullOrEmpty(text) ? null : text;
    }

    static string? NullableString(JsonElement element, string field, Dictionary<string, string[]> problems)
    {
        if (element.ValueKind == JsonValueKind.Null) return null;
        if (element.ValueKind == JsonValueKind.String) return element.GetString();
        Add(problems, field, "must be a string or null");
        return null;
    }

    static void Add(Dictionary<string, string[]> problems, string field, string message) => FieldErrors.Add(problems, field, message);
}
