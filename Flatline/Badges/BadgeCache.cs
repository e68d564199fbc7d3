using System.Collections.Concurrent;

namespace Flatline;

/// <summary>Badge answers, kept until what they show may have changed: a check of their monitor was
/// committed, the monitor was changed or deleted, or <see cref="MaxAge"/> passed (the windows roll by
/// the hour even when nothing is checked). Who may see a badge is decided for each request before the
/// cache is asked; a badge of an unknown monitor is never kept. A hit costs no database read, no
/// stats and no drawing, which is most of a badge's time.</summary>
public sealed class BadgeCache(TimeProvider time) : ICommitListener, IMonitorChangeListener
{
    /// <summary>Labels are the caller's: past this many answers the cache starts afresh rather than grow.</summary>
    public const int MaxEntries = 10_000;

    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    public readonly record struct Key(string MonitorId, string Type, string Window, string? Label, bool Svg);

    public sealed record Answer(UiAssets.Asset Asset, string ETag, long MonitorKey, long Version, long MadeAt);

    readonly ConcurrentDictionary<Key, Answer> answers = new();
    readonly ConcurrentDictionary<long, long> versions = new();
    readonly ConcurrentDictionary<string, long> keys = new(StringComparer.Ordinal);

    public Answer? Get(Key key) =>
        answers.TryGetValue(key, out var answer) && answer.Version == Version(answer.MonitorKey)
            && Database.Now(time) - answer.MadeAt < (long)MaxAge.TotalMilliseconds
            ? answer
            : null;

    /// <summary>The version to make an answer under, read before what the answer shows: a change after
    /// this moment makes the answer stale. -1 while the monitor's key is not known yet.</summary>
    public long VersionBefore(string monitorId) => keys.TryGetValue(monitorId, out var key) ? Version(key) : -1;

    public void Put(Key key, UiAssets.Asset asset, string etag, long monitorKey, long version)
    {
        keys[key.MonitorId] = monitorKey;
        versions.TryAdd(monitorKey, 0); // from now on its commits are counted
        if (version < 0) return; // its key was not known before it was read: the next one is kept
        if (answers.Count >= MaxEntries) answers.Clear();
        answers[key] = new Answer(asset, etag, monitorKey, version, Database.Now(time));
    }

    long Version(long monitorKey) => versions.GetValueOrDefault(monitorKey);

    // Only monitors whose badges were asked for are counted: the others' commits cost nothing here.
    void Bump(long monitorKey)
    {
        while (versions.TryGetValue(monitorKey, out var version) && !versions.TryUpdate(monitorKey, version + 1, version))
        {
        }
    }

    // Registered after the stats cache (AddStats comes first), so that an answer made from stats the
    // batch had not reached yet carries the version the batch then bumps.
    public void OnCommitted(CommittedBatch batch)
    {
        foreach (var check in batch.Checks) Bump(check.MonitorKey);
    }

    public void MonitorChanged(long key) => Bump(key);
}
