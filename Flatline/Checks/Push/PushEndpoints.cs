using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

/// <summary>Uptime Kuma's answer to a push: <c>{"ok":true}</c>, or <c>ok:false</c> with a word on why.</summary>
public sealed record PushReply(bool Ok, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Msg = null);

/// <summary>The public push routes, in their own groups without a session: the token in the path is
/// the only credential, and it reaches nothing but its own monitor's push. A wrong token, a paused
/// monitor and a token of the wrong shape get the same 404; a flood gets 429.</summary>
public static class PushEndpoints
{
    const string Text = "text/plain";
    static readonly PushReply NotFoundReply = new(false, "not found");
    static readonly PushReply LimitedReply = new(false, "too many pushes; try again in a second");

    public static IEndpointRouteBuilder MapPush(this IEndpointRouteBuilder app)
    {
        var kuma = app.MapGroup("/api/push").WithTags("Push");
        var healthchecks = app.MapGroup("/ping").WithTags("Push");
        foreach (var method in new[] { "GET", "POST" })
        {
            var suffix = method == "GET" ? "" : "Post";
            kuma.MapMethods("/{token}", [method], KumaPush).WithName("Push" + suffix)
                .WithSummary($"{method}: a push in Uptime Kuma's shape: status=up|down (default up), msg (a failure's error), ping (response time in ms)")
                .Produces<PushReply>(StatusCodes.Status404NotFound).Produces<PushReply>(StatusCodes.Status429TooManyRequests);

            healthchecks.MapMethods("/{token}", [method], Ping).WithName("Ping" + suffix)
                .WithSummary($"{method}: a successful run, healthchecks.io's shape; after /start its duration is the response time").WithText();
            healthchecks.MapMethods("/{token}/start", [method], PingStart).WithName("PingStart" + suffix)
                .WithSummary($"{method}: a run began; the next success or failure measures its duration").WithText();
            healthchecks.MapMethods("/{token}/fail", [method], PingFail).WithName("PingFail" + suffix)
                .WithSummary($"{method}: a failed run").WithText();
            healthchecks.MapMethods("/{token}/{exitCode}", [method], PingExitCode).WithName("PingExitCode" + suffix)
                .WithSummary($"{method}: a run that ended with this exit code (0-255): 0 is a success, anything else a failure").WithText();
        }
        return app;
    }

    static RouteHandlerBuilder WithText(this RouteHandlerBuilder route) => route
        .Produces<string>(StatusCodes.Status200OK, Text).Produces<string>(StatusCodes.Status404NotFound, Text)
        .Produces<string>(StatusCodes.Status429TooManyRequests, Text);

    static async Task<Results<Ok<PushReply>, JsonHttpResult<PushReply>>> KumaPush(string token, string? status, string? msg, string? ping,
        PushMonitors pushes, HttpContext context, CancellationToken cancellationToken)
    {
        // As Kuma reads them: anything but "up" is down, and a ping that is not a number is none.
        var kind = status is null or "up" ? PushKind.Success : PushKind.Failure;
        double? pingMs = double.TryParse(ping, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and < 86_400_000 ? value : null;
        var message = kind == PushKind.Failure ? Shorten(msg) ?? "push: down" : null;
        return await pushes.PushAsync(token, kind, message, pingMs, cancellationToken) switch
        {
            PushReceipt.Accepted => TypedResults.Ok(new PushReply(true)),
            PushReceipt.NotFound => TypedResults.Json(NotFoundReply, FlatlineJson.Default.PushReply, statusCode: StatusCodes.Status404NotFound),
            _ => Limited(context, TypedResults.Json(LimitedReply, FlatlineJson.Default.PushReply, statusCode: StatusCodes.Status429TooManyRequests)),
        };
    }

    static Task<ContentHttpResult> Ping(string token, PushMonitors pushes, HttpContext context, CancellationToken cancellationToken) =>
        Answer(pushes.PushAsync(token, PushKind.Success, null, null, cancellationToken), context);

    static Task<ContentHttpResult> PingStart(string token, PushMonitors pushes, HttpContext context, CancellationToken cancellationToken) =>
        Answer(pushes.PushAsync(token, PushKind.Start, null, null, cancellationToken), context);

    static Task<ContentHttpResult> PingFail(string token, PushMonitors pushes, HttpContext context, CancellationToken cancellationToken) =>
        Answer(pushes.PushAsync(token, PushKind.Failure, "push: failed", null, cancellationToken), context);

    static Task<ContentHttpResult> PingExitCode(string token, string exitCode, PushMonitors pushes, HttpContext context, CancellationToken cancellationToken)
    {
        // Not a route constraint: the document names the path as it is written.
        if (exitCode.Length > 3 || !int.TryParse(exitCode, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code > 255)
            return Task.FromResult(TypedResults.Text("not found", Text, statusCode: StatusCodes.Status404NotFound));
        var kind = code == 0 ? PushKind.Success : PushKind.Failure;
        return Answer(pushes.PushAsync(token, kind, $"exit code {code.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken), context);
    }

    /// <summary>healthchecks.io's plain-text answers.</summary>
    static async Task<ContentHttpResult> Answer(ValueTask<PushReceipt> push, HttpContext context) => await push switch
    {
        PushReceipt.Accepted => TypedResults.Text("OK", Text),
        PushReceipt.NotFound => TypedResults.Text("not found", Text, statusCode: StatusCodes.Status404NotFound),
        _ => Limited(context, TypedResults.Text("rate limited", Text, statusCode: StatusCodes.Status429TooManyRequests)),
    };

    static T Limited<T>(HttpContext context, T result)
    {
        context.Response.Headers.RetryAfter = "1";
        return result;
    }

    /// <summary>A job's message as a check's error: one line, at most 200 characters.</summary>
    static string? Shorten(string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return null;
        var line = string.Join(' ', message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return line.Length <= 200 ? line : line[..199] + "…";
    }
}
