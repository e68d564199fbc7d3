using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Flatline;

/// <summary>Fans live events out to SSE clients. Each client has a bounded queue; a client that
/// falls behind is disconnected (it reconnects and gets a fresh snapshot) rather than silently
/// losing events. Turns the writer's commits into events, and sends <c>stats_update</c> at most
/// once per monitor per 5 s, from what the commits said and the stats in memory.</summary>
public sealed class LiveHub(StatsCache stats, MonitorStore monitors, TimeProvider time) : BackgroundService, ICommitListener
{
    public const int QueueLength = 4096;
    public static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(5);

    /// <summary>A monitor whose stats changed: who it is, and its status after its last check.</summary>
    readonly record struct Pending(string Id, MonitorStatus Status, DateTime LastCheckedAt);

    readonly ConcurrentDictionary<long, Channel<byte[]>> clients = new();
    readonly ConcurrentDictionary<long, long> statsSentAt = new();
    readonly ConcurrentDictionary<long, Pending> statsPending = new();
    long nextClient;

    public int Clients => clients.Count;

    /// <summary>How long a quiet stream waits before a keep-alive comment.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Monitors per page of a new client's snapshot.</summary>
    public const int SnapshotPage = 128;

    /// <summary>A new client: its queue, already receiving live events. Its snapshot of every monitor
    /// follows page by page (<see cref="WriteSnapshotPage"/>), written straight into its response, so a
    /// client costs the same whatever the number of monitors.</summary>
    public (long Id, ChannelReader<byte[]> Events) Connect()
    {
        var id = Interlocked.Increment(ref nextClient);
        var queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        clients[id] = queue;
        return (id, queue.Reader);
    }

    /// <summary>Writes the <c>stats_update</c> of the next <see cref="SnapshotPage"/> monitors after the one
    /// keyed <paramref name="afterKey"/>, as they are now; returns the last key written, or null when none
    /// was left. The caller sends what the client's queue holds before each page: those events were made
    /// before the page's stats, so the client never gets a monitor's stats older than ones it already has.</summary>
    public long? WriteSnapshotPage(IBufferWriter<byte> output, long afterKey)
    {
        var page = monitors.Headlines(afterKey, SnapshotPage);
        if (page.Count == 0) return null;
        using var json = new Utf8JsonWriter(output);
        foreach (var monitor in page)
        {
            if (stats.Get(monitor.Key, monitor.Id) is not { } windows) continue;
            output.Write("data: "u8);
            json.Reset(output);
            JsonSerializer.Serialize(json, StatsEvent(monitor.Id, monitor.Status, monitor.LastCheckedAt, windows), FlatlineJson.Default.StatsUpdateEvent);
            json.Flush();
            output.Write("\n\n"u8);
        }
        return page[^1].Key;
    }

    public void Disconnect(long id)
    {
        if (clients.TryRemove(id, out var queue)) queue.Writer.TryComplete();
    }

    /// <summary>An event of another feature (maintenance, connectivity) to every client.</summary>
    public void Publish<T>(T message, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        if (!clients.IsEmpty) Publish(Message(message, type));
    }

    void Publish(byte[] message)
    {
        foreach (var (id, queue) in clients)
            if (!queue.Writer.TryWrite(message)) Disconnect(id); // fell behind: it reconnects for a fresh snapshot
    }

    public void OnCommitted(CommittedBatch batch)
    {
        // Without a client nothing is pending: one that connects gets every monitor's stats in its snapshot.
        if (clients.IsEmpty) return;
        foreach (var e in batch.Checks) statsPending[e.MonitorKey] = new Pending(e.MonitorId, e.State.Status, Timestamps.FromMs(e.At));
        if (pendingWork.CurrentCount == 0)
        {
            try
            {
                pendingWork.Release();
            }
            catch (SemaphoreFullException)
            {
                // released by another commit meanwhile
            }
        }
        foreach (var e in batch.Checks)
        {
            var outcome = e.Outcome;
            Publish(Message(new CheckResultEvent("check_result", e.MonitorId, outcome.Ok ? MonitorStatus.Up : MonitorStatus.Down,
                outcome.StatusCode, ResponseTimes.WholeMs(outcome.LatencyUs), ResponseTimes.Ms(outcome.LatencyUs), outcome.Error,
                Timestamps.FromMs(e.CheckedAt), e.State.Status) { Location = e.Location }, FlatlineJson.Default.CheckResultEvent));
            if (e.Incident is { } incident)
                Publish(Message(IncidentEvent.Of(e.Transition == Transition.WentDown ? "incident_opened" : "incident_resolved", incident),
                    FlatlineJson.Default.IncidentEvent));
        }
    }

    // Released when a monitor's stats become pending: with nothing to send the loop sleeps, no timer ticking.
    readonly SemaphoreSlim pendingWork = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (statsPending.IsEmpty) await pendingWork.WaitAsync(stoppingToken);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                SendDueStats();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        foreach (var id in clients.Keys) Disconnect(id);
    }

    /// <summary>The most <c>stats_update</c>s one tick (a second) sends. With tens of thousands of monitors
    /// checked every few seconds, all that changed would be thousands at once, more than a client's queue
    /// holds beside the checks' own events: the rest wait for the next ticks, the longest-waiting first.</summary>
    public int StatsPerTick { get; set; } = QueueLength / 4;

    /// <summary>stats_update for each monitor that changed, no sooner than 5 s after its last one, at most
    /// <see cref="StatsPerTick"/> of them, those whose last one is oldest (or that never had one) first.</summary>
    public void SendDueStats()
    {
        var now = Database.Now(time);
        var due = new List<(long Key, long SentAt)>();
        foreach (var (key, _) in statsPending)
        {
            var sentAt = statsSentAt.TryGetValue(key, out var at) ? at : long.MinValue;
            if (sentAt == long.MinValue || now - sentAt >= (long)StatsInterval.TotalMilliseconds) due.Add((key, sentAt));
        }
        if (due.Count > StatsPerTick)
        {
            due.Sort((a, b) => a.SentAt.CompareTo(b.SentAt));
            due.RemoveRange(StatsPerTick, due.Count - StatsPerTick);
        }
        foreach (var (key, _) in due)
        {
            if (!statsPending.TryRemove(key, out var pending)) continue;
            statsSentAt[key] = now;
            if (!clients.IsEmpty && StatsMessage(key, pending.Id, pending.Status, pending.LastCheckedAt) is { } message) Publish(message);
        }
    }

    byte[]? StatsMessage(long key, string id, MonitorStatus status, DateTime? lastCheckedAt) =>
        stats.Get(key, id) is { } windows ? Message(StatsEvent(id, status, lastCheckedAt, windows), FlatlineJson.Default.StatsUpdateEvent) : null;

    static StatsUpdateEvent StatsEvent(string id, MonitorStatus status, DateTime? lastCheckedAt, MonitorStats stats) =>
        new("stats_update", id, status, lastCheckedAt, StatsSummary.Of(stats.Windows), stats.Windows);

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
