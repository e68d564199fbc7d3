using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

/// <summary>The owner's routes for status pages and their announcements (under /api/v1, which needs a caller).</summary>
public static class StatusPageEndpoints
{
    public static IEndpointRouteBuilder MapStatusPages(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/status-pages").WithTags("Status pages");
        group.MapGet("/", ListPages).WithName("ListStatusPages").WithSummary("List every status page");
        group.MapPost("/", CreatePage).WithName("CreateStatusPage").WithSummary("Create a status page; it is public at /status/{slug} at once");
        group.MapGet("/{id}", GetPage).WithName("GetStatusPage").WithSummary("Get one status page");
        group.MapPatch("/{id}", UpdatePage).WithName("UpdateStatusPage").WithSummary("Change some of a status page's settings (sections replace the old ones whole)");
        group.MapDelete("/{id}", DeletePage).WithName("DeleteStatusPage").WithSummary("Delete a status page with its announcements");
        group.MapGet("/{id}/announcements", ListAnnouncements).WithName("ListAnnouncements").WithSummary("A page's announcements, newest first");
        group.MapPost("/{id}/announcements", CreateAnnouncement).WithName("CreateAnnouncement").WithSummary("Announce something on a page, with its first updates");
        group.MapPatch("/{id}/announcements/{aid}", UpdateAnnouncement).WithName("UpdateAnnouncement").WithSummary("Change an announcement's title or severity");
        group.MapDelete("/{id}/announcements/{aid}", DeleteAnnouncement).WithName("DeleteAnnouncement").WithSummary("Delete an announcement");
        group.MapPost("/{id}/announcements/{aid}/updates", AddAnnouncementUpdate).WithName("AddAnnouncementUpdate")
            .WithSummary("Add a status update to an announcement (status resolved moves it to the page's history)");
        return app;
    }

    static Ok<List<StatusPageView>> ListPages(StatusPageStore pages) => TypedResults.Ok(pages.List().ConvertAll(p => p.View));

    static Results<Ok<StatusPageView>, ProblemHttpResult> GetPage(string id, StatusPageStore pages) =>
        pages.Get(id) is { } page ? TypedResults.Ok(page.View) : Problems.NotFound("status page");

    static Results<Created<StatusPageView>, ValidationProblem> CreatePage(JsonElement body, StatusPageService service)
    {
        var write = service.Create(body);
        return write.Page is { } page ? TypedResults.Created($"/api/v1/status-pages/{page.View.Id}", page.View) : Problems.Invalid(write.Errors!);
    }

    static Results<Ok<StatusPageView>, ValidationProblem, ProblemHttpResult> UpdatePage(string id, JsonElement body, StatusPageService service) =>
        service.Update(id, body) switch
        {
            { Page: { } page } => TypedResults.Ok(page.View),
            { Errors: { } errors } => Problems.Invalid(errors),
            _ => Problems.NotFound("status page"),
        };

    static Results<NoContent, ProblemHttpResult> DeletePage(string id, StatusPageService service) =>
        service.Delete(id) ? TypedResults.NoContent() : Problems.NotFound("status page");

    static Results<Ok<List<AnnouncementView>>, ProblemHttpResult> ListAnnouncements(string id, StatusPageStore pages, AnnouncementStore announcements) =>
        pages.Get(id) is { } page ? TypedResults.Ok(announcements.List(page)) : Problems.NotFound("status page");

    static Results<Created<AnnouncementView>, ValidationProblem, ProblemHttpResult> CreateAnnouncement(string id, JsonElement body, StatusPageStore pages, StatusPageService service)
    {
        if (pages.Get(id) is not { } page) return Problems.NotFound("status page");
        var (created, errors) = service.CreateAnnouncement(page, body);
        return created is not null
            ? TypedResults.Created($"/api/v1/status-pages/{id}/announcements/{created.Id}", created)
            : Problems.Invalid(errors!);
    }

    static Results<Ok<AnnouncementView>, ValidationProblem, ProblemHttpResult> UpdateAnnouncement(string id, string aid, JsonElement body, StatusPageStore pages, StatusPageService service)
    {
        if (pages.Get(id) is not { } page) return Problems.NotFound("status page");
        return Answer(service.UpdateAnnouncement(page, aid, body));
    }

    static Results<Ok<AnnouncementView>, ValidationProblem, ProblemHttpResult> AddAnnouncementUpdate(string id, string aid, JsonElement body, StatusPageStore pages, StatusPageService service)
    {
        if (pages.Get(id) is not { } page) return Problems.NotFound("status page");
        return Answer(service.AddUpdate(page, aid, body));
    }

    static Results<Ok<AnnouncementView>, ValidationProblem, ProblemHttpResult> Answer((AnnouncementView? Announcement, Dictionary<string, string[]>? Errors) write) => write switch
    {
        ({ } announcement, _) => TypedResults.Ok(announcement),
        (_, { } errors) => Problems.Invalid(errors),
        _ => Problems.NotFound("announcement"),
    };

    static Results<NoContent, ProblemHttpResult> DeleteAnnouncement(string id, string aid, StatusPageStore pages, StatusPageService service)
    {
        if (pages.Get(id) is not { } page) return Problems.NotFound("status page");
        return service.DeleteAnnouncement(page, aid) ? TypedResults.NoContent() : Problems.NotFound("announcement");
    }
}

public static class StatusPageServices
{
    public static IServiceCollection AddStatusPages(this IServiceCollection services)
    {
        services.AddSingleton<StatusPageStore>();
        services.AddSingleton<AnnouncementStore>();
        services.AddSingleton<PublicPageReader>();
        services.AddSingleton<StatusPageCache>();
        services.AddSingleton<ICommitListener>(s => s.GetRequiredService<StatusPageCache>());
        services.AddSingleton<IMonitorChangeListener>(s => s.GetRequiredService<StatusPageCache>());
        services.AddSingleton<IMaintenanceListener>(s => s.GetRequiredService<StatusPageCache>());
        services.AddSingleton<StatusPageService>();
        services.AddSingleton<StatusPageAssets>();
        services.AddSingleton<PagePasswords>();
        // Badges' answers; after AddStats, so that it hears of each batch after the stats cache (see BadgeCache).
        services.AddSingleton<BadgeCache>();
        services.AddSingleton<ICommitListener>(s => s.GetRequiredService<BadgeCache>());
        services.AddSingleton<IMonitorChangeListener>(s => s.GetRequiredService<BadgeCache>());
        services.AddSingleton(s => new PublicRateLimit(s.GetRequiredService<TimeProvider>())
        {
            PerSecond = s.GetRequiredService<Settings>().PublicRateLimit,
            Burst = s.GetRequiredService<Settings>().PublicRateLimit * Settings.PublicBurstSeconds,
        });
        return services;
    }
}
