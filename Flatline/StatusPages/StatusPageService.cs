using System.Text.Json;

namespace Flatline;

/// <summary>The outcome of a page write: the page, or the field errors, or neither (no such page).</summary>
public sealed record StatusPageWrite(StoredStatusPage? Page, Dictionary<string, string[]>? Errors)
{
    public static readonly StatusPageWrite NotFound = new(null, null);
}

/// <summary>Page and announcement writes as the API makes them: validate, store, then drop what the
/// cache made of the page (under its old and new slug).</summary>
public sealed class StatusPageService(StatusPageStore pages, AnnouncementStore announcements, StatusPageCache cache)
{
    public StatusPageWrite Create(JsonElement body)
    {
        if (StatusPageValidator.Validate(body, null, pages.MonitorKey, out var errors) is not { } draft) return new(null, errors);
        var (page, taken) = pages.Create(draft);
        if (taken is not null) return new(null, TakenError(taken));
        cache.PageChanged(page!.View.Slug);
        return new(page, null);
    }

    public StatusPageWrite Update(string id, JsonElement body)
    {
        if (pages.Get(id) is not { } current) return StatusPageWrite.NotFound;
        if (StatusPageValidator.Validate(body, pages.Draft(current), pages.MonitorKey, out var errors) is not { } draft) return new(null, errors);
        var (page, taken) = pages.Update(current.Key, draft);
        if (taken is not null) return new(null, TakenError(taken));
        cache.PageChanged(current.View.Slug, page?.View.Slug);
        return page is null ? StatusPageWrite.NotFound : new(page, null);
    }

    public bool Delete(string id)
    {
        if (pages.Get(id) is not { } page || !pages.Delete(page.Key)) return false;
        cache.PageChanged(page.View.Slug);
        return true;
    }

    public (AnnouncementView? Announcement, Dictionary<string, string[]>? Errors) CreateAnnouncement(StoredStatusPage page, JsonElement body)
    {
        if (StatusPageValidator.ValidateAnnouncement(body, null, out var errors) is not { } draft) return (null, errors);
        var created = announcements.Create(page, draft);
        cache.PageChanged(page.View.Slug);
        return (created, null);
    }

    public (AnnouncementView? Announcement, Dictionary<string, string[]>? Errors) UpdateAnnouncement(StoredStatusPage page, string id, JsonElement body)
    {
        if (announcements.Get(page, id) is not { } found) return (null, null);
        var existing = new AnnouncementDraft(found.View.Title, found.View.Severity, []);
        if (StatusPageValidator.ValidateAnnouncement(body, existing, out var errors) is not { } draft) return (null, errors);
        var updated = announcements.Update(page, id, draft);
        cache.PageChanged(page.View.Slug);
        return (updated, null);
    }

    public (AnnouncementView? Announcement, Dictionary<string, string[]>? Errors) AddUpdate(StoredStatusPage page, string id, JsonElement body)
    {
        if (announcements.Get(page, id) is null) return (null, null);
        if (StatusPageValidator.ValidateUpdate(body, out var errors) is not { } update) return (null, errors);
        var updated = announcements.AddUpdate(page, id, update);
        cache.PageChanged(page.View.Slug);
        return (updated, null);
    }

    public bool DeleteAnnouncement(StoredStatusPage page, string id)
    {
        if (!announcements.Delete(page, id)) return false;
        cache.PageChanged(page.View.Slug);
        return true;
    }

    static Dictionary<string, string[]> TakenError(StatusPageStore.Taken taken) =>
        new() { [taken.Field] = [taken.Field == "slug" ? "is taken by another page" : "is the custom domain of another page"] };
}
