using System.Collections.Concurrent;

namespace Flatline;

/// <summary>Failed password logins per client address: after 5 failures in 15 minutes, further
/// attempts are refused until the window ends. A success clears the count.</summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    const int MaxTracked = 10_000;

    readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Since)> failures = new();

    /// <summary>How long this client must wait, or null when it may try.</summary>
    public TimeSpan? Blocked(string client)
    {
        if (!failures.TryGetValue(client, out var entry)) return null;
        var until = entry.Since + Window;
        var now = time.GetUtcNow();
        if (now >= until)
        {
            failures.TryRemove(client, out _);
            return null;
        }
        return entry.Failures >= MaxFailures ? until - now : null;
    }

    public void Failed(string client)
    {
        var now = time.GetUtcNow();
        if (failures.Count >= MaxTracked)
            foreach (var (key, value) in failures)
                if (now - value.Since >= Window) failures.TryRemove(key, out _);
        failures.AddOrUpdate(client, (1, now), (_, e) => now - e.Since >= Window ? (1, now) : (e.Failures + 1, e.Since));
    }

    public void Succeeded(string client) => failures.TryRemove(client, out _);
}
