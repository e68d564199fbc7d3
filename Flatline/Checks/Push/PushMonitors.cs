using System.Security.Cryptography;
using System.Text;

namespace Flatline;

/// <summary>What a push says: a success, a failure, or (healthchecks.io's <c>/start</c>) that a run began.</summary>
public enum PushKind { Success, Failure, Start }

public enum PushReceipt { Accepted, NotFound, Limited }

/// <summary>How many pushes are taken: per monitor (a burst, then a steady rate), for all monitors
/// together (so that a flood cannot crowd probe results out of the writer), and for unknown tokens.</summary>
public sealed record PushLimits(
    double PerMonitorBurst = 20, double PerMonitorPerSecond = 5,
    double GlobalBurst = 2000, double GlobalPerSecond = 1000,
    double UnknownBurst = 100, double UnknownPerSecond = 20)
{
    /// <summary>PUSH_RATE_LIMIT and PUSH_RATE_LIMIT_TOTAL, each with its burst; unknown tokens keep theirs.</summary>
    public static PushLimits From(Settings settings) => new(
        PerMonitorBurst: 4 * settings.PushRateLimit, PerMonitorPerSecond: settings.PushRateLimit,
        GlobalBurst: 2 * settings.PushRateLimitTotal, GlobalPerSecond: settings.PushRateLimitTotal);
}

/// <summary>A token bucket on a clock: <c>burst</c> at once, refilled at <c>perSecond</c>. Not thread-safe.</summary>
public sealed class TokenBucket(double burst, double perSecond, TimeProvider time)
{
    readonly double capacity = burst;
    double tokens = burst;
    long last = time.GetTimestamp();

    public bool TryTake()
    {
        var now = time.GetTimestamp();
        tokens = Math.Min(capacity, tokens + time.GetElapsedTime(last, now).TotalSeconds * perSecond);
        last = now;
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
    }
}

/// <summary>The enabled push monitors, found by a hash of their token and compared in constant time,
/// each with one timer on its deadline: a push that has not come by the expected run plus the grace
/// is a failed check recorded at that very deadline. After a restart a deadline that passed while
/// Flatline was stopped starts again from the restart, since a push sent meanwhile went unseen.</summary>
public sealed class PushMonitors(MonitorStore monitors, CheckTypes checkTypes, ProbeEngine engine, PushLimits limits, TimeProvider time)
    : IMonitorChangeListener, IHostedService, IDisposable
{
    sealed class Pushed(long key, int revision, byte[] token, string hash, PushSchedule schedule, TokenBucket bucket)
    {
        public long Key { get; } = key;
        public int Revision { get; } = revision;
        public byte[] Token { get; } = token;
        public string Hash { get; } = hash;
        public PushSchedule Schedule { get; } = schedule;
        public TokenBucket Bucket { get; } = bucket;
        public long ExpectedMs;
        public long DeadlineMs;
        public long? StartedAt;
        public ITimer? Timer;
    }

    readonly Lock gate = new();
    readonly Dictionary<string, Pushed> byHash = new(StringComparer.Ordinal);
    readonly Dictionary<long, Pushed> byKey = [];
    readonly TokenBucket all = new(limits.GlobalBurst, limits.GlobalPerSecond, time);
    readonly TokenBucket unknown = new(limits.UnknownBurst, limits.UnknownPerSecond, time);
    bool stopped;

    public int Count
    {
        get { lock (gate) return byKey.Count; }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var now = Database.Now(time);
        foreach (var monitor in monitors.List()) Track(monitor, now, restart: true);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            stopped = true;
            foreach (var pushed in byKey.Values) pushed.Timer?.Dispose();
            byKey.Clear();
            byHash.Clear();
        }
        return Task.CompletedTask;
    }

    public void Dispose() => StopAsync(CancellationToken.None);

    /// <summary>A created, changed or deleted monitor: a new or re-configured push monitor waits one
    /// period and the grace from now; a rename keeps its deadline.</summary>
    public void MonitorChanged(long key)
    {
        if (monitors.Get(key) is { } monitor) Track(monitor, Database.Now(time), restart: false);
        else lock (gate) Forget(key);
    }

    void Track(StoredMonitor monitor, long now, bool restart)
    {
        lock (gate)
        {
            if (stopped) return;
            if (!monitor.View.Enabled || monitor.View.Config is not PushMonitorConfig config)
            {
                Forget(monitor.Key);
                return;
            }
            if (byKey.TryGetValue(monitor.Key, out var known) && known.Revision == monitor.Revision) return;
            Forget(monitor.Key);

            var spec = (PushCheckSpec)checkTypes[config].Compile(config, TimeSpan.FromSeconds(monitor.View.Timeout));
            var token = Encoding.ASCII.GetBytes(config.Token);
            var pushed = new Pushed(monitor.Key, monitor.Revision, token, Hash(token), new PushSchedule(spec, TimeSpan.FromSeconds(monitor.View.Interval)),
                new TokenBucket(limits.PerMonitorBurst, limits.PerMonitorPerSecond, time));
            var anchor = restart && monitor.View.LastCheckedAt is { } last ? (long)(last - DateTime.UnixEpoch).TotalMilliseconds : now;
            Expect(pushed, anchor);
            if (pushed.DeadlineMs <= now) Expect(pushed, now);
            byKey[pushed.Key] = pushed;
            byHash[pushed.Hash] = pushed;
            pushed.Timer = time.CreateTimer(OnDeadline, pushed, Due(pushed, now), Timeout.InfiniteTimeSpan);
        }
    }

    void Forget(long key)
    {
        if (!byKey.Remove(key, out var pushed)) return;
        byHash.Remove(pushed.Hash);
        pushed.Timer?.Dispose();
    }

    static void Expect(Pushed pushed, long afterMs)
    {
        pushed.ExpectedMs = pushed.Schedule.NextExpected(afterMs);
        pushed.DeadlineMs = pushed.ExpectedMs == long.MaxValue ? long.MaxValue : pushed.ExpectedMs + pushed.Schedule.GraceMs;
    }

    static TimeSpan Due(Pushed pushed, long now)
    {
        // A timer's longest wait is about 49 days; a later deadline is looked at again then.
        var wait = Math.Min(pushed.DeadlineMs - now, 0xfffffffeL);
        return TimeSpan.FromMilliseconds(Math.Max(0, wait));
    }

    void OnDeadline(object? state)
    {
        var pushed = (Pushed)state!;
        ProbeResult miss;
        lock (gate)
        {
            if (!byKey.TryGetValue(pushed.Key, out var current) || !ReferenceEquals(current, pushed)) return;
            var now = Database.Now(time);
            if (now < pushed.DeadlineMs)
            {
                pushed.Timer!.Change(Due(pushed, now), Timeout.InfiniteTimeSpan);
                return;
            }
            miss = new ProbeResult(pushed.Key, pushed.Revision, pushed.DeadlineMs, ProbeOutcome.Failure(pushed.Schedule.Missed(pushed.ExpectedMs)));
            // Each missed run is one failed check, so that retries count runs; a clock that jumped skips to the next run due.
            Expect(pushed, Math.Max(pushed.ExpectedMs, now - pushed.Schedule.GraceMs));
            pushed.Timer!.Change(Due(pushed, now), Timeout.InfiniteTimeSpan);
        }
        var submitted = engine.SubmitAsync(miss, CancellationToken.None);
        if (!submitted.IsCompletedSuccessfully) _ = submitted.AsTask();
    }

    /// <summary>Takes a push for <paramref name="token"/>. <paramref name="message"/> becomes a failure's
    /// error; the response time is <paramref name="pingMs"/> when the job gives one, else the time since
    /// its <c>/start</c>.</summary>
    public async ValueTask<PushReceipt> PushAsync(string token, PushKind kind, string? message, double? pingMs, CancellationToken cancellationToken)
    {
        var bytes = PushCheckType.IsTokenShaped(token) ? Encoding.ASCII.GetBytes(token) : null;
        var hash = bytes is null ? null : Hash(bytes);
        ProbeResult result;
        lock (gate)
        {
            if (hash is null || !byHash.TryGetValue(hash, out var pushed) || !CryptographicOperations.FixedTimeEquals(pushed.Token, bytes))
                return unknown.TryTake() ? PushReceipt.NotFound : PushReceipt.Limited;
            if (!pushed.Bucket.TryTake() || !all.TryTake()) return PushReceipt.Limited;
            var stamp = time.GetTimestamp();
            if (kind == PushKind.Start)
            {
                pushed.StartedAt = stamp;
                return PushReceipt.Accepted;
            }
            long? latencyUs = pingMs is { } ms ? (long)Math.Round(ms * 1000) : pushed.StartedAt is { } started ? (long)time.GetElapsedTime(started, stamp).TotalMicroseconds : null;
            pushed.StartedAt = null;
            var now = Database.Now(time);
            var outcome = kind == PushKind.Success
                ? new ProbeOutcome(true, null, latencyUs, null, null)
                : ProbeOutcome.Failure(message ?? "push: failed", latencyUs: latencyUs);
            result = new ProbeResult(pushed.Key, pushed.Revision, now, outcome);
            Expect(pushed, now);
            pushed.Timer!.Change(Due(pushed, now), Timeout.InfiniteTimeSpan);
        }
        await engine.SubmitAsync(result, cancellationToken);
        return PushReceipt.Accepted;
    }

    static string Hash(byte[] token) => Convert.ToHexString(SHA256.HashData(token));
}

public static class PushServices
{
    public static IServiceCollection AddPush(this IServiceCollection services)
    {
        services.AddSingleton(sp => PushLimits.From(sp.GetRequiredService<Settings>()));
        services.AddSingleton<PushMonitors>();
        services.AddSingleton<IMonitorChangeListener>(sp => sp.GetRequiredService<PushMonitors>());
        services.AddHostedService(sp => sp.GetRequiredService<PushMonitors>());
        return services;
    }
}
