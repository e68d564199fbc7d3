using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Flatline;

public sealed record ApiToken(string Id, string Name, bool ReadOnly, DateTime CreatedAt, DateTime? LastUsedAt);

public sealed record CreatedApiToken(string Id, string Name, bool ReadOnly, DateTime CreatedAt, string Token);

/// <summary>Bearer tokens for scripts. Only a SHA-256 hash is stored: a token has 256 random
/// bits, so a fast hash is enough and lookups stay cheap on every request.</summary>
public sealed class ApiTokenStore(Database database, TimeProvider time)
{
    public const string Prefix = "flt_";
    const long LastUsedResolutionMs = 60_000;

    public CreatedApiToken Create(string name, bool readOnly)
    {
        var token = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var id = Guid.CreateVersion7().ToString();
        var now = Database.Now(time);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO api_tokens (uid, name, hash, read_only, created_at)
            VALUES ($uid, $name, $hash, $read_only, $now)
            """;
        command.Parameters.AddWithValue("$uid", id);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$hash", Hash(token));
        command.Parameters.AddWithValue("$read_only", readOnly);
        command.Parameters.AddWithValue("$now", now);
        command.ExecuteNonQuery();
        return new CreatedApiToken(id, name, readOnly, Timestamps.FromMs(now), token);
    }

    public List<ApiToken> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT uid, name, read_only, created_at, last_used_at FROM api_tokens ORDER BY id";
        using var reader = command.ExecuteReader();
        var tokens = new List<ApiToken>();
        while (reader.Read()) tokens.Add(Read(reader));
        return tokens;
    }

    /// <summary>Deletes the token: it stops working at once. False when no such token.</summary>
    public bool Revoke(string id)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM api_tokens WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", id);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>The token's record, or null when the token is unknown or revoked.</summary>
    public ApiToken? Authenticate(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100) return null;
        var hash = Hash(token);
        var now = Database.Now(time);
        using var connection = database.Open();
        ApiToken found;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT uid, name, read_only, created_at, last_used_at FROM api_tokens WHERE hash = $hash";
            command.Parameters.AddWithValue("$hash", hash);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            found = Read(reader);
        }
        // Recording every use would put a write on every API request; minute resolution is enough.
        if (found.LastUsedAt is not { } lastUsed || now - new DateTimeOffset(lastUsed).ToUnixTimeMilliseconds() >= LastUsedResolutionMs)
        {
            using var touch = connection.CreateCommand();
            touch.CommandText = "UPDATE api_tokens SET last_used_at = $now WHERE hash = $hash";
            touch.Parameters.AddWithValue("$now", now);
            touch.Parameters.AddWithValue("$hash", hash);
            // Best effort: a full or read-only disk must not turn every API read into an error.
            try { touch.ExecuteNonQuery(); }
            catch (SqliteException e) when (StorageErrors.IsUnwritable(e)) { }
        }
        return found;
    }

    static ApiToken Read(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetBoolean(2),
        Timestamps.FromMs(reader.GetInt64(3)), reader.IsDBNull(4) ? null : Timestamps.FromMs(reader.GetInt64(4)));

    static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
