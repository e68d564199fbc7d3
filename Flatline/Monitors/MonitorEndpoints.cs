using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public static class MonitorEndpoints
{
    public static IEndpointRouteBuilder MapMonitors(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/monitors").WithTags("Monitors");
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

    /// <param name="tag">Only monitors that carry this tag.</param>
    static Ok<List<MonitorView>> ListMonitors(string? tag, MonitorStore monitors) =>
        TypedResults.Ok(monitors.List().Where(m => tag is null || m.View.Tags.Contains(tag)).Select(m => m.View).ToList());

    static Results<Ok<MonitorView>, ProblemHttpResult> GetMonitor(string id, MonitorStore monitors) =>
        monitors.Get(id) is { } monitor ? TypedResults.Ok(monitor.View) : Problems.NotFound("monitor");

    static Results<Created<MonitorView>, ValidationProblem> CreateMonitor(JsonElement body, MonitorService service)
    {
        var write = service.Create(body);
        return write.Monitor is { } created
            ? TypedResults.Created($"/api/v1/monitors/{created.View.Id}", created.View)
            : Problems.Invalid(write.Errors!);
    }

    static Results<Ok<MonitorView>, ValidationProblem, ProblemHttpResult> ReplaceMonitor(string id, JsonElement body, MonitorService service) =>
        Updated(service.Update(id, body, partial: false));

    static Results<Ok<MonitorView>, ValidationProblem, ProblemHttpResult> PatchMonitor(string id, JsonElement body, MonitorService service) =>
        Updated(service.Update(id, body, partial: true));

    static Results<Ok<MonitorView>, ValidationProblem, ProblemHttpResult> Updated(MonitorWrite write) => write switch
    {
        { Monitor: { } updated } => TypedResults.Ok(updated.View),
        { Errors: { } errors } => Problems.Invalid(errors),
        _ => Problems.NotFound("monitor"),
    };

    static Results<NoContent, ProblemHttpResult> DeleteMonitor(string id, MonitorService service) =>
        service.Delete(id) ? TypedResults.NoContent() : Problems.NotFound("monitor");

    /// <param name="location">Only the checks this location ran (<c>local</c>: the main node's).</param>
    static Results<Ok<List<CheckView>>, ValidationProblem, ProblemHttpResult> ListChecks(string id, string? limit, string? before, string? location, MonitorStore monitors)
    {
        if (!TryPage(limit, before, out var count, out var until, out var errors)) return Problems.Invalid(errors);
        return monitors.ListChecks(id, count, until, location) is { } checks ? TypedResults.Ok(checks) : Problems.NotFound("monitor");
    }

    static Results<Ok<List<IncidentView>>, ValidationProblem, ProblemHttpResult> ListIncidents(string id, string? limit, string? before, IncidentStore incidents)
    {
        if (!TryPage(limit, before, out var count, out var until, out var errors)) return Problems.Invalid(errors);
        return incidents.List(id, count, until) is { } page ? TypedResults.Ok(page) : Problems.NotFound("monitor");
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
