using System.Buffers;

namespace Flatline;

/// <summary>The live stream: one hand-written SSE writer over the hub's queue for this client. Messages
/// are copied into the response's pipe and flushed once per batch, not once per message.</summary>
public static class StreamEndpoint
{
    public static async Task Stream(HttpContext context, LiveHub hub, IHostApplicationLifetime lifetime)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var (id, events) = hub.Connect();
        try
        {
            await response.StartAsync(ended.Token);
            var output = response.BodyWriter;
            // The snapshot, a page at a time, each page after the events queued meanwhile (see WriteSnapshotPage).
            for (long? after = 0; after is { } key;)
            {
                while (events.TryRead(out var message)) output.Write(message);
                after = hub.WriteSnapshotPage(output, key);
                await output.FlushAsync(ended.Token);
            }
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
                        output.Write(LiveHub.KeepAlive);
                        await output.FlushAsync(ended.Token);
                        continue;
                    }
                }
                if (!more) break; // disconnected for falling behind, or shutting down
                while (events.TryRead(out var message)) output.Write(message);
                await output.FlushAsync(ended.Token);
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
