using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public static class MonitorEndpoints
{
    public static IEndpointRouteBuilder MapMonitors(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/monitors").WithTags("Monitors");
        group.MapGet("/", ListMonitors).WithName("ListMonitors").WithSummary("List every monitor with its current status");
        group.MapGet("/{id}", GetMonitor).WithName("GetMonitor").WithSummary("Get one monitor");
        return app;
    }

    static Ok<List<MonitorView>> ListMonitors(MonitorStore monitors) => TypedResults.Ok(monitors.List());

    static Results<Ok<MonitorView>, ProblemHttpResult> GetMonitor(string id, MonitorStore monitors) =>
        monitors.Get(id) is { } monitor ? TypedResults.Ok(monitor) : Problems.NotFound("monitor");
}
