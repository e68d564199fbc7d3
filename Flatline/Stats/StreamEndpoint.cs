namespace Flatline;

public static class StreamEndpoint
{
    public static IEndpointRouteBuilder MapStream(this IEndpointRouteBuilder app)
    {
        app.MapGet("/stats/stream", Stream)
            .WithTags("Stats")
            .WithName("StreamEvents")
            .WithSummary("Server-sent events: a stats_update per monitor on connect, then check_result, incident_opened, incident_resolved and stats_update as they happen");
        return app;
    }

    static async Task Stream(HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var (id, events, snapshot) = hub.Connect();
        try
        {
            await response.StartAsync(ended.Token);
            foreach (var message in snapshot) await response.Body.WriteAsync(message, ended.Token);
            await response.Body.FlushAsync(ended.Token);
            while (!ended.IsCancellationRequested)
            {
                bool more;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ended.Token))
                {
                    wait.CancelAfter(hub.KeepAliveInterval);
                    try
                    {
                        more = await events.WaitToReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!ended.IsCancellationRequested)
                    {
                        await response.Body.WriteAsync(LiveHub.KeepAlive, ended.Token);
                        await response.Body.FlushAsync(ended.Token);
                        continue;
                    }
                }
                if (!more) break; // disconnected for falling behind, or shutting down
                while (events.TryRead(out var message)) await response.Body.WriteAsync(message, ended.Token);
                await response.Body.FlushAsync(ended.Token);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
        }
        finally
        {
            hub.Disconnect(id);
        }
    }
}
