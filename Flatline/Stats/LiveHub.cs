using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Flatline;

/// <summary>Fans live events out to SSE clients. Each client has a bounded queue; a client that
/// falls behind is disconnected (it reconnects and gets a fresh snapshot) rather than silently
/// losing events. Turns the writer's commits into events, and sends <c>stats_update</c> at most
/// once per monitor per 5 s.</summary>
public sealed class LiveHub : BackgroundService
{
    public const int QueueLength = 4096;
    public static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(5);

    readonly ConcurrentDictionary<long, Channel<byte[]>> clients = new();
    readonly ConcurrentDictionary<long, (string Id, long LastSentMs)> statsSent = new();
    readonly ConcurrentDictionary<long, string> statsPending = new();
    readonly StatsCache stats;
    readonly MonitorStore monitors;
    readonly TimeProvider time;
    long nextClient;

    public LiveHub(ResultWriter writer, StatsCache stats, MonitorStore monitors, TimeProvider time)
    {
        this.stats = stats;
        this.monitors = monitors;
        this.time = time;
        writer.Committed += OnCommitted;
    }

    public int Clients => clients.Count;

    /// <summary>How long a quiet stream waits before a keep-alive comment.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A new client: its queue, already receiving live events, and a snapshot of every monitor.</summary>
    public (long Id, ChannelReader<byte[]> Events, List<byte[]> Snapshot) Connect()
    {
        var id = Interlocked.Increment(ref nextClient);
        var queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        clients[id] = queue;
        var snapshot = new List<byte[]>();
        foreach (var monitor in monitors.List())
            if (StatsMessage(monitor.Key, monitor.View.Id) is { } message) snapshot.Add(message);
        return (id, queue.Reader, snapshot);
    }

    public void Disconnect(long id)
    {
        if (clients.TryRemove(id, out var queue)) queue.Writer.TryComplete();
    }

    void Publish(byte[] message)
    {
        foreach (var (id, queue) in clients)
            if (!queue.Writer.TryWrite(message)) Disconnect(id); // fell behind: it reconnects for a fresh snapshot
    }

    internal void OnCommitted(IReadOnlyList<MonitorEvent> events)
    {
        foreach (var e in events) statsPending[e.MonitorKey] = e.MonitorId;
        if (clients.IsEmpty) return;
        foreach (var e in events)
        {
            var outcome = e.Result.Outcome;
            Publish(Message(new CheckResultEvent("check_result", e.MonitorId, outcome.Ok ? MonitorStatus.Up : MonitorStatus.Down,
                outcome.StatusCode, outcome.LatencyUs is { } us ? Math.Round(us / 1000.0, 3) : null, outcome.Error,
                Timestamps.FromMs(e.Result.CheckedAtMs), e.State.Status), FlatlineJson.Default.CheckResultEvent));
            if (e.Incident is { } incident)
                Publish(Message(new IncidentEvent(e.Transition == Transition.WentDown ? "incident_opened" : "incident_resolved", e.MonitorId, incident),
                    FlatlineJson.Default.IncidentEvent));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) SendDueStats();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        foreach (var id in clients.Keys) Disconnect(id);
    }

    /// <summary>stats_update for each monitor that changed, no sooner than 5 s after its last one.</summary>
    public void SendDueStats()
    {
        var now = Database.Now(time);
        foreach (var (key, id) in statsPending)
        {
            if (statsSent.TryGetValue(key, out var sent) && now - sent.LastSentMs < (long)StatsInterval.TotalMilliseconds) continue;
            statsPending.TryRemove(key, out _);
            statsSent[key] = (id, now);
            if (!clients.IsEmpty && StatsMessage(key, id) is { } message) Publish(message);
        }
    }

    byte[]? StatsMessage(long key, string id)
    {
        if (stats.Get(key, id) is not { } windows || monitors.Get(key) is not { } monitor) return null;
        return Message(new StatsUpdateEvent("stats_update", id, monitor.View.Status, monitor.View.LastCheckedAt, windows.Windows),
            FlatlineJson.Default.StatsUpdateEvent);
    }

    static byte[] Message<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var message = new byte[6 + json.Length + 2];
        "data: "u8.CopyTo(message);
        json.CopyTo(message, 6);
        message[^2] = (byte)'\n';
        message[^1] = (byte)'\n';
        return message;
    }

    public static readonly byte[] KeepAlive = Encoding.ASCII.GetBytes(": keep-alive\n\n");
}
