using System.Globalization;
using System.Runtime.InteropServices;

namespace Flatline;

/// <summary>Gives back the pages of the executable that only start-up used, the server's and the agent's
/// (one executable): at start each reads much that it never reads again (the runtime's dehydrated data,
/// copied out once; the start path's code, spread through 10 MB of code that the other mode uses), and
/// the kernel keeps every page it touched mapped, with its neighbours (fault-around), for the life of the
/// process. <c>MADV_PAGEOUT</c> on the executable's read-only mappings drops this process's hold on them;
/// their contents stay (a page used again faults back in from the file), so what stays resident is what
/// the agent goes on running. A page another process maps too (a server started from the same file on the
/// same host) is left where it is, and so is every writable mapping.</summary>
public static class StartupPages
{
    const int MadvPageout = 21;

    /// <summary>When start-up is over: listening, monitors loaded and first checked, stats warm.</summary>
    public static readonly TimeSpan After = TimeSpan.FromSeconds(20);

    /// <summary>Pages out once <paramref name="after"/> has passed, unless stopped first.</summary>
    public static async Task PageOutAfterAsync(TimeSpan after, CancellationToken stop)
    {
        try
        {
            await Task.Delay(after, stop);
            PageOut();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Advises the executable's read-only mappings out; the bytes advised (0 off Linux, or when the file was replaced).</summary>
    public static long PageOut()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessPath is not { } self) return 0;
        long advised = 0;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // start-end perms offset dev inode path
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[1].Contains('w') || fields[5].Trim() != self) continue;
            var range = fields[0].Split('-');
            if (range.Length != 2
                || !ulong.TryParse(range[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                || !ulong.TryParse(range[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
                || end <= start) continue;
            if (Madvise((nuint)start, (nuint)(end - start), MadvPageout) == 0) advised += (long)(end - start);
        }
        return advised;
    }

    // DllImport, not LibraryImport, as for malloc_trim in IdleCollector: the signature is blittable.
    [DllImport("libc", EntryPoint = "madvise")]
    static extern int Madvise(nuint address, nuint length, int advice);
}
