using System.Globalization;
using System.Net;
using System.Text;

namespace Flatline.Tests;

/// <summary>Debian's dnsmasq in the foreground on 127.0.0.1 and [::1] with a port of its own, serving
/// only the records the test writes: no /etc/hosts, no resolv.conf, no upstream unless the
/// configuration names one.</summary>
public sealed class Dnsmasq : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/dnsmasq";

    readonly TempFolder folder;
    readonly ChildProcess process;

    Dnsmasq(TempFolder folder, ChildProcess process, int port)
    {
        this.folder = folder;
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, as a monitor's <c>server</c>.</summary>
    public string Server => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <param name="configuration">dnsmasq.conf lines (<c>host-record=…</c>, <c>txt-record=…</c>, …).</param>
    /// <param name="hosts">A hosts file's lines, for names with several addresses.</param>
    /// <param name="port">A port to listen on (to start again where a stopped one was); null: a free one.</param>
    public static async Task<Dnsmasq> StartAsync(IEnumerable<string> configuration, IEnumerable<string>? hosts = null, int? port = null)
    {
        var folder = new TempFolder();
        var lines = configuration.ToList();
        if (hosts is not null)
        {
            File.WriteAllLines(folder.File("hosts"), hosts);
            lines.Add($"addn-hosts={folder.File("hosts")}");
        }
        File.WriteAllLines(folder.File("dnsmasq.conf"), lines);
        try
        {
            // It binds its sockets before it says it started.
            var (process, listening) = await ChildProcess.StartOnFreePortAsync(free => ChildProcess.StartInfo(Executable,
            [
                "--keep-in-foreground", "--log-facility=-", "--pid-file=", $"--conf-file={folder.File("dnsmasq.conf")}",
                "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1,::1",
                $"--port={free.ToString(CultureInfo.InvariantCulture)}",
            ]), l => l.Contains("started, version", StringComparison.Ordinal), TimeSpan.FromSeconds(10), port);
            return new Dnsmasq(folder, process, listening);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>What dnsmasq logged, for failure messages.</summary>
    public string Output => process.Output;

    /// <summary>A name in wire format as hex, for <c>dns-rr=</c> record data.</summary>
    public static string NameHex(string name)
    {
        var hex = new StringBuilder();
        foreach (var label in name.Split('.'))
            hex.Append(label.Length.ToString("x2", CultureInfo.InvariantCulture)).Append(Convert.ToHexString(Encoding.ASCII.GetBytes(label)));
        return hex.Append("00").ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        folder.Dispose();
    }
}
