using System.Threading.Channels;

namespace Flatline;

/// <summary>Scheduler → bounded channel → bounded probe pool → bounded channel → one writer.
/// Starts with the host; on shutdown stops scheduling, lets in-flight checks finish (at most 5 s)
/// and flushes every result before returning, unless the database still refuses writes when the
/// host's stop timeout runs out: then what is left is dropped and counted, rather than the server
/// hanging until systemd kills it.</summary>
/// <summary>Where the engine's results go: the database writer on the main node, the buffer on an agent.</summary>
public interface IResultSink
{
    /// <param name="abandon">Cancelled when stopping can wait no longer for what is left.</param>
    Task RunAsync(ChannelReader<ProbeResult> results, CancellationToken abandon);

    /// <summary>Results dropped because they could not be kept when stopping could wait no longer.</summary>
    long Lost { get; }
}

public sealed class ProbeEngine : IHostedService, IDisposable
{
    public const int MaxConcurrentProbes = 1024;
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    readonly Scheduler scheduler;
    readonly IResultSink writer;
    readonly TimeProvider time;
    readonly Channel<ProbeJob> due = Channel.CreateBounded<ProbeJob>(new BoundedChannelOptions(16_384)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    readonly Channel<ProbeResult> results = Channel.CreateBounded<ProbeResult>(new BoundedChannelOptions(16_384)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    readonly SemaphoreSlim slots = new(MaxConcurrentProbes, MaxConcurrentProbes);
    readonly CancellationTokenSource stopScheduling = new();
    readonly CancellationTokenSource abortProbes = new();
    readonly CancellationTokenSource abandonWrites = new();
    Task schedulerLoop = Task.CompletedTask, dispatcherLoop = Task.CompletedTask, writerLoop = Task.CompletedTask;
    int running;

    readonly EngineMetrics metrics;

    public ProbeEngine(Scheduler scheduler, ResultWriter writer, TimeProvider time, EngineMetrics metrics)
        : this(scheduler, (IResultSink)writer, time, metrics)
    {
    }

    public ProbeEngine(Scheduler scheduler, IResultSink writer, TimeProvider time, EngineMetrics metrics)
    {
        this.scheduler = scheduler;
        this.writer = writer;
        this.time = time;
        this.metrics = metrics;
    }

    /// <summary>The main node's writer (an agent's engine has none).</summary>
    public ResultWriter Writer => (ResultWriter)writer;

    public long Lost => writer.Lost;

    /// <summary>A result from outside the probe pool (a push), persisted like any check's.</summary>
    public ValueTask SubmitAsync(ProbeResult result, CancellationToken cancellationToken) => results.Writer.WriteAsync(result, cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        writerLoop = Task.Run(() => writer.RunAsync(results.Reader, abandonWrites.Token), CancellationToken.None);
        dispatcherLoop = Task.Run(DispatchAsync, CancellationToken.None);
        schedulerLoop = Task.Run(() => scheduler.RunAsync(job => due.Writer.TryWrite(job), stopScheduling.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    async Task DispatchAsync()
    {
        await foreach (var job in due.Reader.ReadAllAsync())
        {
            await slots.WaitAsync();
            Interlocked.Increment(ref running);
            _ = RunProbeAsync(job);
        }
    }

    async Task RunProbeAsync(ProbeJob job)
    {
        try
        {
            var checkedAt = Database.Now(time);
            metrics.ScheduleLag.Observe(Math.Max(0, checkedAt - job.DueMs) / 1000.0);
            ProbeOutcome outcome;
            try
            {
                outcome = await job.Probe.CheckAsync(job.Spec, abortProbes.Token);
                if (job.Spec.DegradedWhen is { } degradedWhen) outcome = degradedWhen.Assess(outcome, checkedAt);
            }
            catch (OperationCanceledException) when (abortProbes.IsCancellationRequested)
            {
                return; // cut off by shutdown: not a verdict on the target
            }
            await results.Writer.WriteAsync(new ProbeResult(job.Monitor.Key, job.Revision, checkedAt, outcome));
        }
        finally
        {
            job.Monitor.Finish();
            Interlocked.Decrement(ref running);
            slots.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopScheduling.CancelAsync();
        await schedulerLoop;
        due.Writer.TryComplete();
        await dispatcherLoop;

        // In-flight checks get up to five seconds; then they are cut off and not recorded.
        var deadline = DateTime.UtcNow + DrainTimeout;
        while (Volatile.Read(ref running) > 0 && DateTime.UtcNow < deadline) await Task.Delay(20, CancellationToken.None);
        if (Volatile.Read(ref running) > 0) await abortProbes.CancelAsync();
        for (var i = 0; i < MaxConcurrentProbes; i++) await slots.WaitAsync(CancellationToken.None);

        results.Writer.TryComplete();
        try
        {
            await writerLoop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await abandonWrites.CancelAsync();
            await writerLoop;
        }
    }

    public void Dispose()
    {
        stopScheduling.Dispose();
        abortProbes.Dispose();
        abandonWrites.Dispose();
        slots.Dispose();
    }
}

public static class EngineServices
{
    public static IServiceCollection AddEngine(this IServiceCollection services)
    {
        services.AddSingleton<SchedulerHeartbeat>();
        services.AddSingleton<IScheduleSource, StoredSchedule>();
        services.AddSingleton(sp => new Scheduler(sp.GetRequiredService<IScheduleSource>(), sp.GetRequiredService<CheckTypes>(),
            sp.GetRequiredService<SchedulerHeartbeat>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Scheduler>>()));
        services.AddSingleton<IMonitorChangeListener>(sp => sp.GetRequiredService<Scheduler>());
        services.AddSingleton<IResultRecorder, CheckRecorder>();
        services.AddSingleton<IResultRecorder, RollupRecorder>();
        services.AddSingleton<IResultRecorder, StateRecorder>();
        services.AddSingleton<ResultWriter>();
        services.AddSingleton(sp => new ProbeEngine(sp.GetRequiredService<Scheduler>(), sp.GetRequiredService<ResultWriter>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<EngineMetrics>()));
        services.AddHostedService(sp => sp.GetRequiredService<ProbeEngine>());
        return services;
    }
}
