using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public static class MaintenanceEndpoints
{
    public static IEndpointRouteBuilder MapMaintenance(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/maintenance").WithTags("Maintenance");
        group.MapGet("/", ListWindows).WithName("ListMaintenance").WithSummary("List maintenance windows with whether each is active and its next occurrences");
        group.MapPost("/", CreateWindow).WithName("CreateMaintenance").WithSummary("Create a maintenance window for monitors and tags");
        group.MapGet("/{id}", GetWindow).WithName("GetMaintenance").WithSummary("Get one maintenance window");
        group.MapPatch("/{id}", UpdateWindow).WithName("UpdateMaintenance").WithSummary("Change some of a maintenance window's fields (a schedule is replaced whole)");
        group.MapDelete("/{id}", DeleteWindow).WithName("DeleteMaintenance").WithSummary("Delete a maintenance window");
        return app;
    }

    static Ok<List<MaintenanceView>> ListWindows(MaintenanceCalendar calendar) =>
        TypedResults.Ok(calendar.Windows.Select(calendar.View).ToList());

    static Results<Ok<MaintenanceView>, ProblemHttpResult> GetWindow(string id, MaintenanceCalendar calendar) =>
        calendar.Find(id) is { } window ? TypedResults.Ok(calendar.View(window)) : Problems.NotFound("maintenance window");

    static Results<Created<MaintenanceView>, ValidationProblem> CreateWindow(JsonElement body, MaintenanceService service)
    {
        var (view, errors) = service.Create(body);
        return view is not null ? TypedResults.Created($"/api/v1/maintenance/{view.Id}", view) : Problems.Invalid(errors!);
    }

    static Results<Ok<MaintenanceView>, ValidationProblem, ProblemHttpResult> UpdateWindow(string id, JsonElement body, MaintenanceService service) =>
        service.Update(id, body) switch
        {
            ({ } view, _) => TypedResults.Ok(view),
            (_, { } errors) => Problems.Invalid(errors),
            _ => Problems.NotFound("maintenance window"),
        };

    static Results<NoContent, ProblemHttpResult> DeleteWindow(string id, MaintenanceService service) =>
        service.Delete(id) ? TypedResults.NoContent() : Problems.NotFound("maintenance window");
}

/// <summary>Window writes: validate, store, refresh the calendar the engine reads, then tell the
/// listeners (status pages) which monitors the window covered and covers.</summary>
public sealed class MaintenanceService(MaintenanceStore store, MaintenanceCalendar calendar, IEnumerable<IMaintenanceListener> listeners, TimeProvider time)
{
    public (MaintenanceView? View, Dictionary<string, string[]>? Errors) Create(JsonElement body)
    {
        if (MaintenanceValidator.Validate(body, null, store, time.GetUtcNow().UtcDateTime, out var errors) is not { } draft) return (null, errors);
        var id = store.Create(draft).Id;
        return (Refreshed(id, []), null);
    }

    /// <summary>Both null: no such window.</summary>
    public (MaintenanceView? View, Dictionary<string, string[]>? Errors) Update(string id, JsonElement body)
    {
        if (store.Get(id) is not { } current) return (null, null);
        if (MaintenanceValidator.Validate(body, current.Draft, store, time.GetUtcNow().UtcDateTime, out var errors) is not { } draft) return (null, errors);
        return store.Update(id, draft) is null ? (null, null) : (Refreshed(id, current.Targets), null);
    }

    public bool Delete(string id)
    {
        var before = calendar.Find(id)?.Stored.Targets ?? [];
        var deleted = store.Delete(id);
        calendar.Refresh();
        Tell(before);
        return deleted;
    }

    MaintenanceView? Refreshed(string id, long[] before)
    {
        calendar.Refresh();
        var window = calendar.Find(id);
        Tell([.. before, .. window?.Stored.Targets ?? []]);
        return window is not null ? calendar.View(window) : null;
    }

    void Tell(long[] monitorKeys)
    {
        foreach (var listener in listeners) listener.MaintenanceChanged(monitorKeys);
    }
}

public static class MaintenanceServices
{
    public static IServiceCollection AddMaintenance(this IServiceCollection services)
    {
        services.AddSingleton<MaintenanceStore>();
        services.AddSingleton<MaintenanceCalendar>();
        services.AddSingleton<IQuietTime>(sp => sp.GetRequiredService<MaintenanceCalendar>());
        services.AddSingleton<IMonitorChangeListener>(sp => sp.GetRequiredService<MaintenanceCalendar>());
        services.AddSingleton<MaintenanceService>();
        services.AddSingleton<IStatusPageMaintenance, MaintenanceNotices>();
        services.AddSingleton<MaintenanceClock>();
        services.AddHostedService(sp => sp.GetRequiredService<MaintenanceClock>());
        return services;
    }
}
