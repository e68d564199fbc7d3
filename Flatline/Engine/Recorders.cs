using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>The raw check row.</summary>
public sealed class CheckRecorder : IResultRecorder
{
    public RecordStage Stage => RecordStage.Check;

    public IBatchRecorder Begin(SqliteConnection connection, SqliteTransaction transaction) => new Batch(Sql.Prepare(connection, transaction,
        "INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code, error, location) VALUES ($id, $at, $ok, $latency, $status, $error, $location)",
        "$id", "$at", "$ok", "$latency", "$status", "$error", "$location"));

    sealed class Batch(SqliteCommand insert) : IBatchRecorder
    {
        public void Record(RecordedResult r) =>
            insert.Bind(r.MonitorKey, r.CheckAt, r.Outcome.Ok, r.Outcome.LatencyUs, r.Outcome.StatusCode, r.Outcome.Error,
                r.LocationId == 0 ? null : r.LocationId).ExecuteNonQuery();

        public void Dispose() => insert.Dispose();
    }
}

/// <summary>The hourly and daily rollups. The time since the last result is enabled time, and down
/// time when the monitor was down, so the rollups' down time is exactly the incidents' duration;
/// its quiet parts (maintenance, Flatline offline) count apart, as neither.</summary>
public sealed class RollupRecorder(IEnumerable<IQuietTime> quietTime) : IResultRecorder
{
    readonly IQuietTime[] quiet = [.. quietTime];

    public RecordStage Stage => RecordStage.History;

    public IBatchRecorder Begin(SqliteConnection connection, SqliteTransaction transaction) => new Batch(new RollupWriter(connection, transaction), quiet);

    sealed class Batch(RollupWriter rollups, IQuietTime[] quiet) : IBatchRecorder
    {
        public void Record(RecordedResult r)
        {
            r.Quiet = QuietTime.Spans(quiet, r.MonitorKey, r.SpanFrom, r.At);
            rollups.AddSpan(r.MonitorKey, r.SpanFrom, r.At, r.Before.Status == MonitorStatus.Down, r.Before.Status == MonitorStatus.Degraded, r.Quiet);
            rollups.AddCheck(r.MonitorKey, r.CheckAt, r.Outcome.Ok, r.Outcome.LatencyUs);
        }

        public void Dispose() => rollups.Dispose();
    }
}

/// <summary>The state machine: the monitor's status and failure count, and the incident it opens or
/// resolves. <see cref="IncidentHold"/> may hold back an incident (and so its alert); a recovery is never held.</summary>
public sealed class StateRecorder(IEnumerable<IQuietTime> quietTime, ILocationPresence? presence = null) : IResultRecorder
{
    readonly IQuietTime[] quiet = [.. quietTime];
    readonly ILocationPresence locations = presence ?? LocalOnly.Instance;

    public RecordStage Stage => RecordStage.State;

    public IBatchRecorder Begin(SqliteConnection connection, SqliteTransaction transaction) => new Batch(
        Sql.Prepare(connection, transaction,
            """
            UPDATE monitors SET status = $status, consecutive_failures = $failures, last_checked_at = $at, accounted_until = $at, tls_expires_at = coalesce($tls, tls_expires_at),
                consecutive_slow = $slow, degraded_reason = $reason, warned_certificate = $warned
            WHERE id = $id
            """,
            "$status", "$failures", "$at", "$tls", "$slow", "$reason", "$warned", "$id"),
        new IncidentStore.BatchWriter(connection, transaction),
        new IncidentHold(connection, transaction, quiet),
        new LocationStates(connection, transaction, locations));

    sealed class Batch(SqliteCommand update, IncidentStore.BatchWriter incidents, IncidentHold hold, LocationStates states) : IBatchRecorder
    {
        public void Record(RecordedResult r)
        {
            // The main node alone: the state machine as it always was. Several locations: each has its own, and the quorum combines them.
            var decided = r.Locations is [LocationNames.Local] ? StateMachine.Apply(r.Before, r.Outcome.Ok, r.Retries) : states.Apply(r);
            var (upOrDown, transition) = hold.Apply(r, decided);
            var (next, degradedNotice) = DegradedRules.Apply(r.Before, upOrDown, r.Outcome, r.Retries);
            // A degraded notice is an alert too: none while maintenance (or anything else) holds the monitor's alerts.
            // Its end, like a recovery, is never held; the outbox sends it only where the notice went.
            if (degradedNotice == DegradedNotice.Began && hold.Reason(r) is not null) degradedNotice = DegradedNotice.None;
            update.Bind((int)next.Status, next.ConsecutiveFailures, r.At, r.Outcome.TlsExpiresAt?.ToUnixTimeMilliseconds(),
                next.ConsecutiveSlow, next.DegradedReason, next.WarnedCertificate, r.MonitorKey).ExecuteNonQuery();
            r.After = next;
            r.DegradedNotice = degradedNotice;
            r.Transition = transition;
            if (transition == Transition.None && next.Status == MonitorStatus.Down && r.FailedLocations is not null && states.TurnedDown) incidents.AddLocation(r.MonitorKey, r.Location);
            r.Incident = transition switch
            {
                Transition.WentDown => incidents.Open(r.MonitorKey, r.MonitorId, r.At, r.Outcome.Error, r.FailedLocations ?? [r.Location]),
                Transition.Recovered => incidents.Resolve(r.MonitorKey, r.MonitorId, r.At),
                _ => null,
            };
        }

        public void Dispose()
        {
            update.Dispose();
            incidents.Dispose();
            hold.Dispose();
            states.Dispose();
        }
    }
}
