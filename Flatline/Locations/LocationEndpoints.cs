using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

/// <summary>The owner's routes for locations (SPEC §16), under <c>/api/v1</c>.</summary>
public static class LocationEndpoints
{
    public static IEndpointRouteBuilder MapLocations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/locations").WithTags("Locations");
        group.MapGet("/", ListLocations).WithName("ListLocations")
            .WithSummary("List the locations: 'local' (the main node) and every agent's, with its last contact, version and status");
        group.MapPost("/", CreateLocation).WithName("CreateLocation")
            .WithSummary("Create a location; its agent token is shown only in this response");
        group.MapDelete("/{id}", DeleteLocation).WithName("DeleteLocation")
            .WithSummary("Delete a location (by id or name) that no monitor lists; its token stops working at once");
        return app;
    }

    static Ok<List<LocationView>> ListLocations(LocationRegistry locations) => TypedResults.Ok(locations.List());

    static Results<Created<CreatedLocation>, ValidationProblem> CreateLocation(CreateLocationRequest request, LocationRegistry locations)
    {
        var name = request.Name?.Trim();
        if (LocationNames.Problem(name) is { } problem) return Problems.Invalid("name", problem);
        if (locations.Create(name!) is not { } created) return Problems.Invalid("name", $"a location named '{name}' exists already");
        return TypedResults.Created($"/api/v1/locations/{created.Id}", created);
    }

    static Results<NoContent, ProblemHttpResult, ValidationProblem> DeleteLocation(string id, LocationRegistry locations)
    {
        if (id == LocationNames.Local) return Problems.Invalid("id", "'local' is the main node and cannot be deleted");
        return locations.Delete(id, out var usedBy) switch
        {
            LocationDelete.Deleted => TypedResults.NoContent(),
            LocationDelete.InUse => Problems.Conflict($"{usedBy} monitor(s) are checked from this location; remove it from them first"),
            _ => Problems.NotFound("location"),
        };
    }
}

public static class LocationServices
{
    public static IServiceCollection AddLocations(this IServiceCollection services)
    {
        services.AddSingleton<LocationRegistry>();
        services.AddSingleton<ILocationPresence>(sp => sp.GetRequiredService<LocationRegistry>());
        services.AddSingleton<LocationWatch>();
        services.AddSingleton<AgentFeed>();
        services.AddSingleton<IMonitorChangeListener>(sp => sp.GetRequiredService<AgentFeed>());
        services.AddSingleton<IResultRecorder, AgentSequenceRecorder>();
        services.AddSingleton<IResultRecorder, LocationRollupRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<LocationWatch>());
        return services;
    }
}
