using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Flatline.Tests;

/// <summary>One request as a receiver got it.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>A header's value (repeated ones joined by ", "), or null; names are case-insensitive.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }
}

/// <summary>What a receiver answers to one request.</summary>
public sealed record ReceiverAnswer(int Status = 200, string? RetryAfter = null, string? Body = null, bool Hang = false);

/// <summary>A real HTTP receiver on 127.0.0.1 with a port of its own, standing in for Slack, ntfy,
/// PagerDuty and the rest: it records every request whole and answers what the test queued
/// (200 with an empty body once the queue is empty). A request is recorded before it is answered,
/// so it is there once the sender returns.</summary>
public sealed class Receiver : IAsyncDisposable
{
    readonly ConcurrentQueue<ReceivedRequest> requests = new();
    readonly ConcurrentQueue<ReceiverAnswer> answers = new();
    LoopbackServer server = null!;

    Receiver()
    {
    }

    public Uri BaseAddress => server.BaseAddress;

    public IReadOnlyList<ReceivedRequest> Requests => [.. requests];

    /// <summary>The base address without the trailing slash, the way a channel's config names a server.</summary>
    public string Root => BaseAddress.AbsoluteUri.TrimEnd('/');

    public Uri Url(string pathAndQuery) => server.Url(pathAndQuery);

    /// <summary>Queues the answer to the next unanswered request.</summary>
    public Receiver Answer(int status, string? retryAfter = null, string? body = null)
    {
        answers.Enqueue(new ReceiverAnswer(status, retryAfter, body));
        return this;
    }

    /// <summary>Queues a request that is read but never answered, until the client gives up.</summary>
    public Receiver Hang()
    {
        answers.Enqueue(new ReceiverAnswer(Hang: true));
        return this;
    }

    public static async Task<Receiver> StartAsync()
    {
        var receiver = new Receiver();
        receiver.server = await LoopbackServer.StartAsync(receiver.HandleAsync);
        return receiver;
    }

    async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers) headers[name] = values.ToString();
        requests.Enqueue(new ReceivedRequest(
            context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers, body.ToArray()));

        var answer = answers.TryDequeue(out var queued) ? queued : new ReceiverAnswer();
        if (answer.Hang)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }
        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfter is { } retryAfter) context.Response.Headers.RetryAfter = retryAfter;
        if (answer.Body is { } text)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(text, context.RequestAborted);
        }
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
