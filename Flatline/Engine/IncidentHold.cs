using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>SPEC §13 on top of the state machine: a monitor in maintenance, a Flatline without network,
/// or a child whose parent is down still turns down, but its incident (and so its alert) is held back.
/// Once nothing holds it, the next failed check opens the incident, once. A recovery is never held; one
/// whose incident was held resolves nothing and so alerts nobody.</summary>
public sealed class IncidentHold(SqliteConnection connection, SqliteTransaction transaction, IQuietTime[] quiet) : IDisposable
{
    public const string Maintenance = "maintenance", Offline = "offline", Blocked = "blocked";

    readonly SqliteCommand open = Sql.Prepare(connection, transaction,
        "SELECT 1 FROM incidents WHERE monitor_id = $id AND resolved_at IS NULL", "$id");
    readonly SqliteCommand parentDown = Sql.Prepare(connection, transaction, """
        SELECT 1 FROM monitor_dependencies d JOIN monitors p ON p.id = d.parent_id
        WHERE d.child_id = $id AND p.enabled = 1 AND p.status = 2 LIMIT 1
        """, "$id");

    public (MonitorState Next, Transition Transition) Apply(RecordedResult r, (MonitorState Next, Transition Transition) decided)
    {
        var (next, transition) = decided;
        // Down already, but without an incident: one was held back. Open it now unless still held.
        if (transition == Transition.None && !r.Outcome.Ok && r.Before.Status == MonitorStatus.Down && open.Bind(r.MonitorKey).ExecuteScalar() is null)
            transition = Transition.WentDown;
        if (transition != Transition.WentDown || Reason(r) is not { } reason) return (next, transition);
        r.HeldBy = reason;
        return (next, Transition.None);
    }

    /// <summary>What holds the monitor's alerts now (maintenance, offline, a parent down), or null.</summary>
    public string? Reason(RecordedResult r)
    {
        foreach (var source in quiet)
            if (source.IsQuiet(r.MonitorKey, r.At)) return source.Kind == QuietKind.Maintenance ? Maintenance : Offline;
        return parentDown.Bind(r.MonitorKey).ExecuteScalar() is null ? null : Blocked;
    }

    public void Dispose()
    {
        open.Dispose();
        parentDown.Dispose();
    }
}
