using System.Text.Json.Serialization;

namespace Flatline;

[JsonConverter(typeof(JsonStringEnumConverter<ConnectivityState>))]
public enum ConnectivityState
{
    /// <summary>CONNECTIVITY_CHECK is not set: no guard.</summary>
    [JsonStringEnumMemberName("off")] Off,
    /// <summary>No canary round has finished yet.</summary>
    [JsonStringEnumMemberName("unknown")] Unknown,
    [JsonStringEnumMemberName("online")] Online,
    /// <summary>Every canary failed in the last round.</summary>
    [JsonStringEnumMemberName("offline")] Offline,
}

/// <summary>One canary as its last round left it; <c>ok</c> null before its first round.</summary>
public sealed record CanaryView(string Target, bool? Ok, string? Error, double? LatencyMs, DateTime? CheckedAt);

/// <summary><c>GET /api/v1/connectivity</c>: whether Flatline itself has a network, since when, and each canary.</summary>
public sealed record ConnectivityView(ConnectivityState State, DateTime? Since, List<CanaryView> Canaries);

/// <summary><c>connectivity_changed</c> on the event stream: Flatline went offline or came back online.</summary>
public sealed record ConnectivityEvent(string Type, ConnectivityState State, DateTime Since);

/// <summary>When Flatline was offline, in memory for the writer (the quiet-time seam): the stored spans of
/// the last 92 days and the open one, and the failures waiting for a canary round. The guard writes it.
/// A failure that would open an incident is held until a round that ended after it says the network is
/// up; so a lost uplink never alerts, even for the monitors that fail before the guard has noticed.</summary>
public sealed class OfflineTime(Settings settings, TimeProvider time) : IQuietTime
{
    /// <summary>A round that ended this long before a failed check started still vouches for the network then.</summary>
    const long FreshMs = 2_000;
    public const long KeptMs = 92L * 24 * 3600 * 1000;

    readonly Lock gate = new();
    // Oldest first; the open one (while offline) has To null.
    readonly List<(long From, long? To)> spans = [];
    // Monitors whose incident waits for a round, with the time of the failure.
    readonly Dictionary<long, long> doubted = [];
    volatile TaskCompletionSource asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    long lastRoundEnd = long.MinValue;

    public QuietKind Kind => QuietKind.Offline;

    public ConnectivityState State { get; private set; } = settings.ConnectivityCheck.Count == 0 ? ConnectivityState.Off : ConnectivityState.Unknown;

    public long Since { get; private set; } = Database.Now(time);

    /// <summary>Completes when a failure asks for a round; <see cref="Rearm"/> makes a fresh one.</summary>
    public Task Asked => asked.Task;

    public bool Doubting
    {
        get { lock (gate) return doubted.Count > 0; }
    }

    public void Rearm()
    {
        if (asked.Task.IsCompleted) asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Asked by the state stage before a failure opens an incident (and by nothing else).</summary>
    public bool IsQuiet(long monitorKey, long at)
    {
        lock (gate)
        {
            if (Offline(at)) return true;
            if (State == ConnectivityState.Online && lastRoundEnd >= at - FreshMs) return false;
            doubted[monitorKey] = at;
        }
        asked.TrySetResult();
        return true;
    }

    bool Offline(long at)
    {
        for (var i = spans.Count - 1; i >= 0; i--)
        {
            var (from, to) = spans[i];
            if (from <= at && (to is null || at < to)) return true;
            if (to <= at) return false;
        }
        return false;
    }

    public void AddSpans(long monitorKey, long from, long to, List<QuietSpan> list)
    {
        lock (gate)
            foreach (var span in spans)
            {
                var a = Math.Max(from, span.From);
                var b = Math.Min(to, span.To ?? long.MaxValue);
                if (b > a) list.Add(new QuietSpan(a, b, QuietKind.Offline));
            }
    }

    /// <summary>The stored spans at start; an open one means Flatline was offline when it stopped, and still is
    /// until a round says otherwise.</summary>
    public void Load(IEnumerable<(long From, long? To)> stored)
    {
        lock (gate)
        {
            spans.AddRange(stored);
            if (spans.Count > 0 && spans[^1].To is null) (State, Since) = (ConnectivityState.Offline, spans[^1].From);
        }
    }

    /// <summary>A round that ran [start, end): the state it changed from (null: no change), the start of the
    /// span it closed, and the doubted monitors to check again now.</summary>
    public (ConnectivityState? From, long SpanStart, List<long> Recheck) Round(bool online, long start, long end)
    {
        List<long> recheck = [];
        ConnectivityState? from = null;
        var spanStart = start;
        lock (gate)
        {
            lastRoundEnd = end;
            if (online != (State == ConnectivityState.Online))
            {
                from = State;
                if (!online) spans.Add((start, null));
                else if (State == ConnectivityState.Offline)
                {
                    spanStart = spans[^1].From;
                    spans[^1] = (spanStart, start);
                }
                (State, Since) = (online ? ConnectivityState.Online : ConnectivityState.Offline, start);
                spans.RemoveAll(s => s.To < start - KeptMs);
            }
            foreach (var (key, at) in doubted.ToList())
            {
                if (end < at - FreshMs) continue;
                doubted.Remove(key);
                if (online) recheck.Add(key);
            }
        }
        return (from, spanStart, recheck);
    }
}

/// <summary>The connectivity guard (SPEC §13): every <see cref="Interval"/>, and at once when a failure
/// would open an incident (one round for all of them), it runs the CONNECTIVITY_CHECK canaries with the tcp
/// and dns probes. When every canary fails, Flatline is offline: the span is stored in <c>offline_spans</c>
/// and is quiet time (<see cref="OfflineTime"/>: no incident, no alert; <c>offline_seconds</c>, not
/// downtime), and every channel gets one notice when the network is lost and one when it is back. Held
/// failures are checked again at once when a round finds the network up, and open their incident then.</summary>
public sealed class ConnectivityGuard(Settings settings, OfflineTime offline, CheckTypes checkTypes, Database database, Scheduler scheduler,
    Outbox outbox, LiveHub live, TimeProvider time, ILogger<ConnectivityGuard> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    static readonly TimeSpan CanaryTimeout = TimeSpan.FromSeconds(5);

    sealed class Canary(ConnectivityCanary canary, IProbe probe, CheckSpec spec)
    {
        public ConnectivityCanary Definition { get; } = canary;
        public IProbe Probe { get; } = probe;
        public CheckSpec Spec { get; } = spec;
        public ProbeOutcome? Last { get; set; }
        public DateTime? CheckedAt { get; set; }
    }

    readonly Canary[] canaries = [.. settings.ConnectivityCheck.Select(c => c.Type == "tcp"
        ? new Canary(c, checkTypes.Find("tcp")!.Probe!, new TcpCheckSpec(c.Host, c.Port, false, true, CanaryTimeout))
        : new Canary(c, checkTypes.Find("dns")!.Probe!, new DnsCheckSpec(c.Name!, "A", c.Host.Length == 0 ? null : new DnsServer(c.Host, c.Port), null, 0, CanaryTimeout)))];

    public ConnectivityView View()
    {
        lock (canaries)
            return new ConnectivityView(offline.State, offline.State == ConnectivityState.Off ? null : Timestamps.FromMs(offline.Since),
                [.. canaries.Select(c => new CanaryView(c.Definition.ToString(), c.Last?.Ok, c.Last?.Error, ResponseTimes.Ms(c.Last?.LatencyUs), c.CheckedAt))]);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            Load();
            if (canaries.Length == 0) return;
            using var timer = new PeriodicTimer(Interval, time);
            Task<bool>? tick = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                offline.Rearm();
                await RoundAsync(stoppingToken);
                // A failure doubted while the round ran needs a round that ended after it.
                if (offline.Doubting) continue;
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                await Task.WhenAny(tick, offline.Asked);
                if (tick.IsCompleted)
                {
                    if (!await tick) return;
                    tick = null;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The spans kept in memory; an open span of a run that ended stays open when the guard is on
    /// (the first round decides), and is closed now when it is off.</summary>
    void Load()
    {
        var now = Database.Now(time);
        using var connection = database.Open();
        if (canaries.Length == 0)
        {
            using var close = connection.CreateCommand();
            close.CommandText = "UPDATE offline_spans SET ended_at = max(started_at, $now) WHERE ended_at IS NULL";
            close.Parameters.AddWithValue("$now", now);
            close.ExecuteNonQuery();
            return;
        }
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT started_at, ended_at FROM offline_spans WHERE ended_at IS NULL OR ended_at > $since ORDER BY started_at";
        read.Parameters.AddWithValue("$since", now - OfflineTime.KeptMs);
        using var rows = read.ExecuteReader();
        var stored = new List<(long, long?)>();
        while (rows.Read()) stored.Add((rows.GetInt64(0), rows.IsDBNull(1) ? null : rows.GetInt64(1)));
        offline.Load(stored);
    }

    async Task RoundAsync(CancellationToken cancellationToken)
    {
        var start = Database.Now(time);
        var outcomes = await Task.WhenAll(canaries.Select(c => c.Probe.CheckAsync(c.Spec, cancellationToken)));
        var end = Database.Now(time);
        var online = outcomes.Any(o => o.Ok);
        lock (canaries)
            for (var i = 0; i < canaries.Length; i++) (canaries[i].Last, canaries[i].CheckedAt) = (outcomes[i], Timestamps.FromMs(start));
        var (from, spanStart, recheck) = offline.Round(online, start, end);
        var changed = from is not null;
        // Unknown → online is no news; a restart while offline goes on with the stored span.
        (bool Online, long Started)? news = !changed ? null : !online ? (false, start) : from == ConnectivityState.Offline ? (true, spanStart) : null;
        var errors = string.Join("; ", canaries.Select((c, i) => $"{c.Definition}: {outcomes[i].Error}"));
        // Outside the lock: the writer asks IsQuiet inside its transaction, which this write would wait for.
        if (news is { } n) Record(n.Online, n.Started, start, errors);
        if (changed)
        {
            if (online) ConnectivityLog.Online(logger);
            else ConnectivityLog.Offline(logger, errors);
            live.Publish(new ConnectivityEvent("connectivity_changed", online ? ConnectivityState.Online : ConnectivityState.Offline, Timestamps.FromMs(start)),
                FlatlineJson.Default.ConnectivityEvent);
        }
        foreach (var key in recheck) scheduler.CheckNow(key);
    }

    /// <summary>Opens or closes the stored span and tells every channel, in one transaction. A lost network
    /// delays the notice's delivery, so coming back also brings every waiting retry forward.</summary>
    void Record(bool online, long started, long at, string errors)
    {
        try
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            Run(connection, transaction, online
                ? "UPDATE offline_spans SET ended_at = $at WHERE ended_at IS NULL"
                : "INSERT OR IGNORE INTO offline_spans (started_at) VALUES ($at)", at);
            var notice = online
                ? Notification.Notice("connectivity.regained", "Flatline regained its network",
                    $"Offline from {Timestamps.FromMs(started):yyyy-MM-dd HH:mm:ss} to {Timestamps.FromMs(at):HH:mm:ss} UTC ({Duration(at - started)}); monitors are alerted on again.",
                    Timestamps.FromMs(at))
                : Notification.Notice("connectivity.lost", "Flatline lost its network",
                    $"Every connectivity check failed ({errors}); no incident opens and no alert is sent until it is back.", Timestamps.FromMs(at));
            var sent = Outbox.EnqueueNoticeToAll(connection, transaction, notice, at);
            if (online) Run(connection, transaction, "UPDATE outbox SET next_attempt_at = $at WHERE next_attempt_at > $at", at);
            transaction.Commit();
            if (sent > 0 || online) outbox.Wake();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            ConnectivityLog.RecordFailed(logger, e.Message);
        }
    }

    static void Run(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string sql, long at)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$at", at);
        command.ExecuteNonQuery();
    }

    static string Duration(long ms) => ms < 60_000 ? $"{ms / 1000} s" : ms < 3_600_000 ? $"{ms / 60_000} min {ms / 1000 % 60} s" : $"{ms / 3_600_000} h {ms / 60_000 % 60} min";
}

public static class ConnectivityServices
{
    public static IServiceCollection AddConnectivity(this IServiceCollection services, Settings settings)
    {
        services.AddSingleton<OfflineTime>();
        services.AddSingleton<ConnectivityGuard>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectivityGuard>());
        // Quiet time only with canaries: without them nobody need ask.
        if (settings.ConnectivityCheck.Count > 0) services.AddSingleton<IQuietTime>(sp => sp.GetRequiredService<OfflineTime>());
        return services;
    }

    public static IEndpointRouteBuilder MapConnectivity(this IEndpointRouteBuilder app)
    {
        app.MapGet("/connectivity", GetConnectivity).WithTags("Connectivity").WithName("GetConnectivity")
            .WithSummary("Whether Flatline itself has a network (CONNECTIVITY_CHECK), since when, and each canary's last result");
        return app;
    }

    static Microsoft.AspNetCore.Http.HttpResults.Ok<ConnectivityView> GetConnectivity(ConnectivityGuard guard) => TypedResults.Ok(guard.View());
}

static partial class ConnectivityLog
{
    [LoggerMessage(180, LogLevel.Warning, "Flatline is offline: every connectivity canary failed ({Errors}); incidents and alerts are held until it is back")]
    public static partial void Offline(ILogger logger, string errors);

    [LoggerMessage(181, LogLevel.Information, "Flatline is online again")]
    public static partial void Online(ILogger logger);

    [LoggerMessage(182, LogLevel.Error, "Could not record a connectivity change: {Message}")]
    public static partial void RecordFailed(ILogger logger, string message);
}
