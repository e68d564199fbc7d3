using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public static class MonitorEndpoints
{
    public static IEndpointRouteBuilder MapMonitors(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/monitors").WithTags("Monitors");
        group.MapGet("/", ListMonitors).WithName("ListMonitors").WithSummary("List every monitor with its current status");
        group.MapPost("/", CreateMonitor).WithName("CreateMonitor").WithSummary("Create a monitor; it is checked within a second");
        group.MapGet("/{id}", GetMonitor).WithName("GetMonitor").WithSummary("Get one monitor");
        group.MapPut("/{id}", ReplaceMonitor).WithName("ReplaceMonitor").WithSummary("Replace a monitor's settings");
        group.MapPatch("/{id}", PatchMonitor).WithName("UpdateMonitor").WithSummary("Change some of a monitor's settings (enabled:false pauses)");
        group.MapDelete("/{id}", DeleteMonitor).WithName("DeleteMonitor").WithSummary("Delete a monitor and all its history");
        group.MapGet("/{id}/checks", ListChecks).WithName("ListChecks").WithSummary("A monitor's checks, newest first");
        group.MapGet("/{id}/incidents", ListIncidents).WithName("ListIncidents").WithSummary("A monitor's incidents, newest first");
        return app;
    }

    static Ok<List<MonitorView>> ListMonitors(MonitorStore monitors) =>
        TypedResults.Ok(monitors.List().ConvertAll(m => m.View));

    static Results<Ok<MonitorView>, ProblemHttpResult> GetMonitor(string id, MonitorStore monitors) =>
        monitors.Get(id) is { } monitor ? TypedResults.Ok(monitor.View) : Problems.NotFound("monitor");

    static Results<Created<MonitorView>, ValidationProblem> CreateMonitor(JsonElement body, MonitorStore monitors, ProbeEngine engine)
    {
        var draft = MonitorValidator.Validate(body, null, out var errors);
        if (draft is null) return Problems.Invalid(errors);
        var created = monitors.Create(draft);
        engine.MonitorChanged(created.Key);
        return TypedResults.Created($"/api/v1/monitors/{created.View.Id}", created.View);
    }

    static Results<Ok<MonitorView>, ValidationProblem, ProblemHttpResult> ReplaceMonitor(string id, JsonElement body, MonitorStore monitors, ProbeEngine engine, StatsCache stats) =>
        Update(id, body, partial: false, monitors, engine, stats);

    static Results<Ok<MonitorView>, ValidationProblem, ProblemHttpResult> PatchMonitor(string id, JsonElement body, MonitorStore monitors, ProbeEngine engine, StatsCache stats) =>
        Update(id, body, partial: true, monitors, engine, stats);

    static Results<Ok<MonitorView>, ValidationProblem, ProblemHttpResult> Update(string id, JsonElement body, bool partial, MonitorStore monitors, ProbeEngine engine, StatsCache stats)
    {
        if (monitors.Get(id) is not { } current) return Problems.NotFound("monitor");
        var draft = MonitorValidator.Validate(body, partial ? current.Draft : null, out var errors);
        if (draft is null) return Problems.Invalid(errors);
        if (monitors.Update(id, draft) is not { } updated) return Problems.NotFound("monitor");
        stats.Invalidate(updated.Key);
        engine.MonitorChanged(updated.Key);
        return TypedResults.Ok(updated.View);
    }

    static Results<NoContent, ProblemHttpResult> DeleteMonitor(string id, MonitorStore monitors, ProbeEngine engine, StatsCache stats)
    {
        if (monitors.Delete(id) is not { } key) return Problems.NotFound("monitor");
        stats.Invalidate(key);
        engine.MonitorRemoved(key);
        return TypedResults.NoContent();
    }

    static Results<Ok<List<CheckView>>, ValidationProblem, ProblemHttpResult> ListChecks(string id, string? limit, string? before, MonitorStore monitors)
    {
        if (!TryPage(limit, before, out var count, out var until, out var errors)) return Problems.Invalid(errors);
        return monitors.ListChecks(id, count, until) is { } checks ? TypedResults.Ok(checks) : Problems.NotFound("monitor");
    }

    static Results<Ok<List<IncidentView>>, ValidationProblem, ProblemHttpResult> ListIncidents(string id, string? limit, string? before, MonitorStore monitors)
    {
        if (!TryPage(limit, before, out var count, out var until, out var errors)) return Problems.Invalid(errors);
        return monitors.ListIncidents(id, count, until) is { } incidents ? TypedResults.Ok(incidents) : Problems.NotFound("monitor");
    }

    /// <summary><c>limit</c> 1-100 (default 25) and <c>before</c> as RFC 3339.</summary>
    internal static bool TryPage(string? limit, string? before, out int count, out DateTimeOffset? until, out Dictionary<string, string[]> errors)
    {
        errors = [];
        count = 25;
        until = null;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 100))
            errors["limit"] = ["must be a whole number from 1 to 100"];
        if (before is not null)
        {
            if (DateTimeOffset.TryParse(before, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) until = parsed;
            else errors["before"] = ["must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z"];
        }
        return errors.Count == 0;
    }
}
