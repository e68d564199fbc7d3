namespace Flatline.Tests.Smoke;

/// <summary>The published executable gives a burst's memory back once it is quiet (IdleCollector).</summary>
public class IdleMemoryTests
{
    static long AnonymousKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidOperationException("no RssAnon line");
    }

    [Test]
    public async Task A_quiet_server_returns_the_memory_a_burst_of_requests_took()
    {
        using var folder = new TempFolder();
        await using var server = await RunningBinary.StartAsync(folder.Path);
        using var api = server.ApiClient();
        // Each document request inflates the embedded, compressed document: a few megabytes in all.
        for (var i = 0; i < 20; i++) await Assert.That((int)(await api.GetAsync("/openapi/v1.json")).Status).IsEqualTo(200);
        var afterBurst = AnonymousKb(server.Pid);

        // Two quiet periods of the collector and a margin for a loaded machine.
        var deadline = DateTime.UtcNow + IdleCollector.Period * 2 + TimeSpan.FromSeconds(15);
        var now = afterBurst;
        while (DateTime.UtcNow < deadline && now > afterBurst - 2048)
        {
            await Task.Delay(500);
            now = AnonymousKb(server.Pid);
        }
        await Assert.That(now).IsLessThanOrEqualTo(afterBurst - 2048).Because($"anonymous memory {afterBurst} kB after the burst, {now} kB once quiet");
    }
}
