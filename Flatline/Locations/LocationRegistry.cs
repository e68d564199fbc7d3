using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>One agent location as the main node keeps it in memory: its row, its last contact, and what the
/// result route needs to take each of the agent's results exactly once (<see cref="AcceptedSeq"/>, under
/// <see cref="Gate"/>).</summary>
public sealed class LocationEntry(long id, string uid, string name, byte[] tokenHash, long createdAt)
{
    public long Id { get; } = id;
    public string Uid { get; } = uid;
    public string Name { get; } = name;
    public byte[] TokenHash { get; } = tokenHash;
    public long CreatedAt { get; } = createdAt;

    long lastSeen;

    /// <summary>Unix ms of the agent's last request; 0 when it never made one.</summary>
    public long LastSeenAt => Interlocked.Read(ref lastSeen);

    public string? Version { get; private set; }

    /// <summary>Whether the location counts for the quorum; set by <see cref="LocationWatch"/>, cleared by any contact.</summary>
    public volatile bool Offline;

    /// <summary>When the owner was told that the agent stopped reporting; null while it reports.</summary>
    public long? OfflineSince { get; set; }

    /// <summary>What <see cref="LocationWatch"/> last stored of the contact.</summary>
    public long StoredSeenAt { get; set; }

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The highest sequence number handed to the writer (guarded by <see cref="Gate"/>).</summary>
    public long AcceptedSeq { get; set; }

    /// <summary>The agent's buffer file that <see cref="AcceptedSeq"/> counts in: a new file counts from 0.</summary>
    public string? Instance { get; set; }

    readonly Lock clockGate = new();
    readonly Queue<(long At, long Sample)> clock = new();

    /// <summary>Takes one sample of the agent's clock: the main node's time on receipt minus the agent's at sending.
    /// A sample is the clock difference plus the time in transit, which is never negative, so the smallest
    /// recent sample is the best estimate: a request held up in the network (retransmitted after a cut) cannot
    /// move the agent's checks.</summary>
    public void ObserveClock(long now, long agentTime)
    {
        lock (clockGate)
        {
            while (clock.Count > 0 && (clock.Count >= 64 || now - clock.Peek().At > 600_000)) clock.Dequeue();
            clock.Enqueue((now, now - agentTime));
        }
    }

    /// <summary>How far the main node's clock is ahead of the agent's (ms), from the recent samples; 0 before any.</summary>
    public long ClockOffset
    {
        get
        {
            lock (clockGate) return clock.Count == 0 ? 0 : clock.Min(s => s.Sample);
        }
    }

    readonly Lock bucketGate = new();
    TokenBucket? bucket;

    public void Seen(long now, string? version)
    {
        Interlocked.Exchange(ref lastSeen, now);
        if (version is not null && version.Length <= 40) Version = version;
        Offline = false;
    }

    internal void Restore(long seenAt, string? version)
    {
        Interlocked.Exchange(ref lastSeen, seenAt);
        Version = version;
    }

    /// <summary>A request's share of this agent's rate limit (a few per second suffice: it long-polls and batches).</summary>
    public bool Admit(TimeProvider time)
    {
        lock (bucketGate) return (bucket ??= new TokenBucket(60, 20, time)).TryTake();
    }
}

public enum LocationDelete { Deleted, NotFound, InUse }

/// <summary>The locations of SPEC §16 in SQLite and in memory. An agent's token is 256 random bits of which
/// only a SHA-256 hash is kept; a presented token is compared with every location's hash in constant time.
/// Rows written by another process (<c>flatline location create</c> while the server runs) are read again
/// by <see cref="Reload"/>, which <see cref="LocationWatch"/> calls every few seconds and a token that
/// matches nothing calls at most once a second.</summary>
public sealed class LocationRegistry : ILocationPresence
{
    public const string TokenPrefix = "fla_";

    readonly Database database;
    readonly TimeProvider time;
    readonly Lock gate = new();
    readonly TokenBucket unknownTokens;
    Dictionary<string, LocationEntry> byName = new(StringComparer.Ordinal);
    long lastMissReload;

    public LocationRegistry(Database database, TimeProvider time)
    {
        this.database = database;
        this.time = time;
        unknownTokens = new TokenBucket(20, 5, time);
        Reload();
        // A restart is not the agents' silence: each one gets the whole offline delay from now to report again.
        var now = Database.Now(time);
        foreach (var entry in byName.Values)
        {
            entry.Offline = entry.OfflineSince is not null || entry.LastSeenAt == 0;
            if (!entry.Offline) entry.Restore(Math.Max(entry.LastSeenAt, now), entry.Version);
        }
    }

    public IReadOnlyCollection<LocationEntry> All
    {
        get { lock (gate) return [.. byName.Values]; }
    }

    /// <summary>Whether any location exists (the main node's own is none of them).</summary>
    public bool Any
    {
        get { lock (gate) return byName.Count > 0; }
    }

    public LocationEntry? Find(string name)
    {
        lock (gate) return byName.GetValueOrDefault(name);
    }

    /// <summary>Whether <paramref name="name"/> can be listed in a monitor's <c>locations</c>.</summary>
    public bool Exists(string name) => name == LocationNames.Local || Find(name) is not null;

    public bool IsOnline(string location) => location == LocationNames.Local || Find(location) is { Offline: false };

    /// <summary>Reads the rows again, keeping what memory knows of the locations still there.</summary>
    public void Reload()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, uid, name, token_hash, created_at, last_seen_at, version, last_seq, offline_since, agent_instance FROM locations ORDER BY name";
        var fresh = new Dictionary<string, LocationEntry>(StringComparer.Ordinal);
        using var rows = command.ExecuteReader();
        lock (gate)
        {
            while (rows.Read())
            {
                var name = rows.GetString(2);
                var uid = rows.GetString(1);
                if (byName.TryGetValue(name, out var known) && known.Uid == uid)
                {
                    fresh[name] = known;
                    continue;
                }
                var entry = new LocationEntry(rows.GetInt64(0), uid, name, (byte[])rows.GetValue(3), rows.GetInt64(4))
                {
                    AcceptedSeq = rows.GetInt64(7),
                    OfflineSince = rows.IsDBNull(8) ? null : rows.GetInt64(8),
                    Instance = rows.IsDBNull(9) ? null : rows.GetString(9),
                    Offline = true,
                };
                var seen = rows.IsDBNull(5) ? 0 : rows.GetInt64(5);
                entry.Restore(seen, rows.IsDBNull(6) ? null : rows.GetString(6));
                entry.StoredSeenAt = seen;
                fresh[name] = entry;
            }
            byName = fresh;
        }
    }

    public List<LocationView> List()
    {
        var views = new List<LocationView> { new(LocationNames.Local, LocationNames.Local, DateTime.UnixEpoch, Timestamps.FromMs(Database.Now(time)), FlatlineApp.Version, LocationStatus.Online, true) };
        foreach (var entry in All.OrderBy(e => e.Name, StringComparer.Ordinal)) views.Add(View(entry));
        return views;
    }

    public static LocationView View(LocationEntry entry) => new(entry.Uid, entry.Name, Timestamps.FromMs(entry.CreatedAt),
        entry.LastSeenAt == 0 ? null : Timestamps.FromMs(entry.LastSeenAt), entry.Version,
        entry.Offline ? LocationStatus.Offline : LocationStatus.Online, false);

    /// <summary>A new location and its token; null when the name is taken.</summary>
    public CreatedLocation? Create(string name)
    {
        var token = NewToken();
        var uid = Guid.CreateVersion7().ToString();
        var now = Database.Now(time);
        using (var connection = database.Open())
            if (!Insert(connection, null, uid, name, token, now)) return null;
        Reload();
        return new CreatedLocation(uid, name, Timestamps.FromMs(now), token);
    }

    /// <summary>A new agent token: its prefix and 256 random bits.</summary>
    internal static string NewToken() =>
        TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Stores a location with its token's hash (the token itself is never stored); false when the name is taken.</summary>
    internal static bool Insert(SqliteConnection connection, SqliteTransaction? transaction, string uid, string name, string token, long now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO locations (uid, name, token_hash, created_at) VALUES ($uid, $name, $hash, $now) ON CONFLICT (name) DO NOTHING";
        command.Parameters.AddWithValue("$uid", uid);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$hash", Hash(token));
        command.Parameters.AddWithValue("$now", now);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Deletes a location (by id or name) that no monitor lists; its token stops working at once.</summary>
    public LocationDelete Delete(string idOrName, out int usedBy)
    {
        usedBy = 0;
        var entry = All.FirstOrDefault(e => e.Uid == idOrName || e.Name == idOrName);
        if (entry is null) return LocationDelete.NotFound;
        using (var connection = database.Open())
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            using (var count = connection.CreateCommand())
            {
                count.Transaction = transaction;
                count.CommandText = "SELECT count(*) FROM monitors, json_each(monitors.locations) l WHERE monitors.locations IS NOT NULL AND l.value = $name";
                count.Parameters.AddWithValue("$name", entry.Name);
                usedBy = (int)(long)count.ExecuteScalar()!;
            }
            if (usedBy > 0) return LocationDelete.InUse;
            using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM locations WHERE id = $id";
            delete.Parameters.AddWithValue("$id", entry.Id);
            delete.ExecuteNonQuery();
            transaction.Commit();
        }
        Reload();
        return LocationDelete.Deleted;
    }

    /// <summary>The location whose token this is, or null. Every location's hash is compared in full, in
    /// constant time, so the answer's timing says nothing of how much of a hash matched.</summary>
    public LocationEntry? Authenticate(string token)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100) return null;
        var hash = Hash(token);
        if (Match(hash) is { } found) return found;
        var now = Database.Now(time);
        lock (gate)
        {
            if (now - lastMissReload < 1000) return null;
            lastMissReload = now;
        }
        Reload();
        return Match(hash);
    }

    LocationEntry? Match(byte[] hash)
    {
        LocationEntry? found = null;
        foreach (var entry in All)
            if (CryptographicOperations.FixedTimeEquals(entry.TokenHash, hash)) found = entry;
        return found;
    }

    /// <summary>Whether a request with a wrong token may be answered 401 (true) or must wait (429): guessing is slow.</summary>
    public bool AdmitUnknown()
    {
        lock (gate) return unknownTokens.TryTake();
    }

    /// <summary>Whether <paramref name="token"/> has an agent token's shape (the API refuses such tokens with 403 when they are valid).</summary>
    public static bool LooksLikeAgentToken(string token) => token.StartsWith(TokenPrefix, StringComparison.Ordinal);

    static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Stores the contacts made since the last call, and what the offline watch decided.</summary>
    internal static void Store(SqliteConnection connection, SqliteTransaction? transaction, LocationEntry entry)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE locations SET last_seen_at = $seen, version = $version, offline_since = $offline WHERE id = $id";
        command.Parameters.AddWithValue("$seen", entry.LastSeenAt == 0 ? DBNull.Value : entry.LastSeenAt);
        command.Parameters.AddWithValue("$version", (object?)entry.Version ?? DBNull.Value);
        command.Parameters.AddWithValue("$offline", (object?)entry.OfflineSince ?? DBNull.Value);
        command.Parameters.AddWithValue("$id", entry.Id);
        command.ExecuteNonQuery();
        entry.StoredSeenAt = entry.LastSeenAt;
    }
}
