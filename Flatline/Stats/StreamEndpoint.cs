namespace Flatline;

/// <summary>The live stream: one hand-written SSE writer over the hub's queue for this client.</summary>
public static class StreamEndpoint
{
    public static async Task Stream(HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime)
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
