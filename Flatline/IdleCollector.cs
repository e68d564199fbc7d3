using System.Runtime.InteropServices;

namespace Flatline;

/// <summary>Gives memory back once a burst of work is over. The GC collects only when something
/// allocates, so the garbage of a burst (start-up, a sign-in, a dashboard of 10,000 monitors) would
/// stay resident for as long as the server then stays quiet, which on a small VPS is most of the time.
/// When a period of <see cref="Period"/> allocates less than <see cref="QuietBytes"/> after at least
/// <see cref="WorthCollecting"/> was allocated since the last collection here, one compacting
/// collection returns the emptied heap pages, and <c>malloc_trim</c> the native allocator's
/// (SQLite's and OpenSSL's). A busy server never gets here: its own collections keep it in check.</summary>
public sealed class IdleCollector(Func<long> allocatedBytes, Action collect)
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);
    public const long QuietBytes = 256 * 1024, WorthCollecting = 1024 * 1024;

    long previous = allocatedBytes();
    long collectedAt; // zero: what start-up allocated counts

    /// <summary>One period has passed; true when it collected.</summary>
    public bool Tick()
    {
        var now = allocatedBytes();
        var quiet = now - previous < QuietBytes && now - collectedAt >= WorthCollecting;
        if (quiet)
        {
            collect();
            now = allocatedBytes();
            collectedAt = now;
        }
        previous = now;
        return quiet;
    }

    /// <summary>Runs for the life of the process that owns the heap (not in tests, which host many servers).</summary>
    public static async Task RunAsync(TimeProvider time, CancellationToken stop)
    {
        var collector = new IdleCollector(() => GC.GetTotalAllocatedBytes(), CollectAndTrim);
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) collector.Tick();
        }
        catch (OperationCanceledException)
        {
        }
    }

    static void CollectAndTrim()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux()) MallocTrim(0);
    }

    // DllImport, not LibraryImport: the signature is blittable, and LibraryImport would need unsafe code.
    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);
}
