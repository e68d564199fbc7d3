using System.Security.Cryptography;
using System.Text;

namespace Flatline;

/// <summary>The local owner account, used when no OIDC provider is configured: created only through
/// the one-time setup URL printed at start-up, then signed in with a password (PBKDF2-SHA256).</summary>
public sealed class LocalOwner(Database database, TimeProvider time)
{
    public const string LocalIssuer = "local";
    public const int MinPasswordLength = 12;
    const int Iterations = 600_000;
    // A hash to compare against when the user does not exist, so timing does not reveal it.
    static readonly string DummyHash = HashPassword("not a real password, only for timing");

    /// <summary>This process's setup token, while no owner exists (tests read it; users read the log).
    /// It lives only in this process: the process that printed it is the only one that takes it, a
    /// restart prints a new one, and nothing at start-up needs a hash (which would load OpenSSL into an
    /// idle server's memory before anyone signs in).</summary>
    internal string? SetupToken { get; private set; }

    public bool OwnerExists()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM users WHERE is_owner = 1)";
        return (long)command.ExecuteScalar()! == 1;
    }

    /// <summary>Makes a new setup token (replacing any older one) and returns it; null when an owner exists.</summary>
    public string? NewSetupToken() => SetupToken = OwnerExists() ? null : Convert.ToHexStringLower(KernelRandom(24));

    /// <summary>Bytes from the kernel's CSPRNG. RandomNumberGenerator would do, but on Linux it loads
    /// OpenSSL, and a server waiting for its owner has no other use for OpenSSL yet.</summary>
    static byte[] KernelRandom(int count)
    {
        var bytes = new byte[count];
        using var random = new FileStream("/dev/urandom", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        random.ReadExactly(bytes);
        return bytes;
    }

    public enum SetupOutcome { Created, BadToken, OwnerExists }

    /// <summary>Creates the owner if the token is the current setup token; atomically, once.</summary>
    public (SetupOutcome Outcome, long Key, string Id) CreateOwner(string token, string name, string password)
    {
        var expected = SetupToken;
        var passwordHash = HashPassword(password);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var check = connection.CreateCommand())
        {
            check.Transaction = transaction;
            check.CommandText = "SELECT EXISTS (SELECT 1 FROM users WHERE is_owner = 1)";
            if ((long)check.ExecuteScalar()! == 1) return (SetupOutcome.OwnerExists, 0, "");
            if (expected is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(expected)))
                return (SetupOutcome.BadToken, 0, "");
        }
        var id = Guid.CreateVersion7().ToString();
        long key;
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO users (uid, issuer, subject, name, password_hash, is_owner, created_at) VALUES ($uid, 'local', $subject, $name, $hash, 1, $now) RETURNING id;
                """;
            insert.Parameters.AddWithValue("$uid", id);
            insert.Parameters.AddWithValue("$subject", name.ToLowerInvariant());
            insert.Parameters.AddWithValue("$name", name);
            insert.Parameters.AddWithValue("$hash", passwordHash);
            insert.Parameters.AddWithValue("$now", Database.Now(time));
            key = (long)insert.ExecuteScalar()!;
        }
        transaction.Commit();
        SetupToken = null;
        return (SetupOutcome.Created, key, id);
    }

    /// <summary>The owner's key and id when the name and password match, else null.</summary>
    public (long Key, string Id)? Verify(string name, string password)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, uid, password_hash FROM users WHERE issuer = 'local' AND subject = $subject AND password_hash IS NOT NULL";
        command.Parameters.AddWithValue("$subject", name.Trim().ToLowerInvariant());
        using var reader = command.ExecuteReader();
        var found = reader.Read();
        var ok = VerifyPassword(password, found ? reader.GetString(2) : DummyHash);
        return found && ok ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary><c>pbkdf2-sha256$iterations$salt$hash</c>, base64.</summary>
    public static string HashPassword(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool VerifyPassword(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], out var iterations)) return false;
        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
