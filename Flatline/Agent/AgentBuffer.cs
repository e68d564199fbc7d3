using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>The agent's results on disk, in their own small SQLite file, until the main node has stored them:
/// the engine's sink on an agent. Each result gets the next sequence number (AUTOINCREMENT: never reused,
/// also after its row is gone), which the main node uses to take a batch sent again once. Results older than
/// <see cref="KeptMs"/> are dropped (and counted) so that a long outage cannot fill the disk.</summary>
public sealed class AgentBuffer : IResultSink
{
    public const long KeptMs = 24L * 3600 * 1000;

    readonly Database database;
    readonly TimeProvider time;
    readonly Func<long, string?> monitorId;
    readonly SemaphoreSlim available = new(0, 1);
    long count;

    AgentBuffer(Database database, TimeProvider time, Func<long, string?> monitorId, string instance, long count)
    {
        this.database = database;
        this.time = time;
        this.monitorId = monitorId;
        Instance = instance;
        this.count = count;
    }

    /// <summary>This buffer file's id: the main node counts its sequence numbers per file.</summary>
    public string Instance { get; }

    public long Count => Interlocked.Read(ref count);

    /// <summary>Results dropped because they were older than a day when they could not be sent.</summary>
    public long Expired { get; private set; }

    public long Lost { get; private set; }

    public static AgentBuffer Open(string path, TimeProvider time, Func<long, string?> monitorId)
    {
        var database = new Database(path);
        var folder = Path.GetDirectoryName(database.Path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        using var connection = database.Open();
        using (var schema = connection.CreateCommand())
        {
            schema.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
                CREATE TABLE IF NOT EXISTS results (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, monitor_id TEXT NOT NULL, revision INTEGER NOT NULL, checked_at INTEGER NOT NULL,
                    ok INTEGER NOT NULL, status_code INTEGER, latency_us INTEGER, error TEXT, tls_expires_at INTEGER, slow TEXT, certificate TEXT
                ) STRICT;
                INSERT OR IGNORE INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(16))));
                """;
            schema.ExecuteNonQuery();
        }
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT (SELECT value FROM meta WHERE key = 'instance'), (SELECT count(*) FROM results)";
        using var row = read.ExecuteReader();
        row.Read();
        return new AgentBuffer(database, time, monitorId, row.GetString(0), row.GetInt64(1));
    }

    /// <summary>Waits until a result may be waiting (or <paramref name="limit"/> passes).</summary>
    public async Task WaitAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        if (Count > 0) return;
        try
        {
            await available.WaitAsync(limit, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async Task RunAsync(ChannelReader<ProbeResult> results, CancellationToken abandon)
    {
        var batch = new List<ProbeResult>(256);
        var lastPrune = 0L;
        while (await results.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < 1000 && results.TryRead(out var result)) batch.Add(result);
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    Store(batch);
                    break;
                }
                catch (SqliteException) when (!abandon.IsCancellationRequested && attempt < 50)
                {
                    await Task.Delay(200, CancellationToken.None);
                }
                catch (SqliteException)
                {
                    Lost += batch.Count;
                    break;
                }
            }
            batch.Clear();
            var now = Database.Now(time);
            if (now - lastPrune > 60_000)
            {
                lastPrune = now;
                Prune(now);
            }
            if (available.CurrentCount == 0) available.Release();
        }
    }

    void Store(List<ProbeResult> batch)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var insert = Sql.Prepare(connection, transaction, """
            INSERT INTO results (monitor_id, revision, checked_at, ok, status_code, latency_us, error, tls_expires_at, slow, certificate)
            VALUES ($id, $revision, $at, $ok, $status, $latency, $error, $tls, $slow, $certificate)
            """, "$id", "$revision", "$at", "$ok", "$status", "$latency", "$error", "$tls", "$slow", "$certificate");
        var stored = 0;
        foreach (var r in batch)
        {
            if (monitorId(r.MonitorKey) is not { } id) continue;
            var o = r.Outcome;
            insert.Bind(id, r.Revision, r.CheckedAtMs, o.Ok, o.StatusCode, o.LatencyUs, o.Error, o.TlsExpiresAt?.ToUnixTimeMilliseconds(),
                o.Degradation?.Slow, o.Degradation?.Certificate).ExecuteNonQuery();
            stored++;
        }
        transaction.Commit();
        Interlocked.Add(ref count, stored);
    }

    void Prune(long now)
    {
        using var connection = database.Open();
        using var prune = connection.CreateCommand();
        prune.CommandText = "DELETE FROM results WHERE checked_at < $oldest";
        prune.Parameters.AddWithValue("$oldest", now - KeptMs);
        var gone = prune.ExecuteNonQuery();
        if (gone == 0) return;
        Expired += gone;
        Interlocked.Add(ref count, -gone);
    }

    /// <summary>The oldest results, in the order they were taken.</summary>
    public List<AgentResult> Oldest(int limit)
    {
        using var connection = database.Open();
        using var read = connection.CreateCommand();
        read.CommandText = """
            SELECT seq, monitor_id, revision, checked_at, ok, status_code, latency_us, error, tls_expires_at, slow, certificate
            FROM results ORDER BY seq LIMIT $limit
            """;
        read.Parameters.AddWithValue("$limit", limit);
        using var rows = read.ExecuteReader();
        var list = new List<AgentResult>();
        while (rows.Read())
            list.Add(new AgentResult(rows.GetInt64(0), rows.GetString(1), rows.GetInt32(2), rows.GetInt64(3), rows.GetBoolean(4),
                rows.IsDBNull(5) ? null : rows.GetInt32(5), rows.IsDBNull(6) ? null : rows.GetInt64(6), rows.IsDBNull(7) ? null : rows.GetString(7),
                rows.IsDBNull(8) ? null : rows.GetInt64(8), rows.IsDBNull(9) ? null : rows.GetString(9), rows.IsDBNull(10) ? null : rows.GetString(10)));
        return list;
    }

    /// <summary>Forgets the results up to <paramref name="seq"/>: the main node has them.</summary>
    public void Remove(long seq)
    {
        using var connection = database.Open();
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM results WHERE seq <= $seq";
        delete.Parameters.AddWithValue("$seq", seq);
        Interlocked.Add(ref count, -delete.ExecuteNonQuery());
    }
}
