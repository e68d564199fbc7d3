using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>One imported monitor's checks, stored as the writer stores them, with the rollups the
/// writer would have kept: each check adds the time since the one before as enabled time, and as down
/// time where an incident was open, so that stats agree with the incidents; and the state the checks
/// leave the monitor in, so that the engine carries on from there.</summary>
public sealed class CheckImport(SqliteConnection connection, SqliteTransaction transaction, IImportSource source, ImportReport report) : IDisposable
{
    readonly SqliteCommand insert = Sql.Prepare(connection, transaction,
        "INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code, error) VALUES ($id, $at, $ok, $latency, $status, $error)",
        "$id", "$at", "$ok", "$latency", "$status", "$error");
    readonly SqliteCommand state = Sql.Prepare(connection, transaction, """
        UPDATE monitors SET status = $status, consecutive_failures = $failures, last_checked_at = $last,
            enabled_at = CASE WHEN enabled THEN $first END, accounted_until = CASE WHEN enabled THEN $accounted END
        WHERE id = $id
        """, "$status", "$failures", "$last", "$first", "$accounted", "$id");
    readonly RollupWriter rollups = new(connection, transaction);

    /// <param name="incidents">The monitor's imported incidents, oldest first.</param>
    /// <param name="now">Where accounting starts for a monitor without checks.</param>
    public void Import(string monitorId, long key, MonitorDraft draft, List<ImportedIncident> incidents, long now)
    {
        var buffer = new RollupBuffer();
        var machine = new MonitorState(MonitorStatus.Unknown, 0);
        long? first = null, last = null;
        var nextIncident = 0;
        foreach (var (check, skipped) in source.Checks(monitorId))
        {
            if (check is null)
            {
                report.SkipCheck(skipped!);
                continue;
            }
            // The key is (monitor, ms), as in the writer: two checks in one millisecond keep both.
            var at = last is { } previous && check.At <= previous ? previous + 1 : check.At;
            if (last is { } from) AddSpan(buffer, from, at, incidents, ref nextIncident);
            insert.Bind(key, at, check.Ok, check.LatencyUs, check.StatusCode, check.Error).ExecuteNonQuery();
            buffer.AddCheck(at, check.Ok, check.LatencyUs);
            machine = StateMachine.Apply(machine, check.Ok, draft.Retries).Next;
            first ??= at;
            last = at;
            report.Checks.Imported++;
        }
        rollups.Add(key, buffer);
        // Down only with an open incident (which makes a monitor down at start anyway). Down without
        // one, as the original left a monitor that was never up, starts from unknown with its failures
        // counted: the next failure opens the incident the original never opened.
        var status = incidents.Any(i => i.ResolvedAt is null) ? MonitorStatus.Down
            : machine.Status == MonitorStatus.Down ? MonitorStatus.Unknown : machine.Status;
        state.Bind((int)status, machine.ConsecutiveFailures, last, first ?? now, last ?? now, key).ExecuteNonQuery();
    }

    /// <summary>The checks of a monitor not imported now: here already with the monitor, or left out with it.</summary>
    public void Count(string monitorId, bool here)
    {
        foreach (var (check, skipped) in source.Checks(monitorId))
        {
            if (check is null) report.SkipCheck(skipped!);
            else if (here) report.Checks.AlreadyHere++;
            else report.SkipCheck("its monitor was not imported");
        }
    }

    /// <summary>[from, to) as enabled time, split into the parts inside and outside incidents.</summary>
    static void AddSpan(RollupBuffer buffer, long from, long to, List<ImportedIncident> incidents, ref int next)
    {
        while (next < incidents.Count && (incidents[next].ResolvedAt ?? long.MaxValue) <= from) next++;
        var cursor = from;
        for (var i = next; i < incidents.Count && incidents[i].StartedAt < to; i++)
        {
            var start = Math.Max(cursor, incidents[i].StartedAt);
            var end = Math.Min(to, incidents[i].ResolvedAt ?? long.MaxValue);
            if (end <= start) continue;
            buffer.AddSpan(cursor, start, false);
            buffer.AddSpan(start, end, true);
            cursor = end;
        }
        buffer.AddSpan(cursor, to, false);
    }

    public void Dispose()
    {
        insert.Dispose();
        state.Dispose();
        rollups.Dispose();
    }
}
