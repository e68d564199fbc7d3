using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Flatline;

/// <summary>Password pages: the password is checked against its PBKDF2 hash (the local owner's), wrong
/// ones are limited per client and page (<see cref="LoginThrottle"/>: 5 in 15 minutes), and a right one
/// earns a cookie signed with a key derived from the session key (HMAC-SHA256), scoped to the page's
/// path (its custom domain's root there). The signature covers the page, the expiry and the password's
/// hash, so changing the password ends every visitor's cookie.</summary>
public sealed class PagePasswords(Sessions sessions, Settings settings, TimeProvider time)
{
    public const string CookieName = "flatline_page";
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    readonly byte[] key = HMACSHA256.HashData(sessions.Key.Key, "flatline status page cookie v1"u8);
    readonly LoginThrottle throttle = new(time);

    public bool Unlocked(HttpContext context, StoredStatusPage page)
    {
        if (page.PasswordHash is null) return true;
        var value = context.Request.Cookies[CookieName];
        var dot = value?.IndexOf('.') ?? -1;
        if (value is null || dot < 1) return false;
        if (!long.TryParse(value.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)) return false;
        if (expires <= time.GetUtcNow().ToUnixTimeSeconds()) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(page, expires));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(value));
    }

    public enum Outcome { Unlocked, Wrong, Throttled }

    /// <summary>Checks the password; on success sets the cookie for <paramref name="cookiePath"/>.</summary>
    public (Outcome Outcome, TimeSpan Wait) TryUnlock(HttpContext context, StoredStatusPage page, string? password, string cookiePath)
    {
        var client = (context.Connection.RemoteIpAddress?.ToString() ?? "unknown") + "|" + page.View.Id;
        if (throttle.Blocked(client) is { } wait) return (Outcome.Throttled, wait);
        if (page.PasswordHash is null || password is not { Length: > 0 } || !LocalOwner.VerifyPassword(password, page.PasswordHash))
        {
            throttle.Failed(client);
            return throttle.Blocked(client) is { } now ? (Outcome.Throttled, now) : (Outcome.Wrong, TimeSpan.Zero);
        }
        throttle.Succeeded(client);
        var expires = time.GetUtcNow() + Lifetime;
        context.Response.Cookies.Append(CookieName, Sign(page, expires.ToUnixTimeSeconds()), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = settings.PublicUrl?.Scheme == "https",
            Path = cookiePath,
            Expires = expires,
        });
        return (Outcome.Unlocked, TimeSpan.Zero);
    }

    string Sign(StoredStatusPage page, long expires)
    {
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{page.View.Id}\n{expires}\n{page.PasswordHash}"));
        return expires.ToString(CultureInfo.InvariantCulture) + "." + Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

/// <summary>Requests per client address to the public routes (pages, feeds, badges): a token bucket
/// of <see cref="Burst"/> requests refilled at <see cref="PerSecond"/>, so a visitor, a feed reader or
/// an image proxy is never refused and a flood from one address is.</summary>
public sealed class PublicRateLimit(TimeProvider time)
{
    public double Burst { get; set; } = 300;
    public double PerSecond { get; set; } = 50;
    const int MaxTracked = 50_000;

    sealed class Bucket
    {
        public double Tokens;
        public long At;
    }

    readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.Ordinal);

    /// <summary>Null when the request may go on, else how long the client should wait.</summary>
    public TimeSpan? Take(string client)
    {
        var now = time.GetTimestamp();
        if (buckets.Count >= MaxTracked) Sweep(now);
        var bucket = buckets.GetOrAdd(client, _ => new Bucket { Tokens = Burst, At = now });
        lock (bucket)
        {
            var elapsed = time.GetElapsedTime(bucket.At, now).TotalSeconds;
            bucket.Tokens = Math.Min(Burst, bucket.Tokens + elapsed * PerSecond);
            bucket.At = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return null;
            }
            return TimeSpan.FromSeconds((1 - bucket.Tokens) / PerSecond);
        }
    }

    /// <summary>Forgets the buckets that have refilled: they are as good as new.</summary>
    void Sweep(long now)
    {
        foreach (var (client, bucket) in buckets)
            if (time.GetElapsedTime(bucket.At, now).TotalSeconds * PerSecond + bucket.Tokens >= Burst) buckets.TryRemove(client, out _);
    }

    /// <summary>Takes the request's share; past the limit writes 429 with Retry-After and returns false.</summary>
    public async ValueTask<bool> AdmitAsync(HttpContext context)
    {
        if (Take(context.Connection.RemoteIpAddress?.ToString() ?? "unknown") is not { } wait) return true;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await PublicStatusEndpoints.Problem(context, 429, "Too Many Requests", "too many requests from this address; slow down");
        return false;
    }
}
