using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>The state stage for a monitor checked from several locations (SPEC §16): the result's location
/// runs its own state machine (<c>monitor_location_states</c>), then <see cref="QuorumRules"/> makes the
/// monitor's status of the reporting locations' states. The monitor turns down (one incident, naming the
/// failed locations) when the quorum is met, and recovers when it no longer is.</summary>
public sealed class LocationStates(SqliteConnection connection, SqliteTransaction transaction, ILocationPresence presence) : IDisposable
{
    readonly SqliteCommand read = Sql.Prepare(connection, transaction,
        "SELECT location, status, consecutive_failures FROM monitor_location_states WHERE monitor_id = $id", "$id");
    readonly SqliteCommand write = Sql.Prepare(connection, transaction, """
        INSERT INTO monitor_location_states (monitor_id, location, status, consecutive_failures, last_checked_at) VALUES ($id, $location, $status, $failures, $at)
        ON CONFLICT (monitor_id, location) DO UPDATE SET status = excluded.status, consecutive_failures = excluded.consecutive_failures, last_checked_at = excluded.last_checked_at
        """, "$id", "$location", "$status", "$failures", "$at");

    /// <summary>Whether the last <see cref="Apply"/> turned its location down (an open incident then names it too).</summary>
    public bool TurnedDown { get; private set; }

    public (MonitorState Next, Transition Transition) Apply(RecordedResult r)
    {
        TurnedDown = false;
        // A result of a location the monitor no longer lists (its revision was the same) is stored, and decides nothing.
        if (!r.Locations.Contains(r.Location)) return (r.Before, Transition.None);
        var known = new Dictionary<string, (MonitorStatus Status, int Failures)>(StringComparer.Ordinal);
        using (var rows = read.Bind(r.MonitorKey).ExecuteReader())
            while (rows.Read()) known[rows.GetString(0)] = ((MonitorStatus)rows.GetInt32(1), rows.GetInt32(2));

        var (status, failures) = known.GetValueOrDefault(r.Location, (MonitorStatus.Unknown, 0));
        var (mine, _) = StateMachine.Apply(new MonitorState(status, failures), r.Outcome.Ok, r.Retries);
        write.Bind(r.MonitorKey, r.Location, (int)mine.Status, mine.ConsecutiveFailures, r.CheckAt).ExecuteNonQuery();
        known[r.Location] = (mine.Status, mine.ConsecutiveFailures);
        TurnedDown = status != MonitorStatus.Down && mine.Status == MonitorStatus.Down;

        var states = r.Locations.Select(l => known.TryGetValue(l, out var s) ? new LocationState(l, s.Status, s.Failures) : new LocationState(l, MonitorStatus.Unknown, 0)).ToList();
        // The location that just reported is reporting, whatever the offline watch last said.
        var (down, failed, anyUp) = QuorumRules.Decide(states, l => l == r.Location || presence.IsOnline(l), r.Quorum);
        r.FailedLocations = failed;
        var wasDown = r.Before.Status == MonitorStatus.Down;
        if (down) return (r.Before with { Status = MonitorStatus.Down, ConsecutiveFailures = mine.ConsecutiveFailures }, wasDown ? Transition.None : Transition.WentDown);
        // Not down: up when a reporting location is (a failure below the threshold keeps degraded as the state machine does).
        var next = anyUp ? (r.Before.Status == MonitorStatus.Degraded && !r.Outcome.Ok ? MonitorStatus.Degraded : MonitorStatus.Up)
            : wasDown ? MonitorStatus.Unknown : r.Before.Status;
        return (r.Before with { Status = next, ConsecutiveFailures = mine.ConsecutiveFailures }, wasDown ? Transition.Recovered : Transition.None);
    }

    public void Dispose()
    {
        read.Dispose();
        write.Dispose();
    }
}
