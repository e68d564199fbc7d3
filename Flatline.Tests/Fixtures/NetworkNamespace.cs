using System.Runtime.InteropServices;

namespace Flatline.Tests;

/// <summary>A network namespace of the test's own (<c>ip netns add</c>), with its own loopback and its
/// own ICMP sysctls, deleted on dispose. Code runs inside it on a thread of its own that joined it
/// with setns(2): a socket belongs to the namespace of the thread that opened it, so a probe started
/// there (which opens its socket before its first await) checks the namespace's 127.0.0.1. The
/// thread may also give up CAP_NET_RAW (capabilities are per thread), as an unprivileged service has it.</summary>
public sealed class NetworkNamespace : IAsyncDisposable
{
    const int CloneNewNet = 0x40000000;
    const int CapNetRaw = 13;

    NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        var space = new NetworkNamespace("flatline-" + Guid.NewGuid().ToString("N")[..10]);
        await Run("ip", "netns", "add", space.Name);
        await space.ExecAsync("ip", "link", "set", "lo", "up");
        return space;
    }

    /// <summary>Writes a sysctl of this namespace, such as <c>net/ipv4/ping_group_range</c>.</summary>
    public Task SetAsync(string sysctl, string value) =>
        ExecAsync("sh", "-c", $"echo '{value}' > /proc/sys/{sysctl}");

    public Task ExecAsync(params string[] command) => Run(["ip", "netns", "exec", Name, .. command]);

    /// <summary>Starts <paramref name="start"/> on a thread inside the namespace and awaits what it returns.</summary>
    public Task<T> StartInside<T>(Func<Task<T>> start, bool withoutRawSockets)
    {
        Task<T>? started = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{Name}");
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0) throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                if (withoutRawSockets) DropNetRaw();
                started = start();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is not null ? Task.FromException<T>(failure) : started!;
    }

    /// <summary>Clears CAP_NET_RAW from this thread's effective and permitted sets.</summary>
    static void DropNetRaw()
    {
        var header = new CapHeader { Version = 0x20080522, Pid = 0 };
        var data = new CapData[2];
        if (capget(ref header, data) != 0) throw new InvalidOperationException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        data[0].Effective &= ~(1u << CapNetRaw);
        data[0].Permitted &= ~(1u << CapNetRaw);
        if (capset(ref header, data) != 0) throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
    }

    static async Task Run(params string[] command)
    {
        var result = await ChildProcess.RunAsync(command[0], command[1..], limit: TimeSpan.FromSeconds(20));
        if (result.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed: {result.Output}");
    }

    public async ValueTask DisposeAsync() => await Run("ip", "netns", "delete", Name);

    [StructLayout(LayoutKind.Sequential)]
    struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

#pragma warning disable SYSLIB1054 // A test helper: DllImport needs no unsafe code.
    [DllImport("libc", SetLastError = true)]
    static extern int setns(int fd, int nstype);

    [DllImport("libc", SetLastError = true)]
    static extern int capget(ref CapHeader header, [In, Out] CapData[] data);

    [DllImport("libc", SetLastError = true)]
    static extern int capset(ref CapHeader header, [In] CapData[] data);
#pragma warning restore SYSLIB1054
}
