using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Flatline;

/// <summary>Each page's public snapshot, with its HTML (plain and gzip) and summary.json made once
/// and served from memory until something a visitor would see changes.</summary>
/// <remarks>
/// An entry is dropped when: a committed check changes the status of a monitor on it from the one it
/// was rendered with (the <see cref="ICommitListener"/>; incidents open and resolve only with a status
/// change); a monitor on it is changed or deleted (the <see cref="IMonitorChangeListener"/>); a maintenance
/// window that covers a monitor on it is written, or one of its occurrences starts or ends (the
/// <see cref="IMaintenanceListener"/>, told by the maintenance clock within a second of the start or end);
/// the page or one of its announcements is written (<see cref="StatusPageService"/>). Uptime and down time
/// grow with time alone, and an upcoming window comes within the week a page shows with time alone, so an
/// entry is also made afresh when it is older than <see cref="MaxAge"/>. A render that
/// overlapped an invalidation is served but not kept, so a stale snapshot never outlives its cause.
/// One caller renders a page at a time: when an entry was dropped the others wait for that render
/// rather than each making their own (a 50-monitor page takes 10-20 ms on two cores, and a busy page
/// has many visitors at that moment); when it is only older than its max age, they are served the old
/// one meanwhile.
/// </remarks>
public sealed class StatusPageCache(StatusPageStore pages, PublicPageReader reader, TimeProvider time)
    : ICommitListener, IMonitorChangeListener, IMaintenanceListener
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    public sealed class Entry(StoredStatusPage page, PublicPage snapshot, Dictionary<long, MonitorStatus> statuses, long madeAt)
    {
        public StoredStatusPage Page { get; } = page;
        public PublicPage Snapshot { get; } = snapshot;
        public Dictionary<long, MonitorStatus> Statuses { get; } = statuses;
        public long MadeAt { get; } = madeAt;
        public string ETag { get; } = $"\"p{snapshot.Version}\"";
        public UiAssets.Asset Summary { get; } = Compressed("application/json; charset=utf-8",
            JsonSerializer.SerializeToUtf8Bytes(snapshot, FlatlineJson.Default.PublicPage));

        // Lazy: concurrent first visitors wait for one rendering instead of each rendering and gzipping.
        readonly ConcurrentDictionary<string, Lazy<UiAssets.Asset>> html = new(StringComparer.Ordinal);

        /// <summary>The HTML for where it is served (<c>/status/slug</c>, or the custom domain's root).</summary>
        public UiAssets.Asset Html(string basePath) =>
            html.GetOrAdd(basePath, b => new Lazy<UiAssets.Asset>(
                () => Compressed("text/html; charset=utf-8", Encoding.UTF8.GetBytes(StatusPageHtml.Render(Snapshot, b))))).Value;
    }

    readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    // Striped by slug, so that a flood of unknown slugs adds nothing to remember.
    readonly Lock[] rendering = [.. Enumerable.Range(0, 16).Select(_ => new Lock())];
    long generation;
    volatile Dictionary<string, string>? domains;
    volatile HashSet<string>? publicMonitors;

    /// <summary>The page at <paramref name="slug"/> with its snapshot; null when there is none.</summary>
    public Entry? Get(string slug)
    {
        if (entries.TryGetValue(slug, out var cached) && Fresh(cached)) return cached;
        var gate = rendering[(uint)StringComparer.Ordinal.GetHashCode(slug) % (uint)rendering.Length];
        if (cached is null) gate.Enter();
        else if (!gate.TryEnter()) return cached;
        try
        {
            // Made by the caller that held the gate before.
            if (entries.TryGetValue(slug, out var made) && made != cached && Fresh(made)) return made;
            var now = Database.Now(time);
            var before = Interlocked.Read(ref generation);
            if (pages.BySlug(slug) is not { } page) return null;
            var snapshot = reader.Read(page);
            var statuses = new Dictionary<long, MonitorStatus>();
            foreach (var section in snapshot.Sections)
                foreach (var monitor in section.Monitors) statuses[monitor.Key] = monitor.Status;
            var entry = new Entry(page, snapshot, statuses, now);
            if (Interlocked.Read(ref generation) == before) entries[slug] = entry;
            return entry;
        }
        finally
        {
            gate.Exit();
        }
    }

    bool Fresh(Entry entry) => Database.Now(time) - entry.MadeAt < MaxAge.TotalMilliseconds;

    /// <summary>The slug of the page whose custom domain is <paramref name="host"/>, if any.</summary>
    public string? SlugForHost(string host) => (domains ??= pages.Domains()).GetValueOrDefault(host);

    /// <summary>Whether the monitor is on a page without a password, so that its badges are public.</summary>
    public bool IsPublic(string monitorId) => (publicMonitors ??= pages.PublicMonitorIds()).Contains(monitorId);

    /// <summary>After a page, its sections or its announcements changed.</summary>
    public void PageChanged(params ReadOnlySpan<string?> slugs)
    {
        Interlocked.Increment(ref generation);
        foreach (var slug in slugs)
            if (slug is not null) entries.TryRemove(slug, out _);
        domains = null;
        publicMonitors = null;
    }

    /// <summary>Drops every snapshot: for a change that touches pages the cache cannot tell.</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref generation);
        entries.Clear();
        domains = null;
        publicMonitors = null;
    }

    public void MonitorChanged(long key)
    {
        Interlocked.Increment(ref generation);
        foreach (var (slug, entry) in entries)
            if (entry.Statuses.ContainsKey(key)) entries.TryRemove(slug, out _);
        publicMonitors = null;
    }

    /// <summary>Drops the pages that show any of these monitors: only they can show the window.</summary>
    public void MaintenanceChanged(IReadOnlyCollection<long> monitorKeys)
    {
        Interlocked.Increment(ref generation);
        foreach (var (slug, entry) in entries)
            foreach (var key in monitorKeys)
                if (entry.Statuses.ContainsKey(key))
                {
                    entries.TryRemove(slug, out _);
                    break;
                }
    }

    public void OnCommitted(CommittedBatch batch)
    {
        if (entries.IsEmpty) return;
        var bumped = false;
        foreach (var (slug, entry) in entries)
        {
            foreach (var check in batch.Checks)
            {
                if (!entry.Statuses.TryGetValue(check.MonitorKey, out var shown) || shown == check.State.Status) continue;
                if (!bumped)
                {
                    Interlocked.Increment(ref generation);
                    bumped = true;
                }
                entries.TryRemove(slug, out _);
                break;
            }
        }
    }

    internal static UiAssets.Asset Compressed(string contentType, byte[] body)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(body);
        return new UiAssets.Asset(contentType, body, buffer.ToArray(), null, Immutable: false);
    }
}
