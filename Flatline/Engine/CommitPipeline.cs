using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>A finished check (or a push) on its way to the writer. <see cref="Revision"/> is the
/// monitor's revision when the check started: a result of a check since changed is dropped.</summary>
public sealed record ProbeResult(long MonitorKey, int Revision, long CheckedAtMs, ProbeOutcome Outcome)
{
    /// <summary>The location that ran the check (SPEC §16): its name, and its row's id (0 for the main node).</summary>
    public string Location { get; init; } = LocationNames.Local;

    public long LocationId { get; init; }

    /// <summary>An agent's sequence number for the result, increasing in the order it ran its checks (0 for the main node's).</summary>
    public long Seq { get; init; }

    /// <summary>Told once the writer has committed the result, or dropped it on purpose (its monitor changed).</summary>
    public IResultReceipt? Receipt { get; init; }
}

/// <summary>How a result's sender learns that it is stored for good (an agent's batch is answered only then).</summary>
public interface IResultReceipt
{
    void Persisted();
}

/// <summary>When a recorder runs within a result: each stage sees what the ones before it decided.</summary>
public enum RecordStage
{
    /// <summary>The raw check row.</summary>
    Check,
    /// <summary>History derived from it (rollups).</summary>
    History,
    /// <summary>The state machine: the monitor's status and its incidents.</summary>
    State,
    /// <summary>What the state change causes (notifications).</summary>
    Effects,
}

/// <summary>One result inside the writer's transaction. The writer fills in what it read of the
/// monitor; the state stage sets <see cref="After"/>, <see cref="Transition"/> and <see cref="Incident"/>.</summary>
public sealed class RecordedResult(long monitorKey, string monitorId, int retries, MonitorState before, long at, long spanFrom, ProbeOutcome outcome)
{
    /// <summary>The time the check row is stored at: <see cref="At"/>, except for an agent's result that arrives
    /// after newer ones (it was buffered), which keeps its own time (made unique per monitor).</summary>
    public long CheckAt { get; init; } = at;

    /// <summary>The location that ran the check, and its row's id (0: the main node).</summary>
    public string Location { get; init; } = LocationNames.Local;

    public long LocationId { get; init; }

    public long Seq { get; init; }

    /// <summary>The monitor's locations and quorum, as the state stage combines them.</summary>
    public IReadOnlyList<string> Locations { get; init; } = [LocationNames.Local];

    public Quorum Quorum { get; init; } = Quorum.Majority;

    /// <summary>Set by the state stage for a monitor of several locations: the reporting ones that have failed.</summary>
    public List<string>? FailedLocations { get; set; }

    public long MonitorKey { get; } = monitorKey;
    public string MonitorId { get; } = monitorId;
    public int Retries { get; } = retries;
    public MonitorState Before { get; } = before;

    /// <summary>The check's time, unique and increasing per monitor (the checks table's key).</summary>
    public long At { get; } = at;

    /// <summary>[SpanFrom, At) is enabled time since the last result, and down (or degraded) time when <see cref="Before"/> was.</summary>
    public long SpanFrom { get; } = spanFrom;

    public ProbeOutcome Outcome { get; } = outcome;
    public MonitorState After { get; set; } = before;
    public Transition Transition { get; set; }
    public IncidentView? Incident { get; set; }

    /// <summary>Set by the state stage when the monitor turned degraded, or back to up from degraded, in a way channels that opt in hear about.</summary>
    public DegradedNotice DegradedNotice { get; set; }

    /// <summary>Notification events written for this result.</summary>
    public int Notifications { get; set; }

    /// <summary>The quiet parts of [SpanFrom, At) (maintenance, offline), which the history stage counts apart; null when none.</summary>
    public IReadOnlyList<QuietSpan>? Quiet { get; set; }

    /// <summary>Why the state stage held back the incident this failure would have opened (maintenance,
    /// offline, or a parent that is down); null when nothing held it.</summary>
    public string? HeldBy { get; set; }

    public CommittedCheck Committed() =>
        new(MonitorKey, MonitorId, At, Outcome, After, Transition, Incident, SpanFrom, Before.Status == MonitorStatus.Down,
            Before.Status == MonitorStatus.Degraded, Quiet)
        { Location = Location, CheckAt = CheckAt, ByLocation = Locations is not [LocationNames.Local] };
}

/// <summary>Writes its part of each result inside the writer's transaction.</summary>
public interface IResultRecorder
{
    RecordStage Stage { get; }

    /// <summary>Prepares this recorder's statements for one batch.</summary>
    IBatchRecorder Begin(SqliteConnection connection, SqliteTransaction transaction);
}

public interface IBatchRecorder : IDisposable
{
    void Record(RecordedResult result);
}

/// <summary>What one persisted result changed, as the listeners get it after the commit.</summary>
public sealed record CommittedCheck(
    long MonitorKey, string MonitorId, long At, ProbeOutcome Outcome, MonitorState State, Transition Transition, IncidentView? Incident,
    long SpanFrom, bool WasDown, bool WasDegraded = false, IReadOnlyList<QuietSpan>? Quiet = null)
{
    /// <summary>The name of the location that ran the check.</summary>
    public string Location { get; init; } = LocationNames.Local;

    /// <summary>Whether the monitor is checked from more than the main node alone, so that each location has a state of its own.</summary>
    public bool ByLocation { get; init; }

    /// <summary>The check row's time (see <see cref="RecordedResult.CheckAt"/>); <see cref="At"/> unless set.</summary>
    public long? CheckAt { get; init; }

    public long CheckedAt => CheckAt ?? At;
}

/// <summary>One committed transaction. <see cref="Sequence"/> increases by one per batch and is
/// stored in the same transaction, so a reader can tell which batches a snapshot holds.</summary>
public sealed record CommittedBatch(long Sequence, IReadOnlyList<CommittedCheck> Checks, int Notifications);

/// <summary>Told of each batch right after its commit, on the writer's thread: must not block.</summary>
public interface ICommitListener
{
    void OnCommitted(CommittedBatch batch);
}
