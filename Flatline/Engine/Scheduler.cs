namespace Flatline;

/// <summary>The one scheduler: a <see cref="PeriodicTimer"/> whose ticks coalesce, so an overrun
/// never bursts.</summary>
public sealed class Scheduler(SchedulerHeartbeat heartbeat, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        heartbeat.Beat(Database.Now(time));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                heartbeat.Beat(Database.Now(time));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

public static class EngineServices
{
    public static IServiceCollection AddEngine(this IServiceCollection services)
    {
        services.AddSingleton<SchedulerHeartbeat>();
        services.AddHostedService<Scheduler>();
        return services;
    }
}
