using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

/// <summary>RFC 9457 problem results, and the handler that turns every exception into one
/// without echoing internals.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid");

    public static ValidationProblem Invalid(string field, string message) => Invalid(new() { [field] = [message] });

    public static ProblemHttpResult ApiRouteNotFound(HttpContext context) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found",
            detail: $"no API route {context.Request.Method} {context.Request.Path}");

    /// <summary>"$.config.url" → "config.url"; "$" → "body".</summary>
    internal static string FieldFromJsonPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }
}

public sealed class FlatlineExceptionHandler(IProblemDetailsService problems, ILogger<FlatlineExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => JsonProblem(json),
            BadHttpRequestException bad => BadRequestProblem(bad),
            Microsoft.Data.Sqlite.SqliteException storage when StorageErrors.IsUnwritable(storage) => StorageProblem(storage),
            _ => null,
        };
        if (problem is null)
        {
            ServerLog.UnhandledError(logger, context.Request.Method, context.Request.Path, exception);
            problem = new ProblemDetails { Status = 500, Title = "Internal Server Error", Detail = "the server failed to handle this request; the error is in its log" };
        }
        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    static HttpValidationProblemDetails JsonProblem(JsonException json)
    {
        var field = Problems.FieldFromJsonPath(json.Path);
        var message = field == "body" ? "the request body is not valid JSON" : "has the wrong type or is not valid JSON here";
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = 400,
            Title = "The request body is not valid",
        };
    }

    static ProblemDetails BadRequestProblem(BadHttpRequestException bad) => bad.StatusCode switch
    {
        413 => new ProblemDetails { Status = 413, Title = "Payload Too Large", Detail = "the request body is larger than 1 MiB" },
        415 => new ProblemDetails { Status = 415, Title = "Unsupported Media Type", Detail = "the request body must be application/json" },
        _ when bad.Message.Contains("request body", StringComparison.OrdinalIgnoreCase)
            => new ProblemDetails { Status = bad.StatusCode, Title = "Bad Request", Detail = "the request body is missing or not valid JSON" },
        _ => new ProblemDetails { Status = bad.StatusCode, Title = "Bad Request", Detail = SafeDetail(bad.Message) },
    };

    // Parameter-binding messages name the parameter and value, never internals; keep them short.
    static string SafeDetail(string message) => message.Length > 300 ? message[..300] : message;

    static ProblemDetails StorageProblem(Microsoft.Data.Sqlite.SqliteException storage) => new()
    {
        Status = 503,
        Title = "Service Unavailable",
        Detail = StorageErrors.Classify(storage) switch
        {
            StorageFault.Full => "the database disk is full; nothing was changed",
            StorageFault.ReadOnly or StorageFault.Unreachable => "the database is read-only; nothing was changed",
            StorageFault.Locked => "the database is busy; nothing was changed, try again",
            _ => "the database could not be written; nothing was changed",
        },
    };
}
