using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flatline;

/// <summary>The signed-in user as <c>GET /auth/me</c> shows them: the original's User (id, sub, email?,
/// name?, created_at) and Flatline's is_owner. The name is the person's name, else their email: never an id.</summary>
public sealed record SessionUser(string Id, string? Name, string? Email, bool IsOwner, string Sub, DateTime CreatedAt);

/// <summary>Signed session tokens in the <c>session</c> cookie, recorded server-side so that a
/// logout revokes one for good. The key is JWT_SECRET, or one generated once and kept in the database.</summary>
public sealed class Sessions
{
    public const string CookieName = "session";
    public const string Issuer = "flatline";
    public const string Audience = "flatline";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    readonly Database database;
    readonly Settings settings;
    readonly TimeProvider time;
    readonly SymmetricSecurityKey key;
    readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public Sessions(Database database, Settings settings, TimeProvider time)
    {
        this.database = database;
        this.settings = settings;
        this.time = time;
        key = new SymmetricSecurityKey(settings.JwtSecret ?? StoredSecret(database));
    }

    public SymmetricSecurityKey Key => key;

    static byte[] StoredSecret(Database database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        // Generated once: INSERT OR IGNORE keeps the first key if two processes race.
        command.CommandText = """
            INSERT OR IGNORE INTO meta (key, value) VALUES ('jwt_secret', $value);
            SELECT value FROM meta WHERE key = 'jwt_secret';
            """;
        command.Parameters.AddWithValue("$value", Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        return Convert.FromBase64String((string)command.ExecuteScalar()!);
    }

    /// <summary>Starts a session for the user: records it and returns the signed token and its expiry.</summary>
    public (string Token, DateTimeOffset Expires) Issue(long userKey, string userId)
    {
        var now = time.GetUtcNow();
        var expires = now + Lifetime;
        var jti = Guid.CreateVersion7().ToString();
        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT INTO sessions (jti, user_id, created_at, expires_at) VALUES ($jti, $user, $now, $expires)";
            command.Parameters.AddWithValue("$jti", jti);
            command.Parameters.AddWithValue("$user", userKey);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$expires", expires.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim("sub", userId), new Claim("jti", jti)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    /// <summary>The session's user and id, or null for a forged, expired, wrong-key or revoked token.</summary>
    public async Task<(SessionUser User, string Jti)?> ValidateAsync(string token)
    {
        var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } e && e > now - TimeSpan.FromSeconds(30) && (notBefore is not { } n || n <= now + TimeSpan.FromSeconds(30));
            },
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || string.IsNullOrEmpty(jwt.Id)) return null;

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {UserColumns} FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.jti = $jti AND s.revoked_at IS NULL AND s.expires_at > $now AND u.uid = $sub
            """;
        command.Parameters.AddWithValue("$jti", jwt.Id);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$sub", jwt.Subject);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (ReadUser(reader), jwt.Id) : null;
    }

    /// <summary>The user by database key, as /auth/me shows them (for the answer of a sign-in).</summary>
    public SessionUser User(long userKey)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {UserColumns} FROM users u WHERE u.id = $key";
        command.Parameters.AddWithValue("$key", userKey);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadUser(reader) : throw new InvalidOperationException($"no user {userKey}");
    }

    const string UserColumns = "u.uid, u.subject, u.name, u.email, u.is_owner, u.created_at";

    static SessionUser ReadUser(SqliteDataReader reader)
    {
        var email = reader.IsDBNull(3) ? null : reader.GetString(3);
        return new SessionUser(reader.GetString(0), reader.IsDBNull(2) ? email : reader.GetString(2), email,
            reader.GetBoolean(4), reader.GetString(1), Timestamps.FromMs(reader.GetInt64(5)));
    }

    public void Revoke(string jti)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE sessions SET revoked_at = $now WHERE jti = $jti AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$jti", jti);
        command.ExecuteNonQuery();
    }

    public CookieOptions CookieOptions(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = settings.PublicUrl?.Scheme == "https",
        Path = "/",
        Expires = expires,
    };

    public void SetCookie(HttpResponse response, string token, DateTimeOffset expires) =>
        response.Cookies.Append(CookieName, token, CookieOptions(expires));

    public void ClearCookie(HttpResponse response) => response.Cookies.Delete(CookieName, CookieOptions(null));
}
