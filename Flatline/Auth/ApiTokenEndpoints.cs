using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public sealed record CreateApiTokenRequest(string? Name, bool? ReadOnly);

public static class ApiTokenEndpoints
{
    public static IEndpointRouteBuilder MapApiTokens(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tokens").WithTags("API tokens");
        group.MapGet("/", ListTokens).WithName("ListApiTokens").WithSummary("List API tokens (never the tokens themselves)");
        group.MapPost("/", CreateToken).WithName("CreateApiToken").WithSummary("Create an API token; the token is shown only in this response");
        group.MapDelete("/{id}", RevokeToken).WithName("RevokeApiToken").WithSummary("Revoke an API token for good");
        return app;
    }

    static Ok<List<ApiToken>> ListTokens(ApiTokenStore tokens) => TypedResults.Ok(tokens.List());

    static Results<Created<CreatedApiToken>, ValidationProblem> CreateToken(CreateApiTokenRequest request, ApiTokenStore tokens)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
            return Problems.Invalid("name", "is required and must be 1-100 characters");
        var created = tokens.Create(name, request.ReadOnly ?? false);
        return TypedResults.Created($"/api/v1/tokens/{created.Id}", created);
    }

    static Results<NoContent, ProblemHttpResult> RevokeToken(string id, ApiTokenStore tokens) =>
        tokens.Revoke(id) ? TypedResults.NoContent() : Problems.NotFound("API token");
}
