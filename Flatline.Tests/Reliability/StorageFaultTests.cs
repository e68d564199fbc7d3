using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Reliability;

/// <summary>The database on a real small tmpfs that fills up or turns read-only under a running
/// Flatline: it stays up, says why, refuses writes with a 503 problem, keeps every probe result and
/// recovers by itself.</summary>
[NotInParallel(nameof(StorageFaultTests))]
public class StorageFaultTests
{
    const int Monitors = 6;

    /// <summary>"" when the command succeeds, else what it said.</summary>
    static async Task<string> RunAsync(string file, params string[] args)
    {
        var run = await ChildProcess.RunAsync(file, args, limit: TimeSpan.FromSeconds(20));
        return run.ExitCode == 0 ? "" : $"exit {run.ExitCode}: {run.Output.Trim()}";
    }

    /// <summary>A 2 MiB tmpfs of the test's own; unmounted on dispose.</summary>
    internal sealed class SmallDisk : IAsyncDisposable
    {
        readonly TempFolder folder = new();

        public string Path => folder.File("disk");

        public static async Task<SmallDisk> MountAsync()
        {
            var disk = new SmallDisk();
            Directory.CreateDirectory(disk.Path);
            var error = await RunAsync("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.Path);
            if (error.Length > 0)
                throw new InvalidOperationException($"cannot mount a tmpfs at {disk.Path} ({error}): the storage-fault tests need root and the right to mount");
            return disk;
        }

        /// <summary>Fills the disk to the last byte with a file of its own.</summary>
        public void Fill()
        {
            using var filler = File.OpenHandle(System.IO.Path.Combine(Path, "filler"), FileMode.Create, FileAccess.Write);
            var block = new byte[16 * 1024];
            long offset = 0;
            // 2 MiB / 16 KiB = 128 blocks at most, then single bytes for what a block no longer fits.
            foreach (var size in new[] { block.Length, 1 })
            {
                for (var i = 0; i < 16 * 1024; i++)
                {
                    try { RandomAccess.Write(filler, block.AsSpan(0, size), offset); }
                    catch (IOException) { break; }
                    offset += size;
                }
            }
        }

        public void Free() => File.Delete(System.IO.Path.Combine(Path, "filler"));

        /// <summary>The kernel refuses to remount read-only while a file is open for writing, so this
        /// closes the idle pooled connections and tries again until it lands between two uses.</summary>
        public async Task MakeReadOnlyAsync()
        {
            var error = "";
            for (var i = 0; i < 500; i++)
            {
                ReleaseConnections();
                error = await RunAsync("mount", "-o", "remount,ro", Path);
                if (error.Length == 0) return;
                await Task.Delay(10);
            }
            throw new InvalidOperationException($"could not remount {Path} read-only: {error}");
        }

        public async Task MakeWritableAsync()
        {
            var error = await RunAsync("mount", "-o", "remount,rw", Path);
            if (error.Length > 0) throw new InvalidOperationException($"could not remount {Path} read-write: {error}");
        }

        // Only this disk's database: clearing every pool would close the connections of tests running
        // beside this one, and SQLite then checkpoints and deletes their WAL, which on a full disk frees space.
        void ReleaseConnections() => new Database(System.IO.Path.Combine(Path, "flatline.db")).ReleaseConnections();

        public async ValueTask DisposeAsync()
        {
            ReleaseConnections();
            if (await RunAsync("umount", Path) is { Length: > 0 }) await RunAsync("umount", "-l", Path);
            folder.Dispose();
        }
    }

    static long CheckCount(FlatlineServer server) => server.Scalar<long>("SELECT count(*) FROM checks");

    static async Task<(HttpStatusCode Status, string Reason)> HealthAsync(FlatlineClient api)
    {
        var health = await api.GetHealthAsync();
        return (health.Status, health.Value.Reason ?? "");
    }

    static async Task<(HttpStatusCode Status, string Reason)> WaitForHealthAsync(FlatlineClient api, HttpStatusCode wanted, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var health = await HealthAsync(api);
        while (health.Status != wanted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            health = await HealthAsync(api);
        }
        return health;
    }

    static MonitorBody Monitor(Uri url, string name) => MonitorBody.Http(url).Named(name).Interval(10).Timeout(5).Retries(0);

    [Test]
    [Arguments("full")]
    [Arguments("read-only")]
    public async Task A_database_disk_that_fails_keeps_flatline_up_loses_no_result_and_recovers_by_itself(string fault)
    {
        await using var disk = await SmallDisk.MountAsync();
        await using var target = await TargetServer.StartAsync();
        var server = await FlatlineServer.StartAsync(s => s with { DatabasePath = Path.Combine(disk.Path, "flatline.db") });
        try
        {
            await RunFaultAsync(fault, disk, target, server);
        }
        finally
        {
            // Whatever failed, give the disk back first, so that stopping can flush what is buffered.
            if (File.Exists(Path.Combine(disk.Path, "filler"))) disk.Free();
            if (fault == "read-only") await disk.MakeWritableAsync();
            await server.DisposeAsync();
        }
    }

    static async Task RunFaultAsync(string fault, SmallDisk disk, TargetServer target, FlatlineServer server)
    {
        using var client = server.CreateApiClient();
        using var anonymous = server.CreateAnonymousApiClient();
        using var unusedToken = server.CreateApiClient(); // first used during the fault

        var ids = new List<string>();
        for (var i = 0; i < Monitors; i++)
        {
            var created = await client.CreateMonitorAsync(Monitor(target.Url("/ok"), $"m{i}"));
            await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created);
            ids.Add(created.Value.Id);
        }
        for (var i = 0; i < 100 && CheckCount(server) < Monitors; i++) await Task.Delay(50);
        await Assert.That(CheckCount(server)).IsEqualTo(Monitors);

        if (fault == "full") disk.Fill();
        else await disk.MakeReadOnlyAsync();
        var requestsBefore = target.Requests;

        // SQLite may give a page back right after the disk filled up (a WAL reset): fill it again then.
        var probeFile = Path.Combine(disk.Path, "probe");
        Exception? writeError = null;
        for (var i = 0; i < 10 && writeError is null; i++)
        {
            try
            {
                File.WriteAllText(probeFile, "x");
                File.Delete(probeFile);
                if (fault == "full") disk.Fill();
            }
            catch (IOException e) { writeError = e; }
        }
        await Assert.That(writeError is not null).IsTrue().Because("the disk should refuse a new file now");
        var (status, reason) = await WaitForHealthAsync(anonymous, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
        await Assert.That(status).IsEqualTo(HttpStatusCode.ServiceUnavailable);
        await Assert.That(reason).StartsWith(fault == "full" ? "database: disk full" : "database: read-only");

        var refused = await client.CreateMonitorAsync(Monitor(target.Url("/ok"), "refused"));
        await Assert.That(refused.Status).IsEqualTo(HttpStatusCode.ServiceUnavailable);
        await Assert.That(refused.MediaType).IsEqualTo("application/problem+json");
        await Assert.That(refused.Problem.Status).IsEqualTo(503);
        await Assert.That(refused.Problem.Detail).Contains("nothing was changed");
        // Reading needs no disk space, even with a token whose use Flatline would like to note down.
        // (Not checked read-only: to get the remount through, every connection was closed, which
        // removes the WAL's files, and SQLite cannot open a WAL database without them on a
        // read-only file system. A kernel-forced remount keeps open connections readable.)
        if (fault == "full")
        {
            var list = await unusedToken.ListMonitorsAsync();
            await Assert.That(list.Status).IsEqualTo(HttpStatusCode.OK);
            await Assert.That(list.Value.Count).IsEqualTo(Monitors);
        }

        // Every monitor comes round at least once while the disk is broken: those results wait in memory.
        var faultEnds = DateTime.UtcNow + TimeSpan.FromSeconds(11);
        while (DateTime.UtcNow < faultEnds) await Task.Delay(200);
        var probedDuringFault = target.Requests - requestsBefore;
        await Assert.That(probedDuringFault).IsGreaterThanOrEqualTo(Monitors);
        await Assert.That((await HealthAsync(anonymous)).Status).IsEqualTo(HttpStatusCode.ServiceUnavailable);

        var recoveryStarted = Stopwatch.StartNew();
        if (fault == "full") disk.Free();
        else await disk.MakeWritableAsync();
        var (after, afterReason) = await WaitForHealthAsync(anonymous, HttpStatusCode.OK, TimeSpan.FromSeconds(15));
        await Assert.That(after).IsEqualTo(HttpStatusCode.OK).Because(afterReason);
        Console.WriteLine($"{fault}: {probedDuringFault} checks ran during the fault; healthy again {recoveryStarted.ElapsedMilliseconds} ms after the fix");

        await Assert.That((await client.CreateMonitorAsync(Monitor(target.Url("/ok"), "after"))).Status).IsEqualTo(HttpStatusCode.Created);

        // Every request the target answered became a stored check: nothing buffered was lost.
        for (var i = 0; i < 150 && CheckCount(server) < target.Requests; i++) await Task.Delay(100);
        await Assert.That(CheckCount(server)).IsEqualTo(target.Requests);
        foreach (var id in ids)
        {
            var checks = (await client.ListChecksAsync(id, "limit=100")).Value;
            await Assert.That(checks.Count).IsGreaterThanOrEqualTo(2);
            foreach (var check in checks) await Assert.That(check.Status).IsEqualTo(MonitorStatus.Up);
        }
        await Assert.That(server.Scalar<string>("PRAGMA integrity_check")).IsEqualTo("ok");
    }

    /// <summary>SQLite opens a file that cannot be written read-only instead of failing; such a
    /// connection, once pooled, would refuse every write for good after the disk came back.</summary>
    [Test]
    public async Task A_connection_opened_while_the_disk_was_read_only_is_not_kept_for_later()
    {
        await using var disk = await SmallDisk.MountAsync();
        // A rollback-journal file: one in WAL mode cannot be opened at all on a read-only file system
        // once its -shm is gone; this one opens read-only, which is the case to hold.
        var file = Path.Combine(disk.Path, "flatline.db");
        using (var create = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            create.Open();
            using var table = create.CreateCommand();
            table.CommandText = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)";
            table.ExecuteNonQuery();
        }
        var database = new Database(file);
        await disk.MakeReadOnlyAsync();
        using (var during = database.Open())
        {
            await Assert.That(SQLitePCL.raw.sqlite3_db_readonly(during.Handle, "main")).IsEqualTo(1);
            using var write = during.CreateCommand();
            write.CommandText = "INSERT INTO meta (key, value) VALUES ('t', '1')";
            await Assert.That(() => write.ExecuteNonQuery()).Throws<SqliteException>();
        }
        await disk.MakeWritableAsync();
        using var after = database.Open();
        await Assert.That(SQLitePCL.raw.sqlite3_db_readonly(after.Handle, "main")).IsEqualTo(0);
        using var retry = after.CreateCommand();
        retry.CommandText = "INSERT INTO meta (key, value) VALUES ('t', '1')";
        await Assert.That(retry.ExecuteNonQuery()).IsEqualTo(1);
        after.Dispose();
        database.ReleaseConnections();
    }

    [Test]
    public async Task Stopping_while_the_disk_is_still_full_ends_within_the_stop_timeout_and_says_what_was_lost()
    {
        await using var disk = await SmallDisk.MountAsync();
        await using var target = await TargetServer.StartAsync();
        var environment = new Dictionary<string, string> { ["DATABASE_URL"] = $"sqlite:{Path.Combine(disk.Path, "flatline.db")}" };
        var token = await PublishedBinary.CreateTokenAsync(disk.Path, environment, "ci");

        await using var server = await RunningBinary.StartAsync(disk.Path, environment);
        using var client = server.ApiClient(token);
        for (var i = 0; i < Monitors; i++)
            await Assert.That((await client.CreateMonitorAsync(Monitor(target.Url("/ok"), $"m{i}"))).Status).IsEqualTo(HttpStatusCode.Created);
        for (var i = 0; i < 100 && target.Requests < Monitors; i++) await Task.Delay(50);

        disk.Fill();
        var (status, _) = await WaitForHealthAsync(client, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
        await Assert.That(status).IsEqualTo(HttpStatusCode.ServiceUnavailable);
        // Every monitor comes round once more with the disk full: those results can only wait in memory.
        var buffered = target.Requests + Monitors;
        for (var i = 0; i < 150 && target.Requests < buffered; i++) await Task.Delay(100);
        await Assert.That(target.Requests).IsGreaterThanOrEqualTo(buffered);

        var stopping = Stopwatch.StartNew();
        server.Signal(15);
        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        stopping.Stop();
        // systemd's stop timeout in scripts/flatline.service is 15 s; Flatline gives up after its own 10 s.
        await Assert.That(stopping.Elapsed).IsLessThan(TimeSpan.FromSeconds(15));
        await Assert.That(exitCode).IsEqualTo(1);
        await Assert.That(server.Output).Contains("check results could not be written and are lost");
    }
}
