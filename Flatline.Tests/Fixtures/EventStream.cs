using System.Text.Json;

namespace Flatline.Tests;

/// <summary>A real SSE client: reads the stream line by line and hands out its messages and comments.</summary>
public sealed class EventStream : IAsyncDisposable
{
    readonly HttpResponseMessage response;
    readonly StreamReader reader;

    EventStream(HttpResponseMessage response, Stream body)
    {
        this.response = response;
        reader = new StreamReader(body);
    }

    public HttpResponseMessage Response => response;
    public int Comments { get; private set; }

    public static async Task<EventStream> OpenAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/v1/stats/stream", HttpCompletionOption.ResponseHeadersRead);
        return new EventStream(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next message, or null when the server ended the stream. Fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonElement?> NextAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await reader.ReadLineAsync(limit.Token);
            if (line is null) return null;
            if (line.StartsWith(':')) { Comments++; continue; }
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            using var document = JsonDocument.Parse(line[6..]);
            return document.RootElement.Clone();
        }
    }

    /// <summary>Reads until a message of <paramref name="type"/> (for <paramref name="monitorId"/>, if given) arrives.</summary>
    public async Task<JsonElement> NextOfTypeAsync(string type, TimeSpan timeout, string? monitorId = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var message = await NextAsync(deadline - DateTime.UtcNow) ?? throw new EndOfStreamException($"the stream ended before a {type}");
            if (message.GetProperty("type").GetString() == type
                && (monitorId is null || message.GetProperty("monitor_id").GetString() == monitorId)) return message;
        }
        throw new TimeoutException($"no {type} within {timeout}");
    }

    public async ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        await Task.CompletedTask;
    }
}
