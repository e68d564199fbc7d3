namespace Flatline;

/// <summary>The scheduler's last tick, so that /healthz can tell a stalled engine from a live one.</summary>
public sealed class SchedulerHeartbeat
{
    long lastTickMs = -1;

    public void Beat(long nowMs) => Interlocked.Exchange(ref lastTickMs, nowMs);

    public long LastTickMs => Interlocked.Read(ref lastTickMs);

    /// <summary>Null when alive, else why not.</summary>
    public string? Problem(long nowMs)
    {
        var last = Interlocked.Read(ref lastTickMs);
        if (last < 0) return "the scheduler has not started";
        var age = nowMs - last;
        return age > 5_000 ? $"the scheduler has not ticked for {age / 1000} s" : null;
    }
}
