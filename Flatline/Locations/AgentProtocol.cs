namespace Flatline;

/// <summary>What an agent checks, as <c>GET /api/agent/v1/assignments</c> gives it: the enabled monitors that
/// list its location, with what a probe needs (their config, secrets such as request headers included,
/// since the agent runs the request) and nothing else of the owner's. <c>revision</c> changes whenever a
/// monitor changes; the agent asks again with <c>since</c> and waits up to <c>wait_seconds</c> for the next.</summary>
public sealed record AgentAssignments(long Revision, string Location, long ServerTime, int WaitSeconds, List<AgentMonitor> Monitors);

public sealed record AgentMonitor(string Id, int Revision, string Name, MonitorConfig Config, int Interval, int Timeout);

/// <summary>A batch of an agent's results. <c>instance</c> names the agent's buffer file, whose <c>seq</c>
/// numbers increase in the order the checks ran; a batch sent again is taken once. <c>sent_at</c> is the
/// agent's clock when it sent the batch (Unix ms): with the agent's other requests it tells the main node how
/// far the agent's clock is off (the smallest recent difference, so time in transit does not count), and every
/// <c>checked_at</c> is moved by that, so an agent's clock error does not move its checks.</summary>
public sealed record AgentBatch(string Instance, long SentAt, List<AgentResult> Results);

/// <summary>One check an agent ran; times are Unix ms on the agent's clock.</summary>
public sealed record AgentResult(long Seq, string MonitorId, int Revision, long CheckedAt, bool Ok, int? StatusCode, long? LatencyUs, string? Error,
    long? TlsExpiresAt = null, string? Slow = null, string? Certificate = null)
{
    public static AgentResult Of(long seq, string monitorId, ProbeResult result) => new(seq, monitorId, result.Revision, result.CheckedAtMs,
        result.Outcome.Ok, result.Outcome.StatusCode, result.Outcome.LatencyUs, result.Outcome.Error, result.Outcome.TlsExpiresAt?.ToUnixTimeMilliseconds(),
        result.Outcome.Degradation?.Slow, result.Outcome.Degradation?.Certificate);

    public ProbeOutcome Outcome() => new(Ok, StatusCode is >= 0 and < 1000 ? StatusCode : null, LatencyUs is >= 0 and < 86_400_000_000 ? LatencyUs : null,
        Short(Error), TlsExpiresAt is { } tls ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(tls, 0, 253_402_300_799_000)) : null,
        Slow is null && Certificate is null ? null : new Degradation(Short(Slow), Short(Certificate)));

    static string? Short(string? text) => text is null || text.Length <= 500 ? text : text[..500];
}

/// <summary>The answer to a batch, sent once every result in it is stored (or dropped on purpose).</summary>
public sealed record AgentBatchReceipt(int Accepted, int Duplicates, int Dropped);
