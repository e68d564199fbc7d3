using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public static class StatsEndpoints
{
    public static IEndpointRouteBuilder MapStats(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("").WithTags("Stats");
        api.MapGet("/stats", AllStats).WithName("GetAllStats").WithSummary("Uptime, downtime, checks and latency percentiles of every monitor over 24h, 7d, 30d and 90d");
        api.MapGet("/monitors/{id}/stats", MonitorStats).WithName("GetMonitorStats").WithSummary("One monitor's stats over 24h, 7d, 30d and 90d");
        api.MapGet("/monitors/{id}/uptime", Uptime).WithName("GetMonitorUptime").WithSummary("One row per UTC day, oldest first (days 1-400, default 90)");
        api.MapGet("/monitors/{id}/latency", Latency).WithName("GetMonitorLatency").WithSummary("Latency percentiles over time in at most 500 buckets (default: the last 24 hours)");
        api.MapGet("/stats/stream", StreamEndpoint.Stream).WithName("StreamEvents")
            .WithSummary("Server-sent events: a stats_update per monitor on connect, then check_result, incident_opened, incident_resolved and stats_update as they happen");
        return app;
    }

    static Ok<List<MonitorStats>> AllStats(StatsStore stats) => TypedResults.Ok(stats.ForAll());

    static Results<Ok<MonitorStats>, ProblemHttpResult> MonitorStats(string id, StatsStore stats) =>
        stats.ForMonitor(id) is { } result ? TypedResults.Ok(result) : Problems.NotFound("monitor");

    static Results<Ok<List<UptimeDay>>, ValidationProblem, ProblemHttpResult> Uptime(string id, string? days, StatsStore stats)
    {
        var count = 90;
        if (days is not null && (!int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > StatsStore.MaxUptimeDays))
            return Problems.Invalid("days", $"must be a whole number from 1 to {StatsStore.MaxUptimeDays}");
        return stats.Uptime(id, count) is { } rows ? TypedResults.Ok(rows) : Problems.NotFound("monitor");
    }

    static Results<Ok<LatencySeries>, ValidationProblem, ProblemHttpResult> Latency(string id, string? from, string? to, StatsStore stats, TimeProvider time)
    {
        var errors = new Dictionary<string, string[]>();
        var end = Parse(to, "to", errors) ?? time.GetUtcNow();
        var start = Parse(from, "from", errors) ?? end.AddDays(-1);
        if (errors.Count == 0 && start >= end) errors["from"] = ["must be before to"];
        if (errors.Count == 0 && end - start > TimeSpan.FromDays(StatsStore.MaxUptimeDays)) errors["from"] = [$"the range must be at most {StatsStore.MaxUptimeDays} days"];
        if (errors.Count > 0) return Problems.Invalid(errors);
        return stats.Latency(id, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds()) is { } series
            ? TypedResults.Ok(series) : Problems.NotFound("monitor");
    }

    static DateTimeOffset? Parse(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)) return value;
        errors[field] = ["must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z"];
        return null;
    }
}

public static class StatsServices
{
    public static IServiceCollection AddStats(this IServiceCollection services)
    {
        services.AddSingleton<StatsCache>();
        services.AddSingleton<ICommitListener>(sp => sp.GetRequiredService<StatsCache>());
        services.AddSingleton<IMonitorChangeListener>(sp => sp.GetRequiredService<StatsCache>());
        services.AddSingleton<StatsStore>();
        services.AddSingleton<RetentionSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        services.AddSingleton<LiveHub>();
        services.AddSingleton<ICommitListener>(sp => sp.GetRequiredService<LiveHub>());
        services.AddHostedService(sp => sp.GetRequiredService<LiveHub>());
        return services;
    }
}
