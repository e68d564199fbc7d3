using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Writes the down and recovery notifications of a result's incident, and its degraded notice
/// (or the end of one), into the outbox, in the same transaction as the state change that caused them.</summary>
public sealed class NotificationRecorder(Settings settings) : IResultRecorder
{
    public RecordStage Stage => RecordStage.Effects;

    public IBatchRecorder Begin(SqliteConnection connection, SqliteTransaction transaction) => new Batch(connection, transaction, settings);

    sealed class Batch(SqliteConnection connection, SqliteTransaction transaction, Settings settings) : IBatchRecorder
    {
        readonly SqliteCommand describe = Sql.Prepare(connection, transaction, "SELECT name, config FROM monitors WHERE id = $id", "$id");

        public void Record(RecordedResult r)
        {
            if (r.Incident is { } incident && r.Transition != Transition.None)
            {
                var kind = r.Transition == Transition.WentDown ? NotificationKind.Down : NotificationKind.Up;
                Enqueue(r, kind, incident, r.Outcome.Error);
            }
            if (r.DegradedNotice == DegradedNotice.Began) Enqueue(r, NotificationKind.Degraded, null, r.After.DegradedReason);
            // The end says what it was that ended.
            else if (r.DegradedNotice == DegradedNotice.Ended) Enqueue(r, NotificationKind.DegradedEnded, null, r.Before.DegradedReason);
        }

        void Enqueue(RecordedResult r, NotificationKind kind, IncidentView? incident, string? error)
        {
            string name, target;
            using (var row = describe.Bind(r.MonitorKey).ExecuteReader())
            {
                row.Read();
                name = row.GetString(0);
                target = JsonSerializer.Deserialize(row.GetString(1), FlatlineJson.Default.MonitorConfig)!.Target;
            }
            var template = new Notification("", kind, r.MonitorId, name, target, incident?.Id, incident?.StartedAt, incident?.ResolvedAt,
                r.Outcome.StatusCode, error, Timestamps.FromMs(r.At), Outbox.MonitorLink(settings, r.MonitorId));
            r.Notifications += Outbox.Enqueue(connection, transaction, r.MonitorKey, template, r.At);
        }

        public void Dispose() => describe.Dispose();
    }
}
