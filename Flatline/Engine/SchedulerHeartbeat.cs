namespace Flatline;

/// <summary>The scheduler's last wake and when it means to wake next, so that /healthz can tell a
/// stalled engine from one that sleeps because nothing is due.</summary>
public sealed class SchedulerHeartbeat
{
    /// <summary>How late past its planned wake the scheduler may be before /healthz calls it stalled.</summary>
    public const long GraceMs = 5_000;

    long lastTickMs = -1, nextTickMs = -1;

    /// <summary>A wake at <paramref name="nowMs"/> finished; the next one is planned for <paramref name="nextMs"/>.</summary>
    public void Beat(long nowMs, long nextMs)
    {
        Interlocked.Exchange(ref nextTickMs, nextMs);
        Interlocked.Exchange(ref lastTickMs, nowMs);
    }

    public void Beat(long nowMs) => Beat(nowMs, nowMs);

    public long LastTickMs => Interlocked.Read(ref lastTickMs);

    /// <summary>Null when alive, else why not.</summary>
    public string? Problem(long nowMs)
    {
        var last = Interlocked.Read(ref lastTickMs);
        if (last < 0) return "the scheduler has not started";
        var late = nowMs - Math.Max(last, Interlocked.Read(ref nextTickMs));
        return late > GraceMs ? $"the scheduler has not ticked for {(nowMs - last) / 1000} s" : null;
    }
}
