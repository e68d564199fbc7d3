namespace Flatline;

/// <summary>What a check tells the channels that opt in to degraded notices (<c>on_degraded</c>).</summary>
public enum DegradedNotice
{
    None,
    /// <summary>The monitor turned degraded: a slow run reached its threshold, or a certificate not yet warned of nears expiry.</summary>
    Began,
    /// <summary>The monitor went from degraded straight back to up (a fast check, a renewed certificate).</summary>
    Ended,
}

/// <summary>The degraded state of SPEC §12, pure, applied after <see cref="StateMachine"/> has decided
/// up or down: a successful check is degraded when <c>retries + 1</c> checks in a row were slow, or
/// when its certificate expires soon. Down wins; degraded never opens an incident. A notice is due
/// when a slow run reaches its threshold, and once per certificate (its expiry tells certificates
/// apart): not again until a check sees another certificate or none near expiry. Its end is due when
/// the monitor goes from degraded to up; one that went down in between recovers with the incident's
/// own notice instead.</summary>
public static class DegradedRules
{
    public static (MonitorState Next, DegradedNotice Notice) Apply(MonitorState before, MonitorState next, ProbeOutcome outcome, int retries)
    {
        if (!outcome.Ok)
        {
            // A failure breaks a run of slow checks; until the monitor is down it stays what it was.
            var reason = next.Status == MonitorStatus.Degraded ? before.DegradedReason : null;
            return (next with { ConsecutiveSlow = 0, DegradedReason = reason, WarnedCertificate = before.WarnedCertificate }, DegradedNotice.None);
        }
        var slowRun = outcome.Degradation?.Slow is not null ? before.ConsecutiveSlow + 1 : 0;
        var slow = slowRun >= retries + 1 ? outcome.Degradation!.Slow : null;
        var certificate = outcome.Degradation?.Certificate;
        long? warned = certificate is not null ? outcome.TlsExpiresAt?.ToUnixTimeMilliseconds() : null;
        var why = slow is null ? certificate : certificate is null ? slow : $"{slow}; {certificate}";
        var notify = slowRun == retries + 1 || (certificate is not null && warned != before.WarnedCertificate);
        var status = why is null || next.Status != MonitorStatus.Up ? next.Status : MonitorStatus.Degraded;
        var notice = status == MonitorStatus.Degraded && notify ? DegradedNotice.Began
            : status == MonitorStatus.Up && before.Status == MonitorStatus.Degraded ? DegradedNotice.Ended
            : DegradedNotice.None;
        return (next with { Status = status, ConsecutiveSlow = slowRun, DegradedReason = why, WarnedCertificate = warned }, notice);
    }
}
