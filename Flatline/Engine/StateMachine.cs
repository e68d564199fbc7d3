namespace Flatline;

/// <summary>A monitor's persisted state: what it is and how many checks in a row have failed; the
/// degraded part (<see cref="DegradedRules"/>): slow checks in a row, why it is degraded, and the
/// expiry of the certificate last warned about.</summary>
public readonly record struct MonitorState(
    MonitorStatus Status, int ConsecutiveFailures, int ConsecutiveSlow = 0, string? DegradedReason = null, long? WarnedCertificate = null);

public enum Transition
{
    None,
    /// <summary>Turned down: open an incident and alert.</summary>
    WentDown,
    /// <summary>Turned up from down: resolve the incident and send recovery alerts.</summary>
    Recovered,
}

/// <summary>The rules of SPEC §4, pure: <c>retries + 1</c> failures in a row turn a monitor down
/// from up or unknown; one success turns it up.</summary>
public static class StateMachine
{
    public static (MonitorState Next, Transition Transition) Apply(MonitorState state, bool ok, int retries)
    {
        if (ok)
        {
            var recovered = state.Status == MonitorStatus.Down;
            return (new MonitorState(MonitorStatus.Up, 0), recovered ? Transition.Recovered : Transition.None);
        }
        var failures = state.ConsecutiveFailures + 1;
        if (state.Status != MonitorStatus.Down && failures >= retries + 1)
            return (new MonitorState(MonitorStatus.Down, failures), Transition.WentDown);
        return (state with { ConsecutiveFailures = failures }, Transition.None);
    }
}
