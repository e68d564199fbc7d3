using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;

namespace Flatline.Tests.Reliability;

/// <summary>The published executable killed with SIGKILL at random moments while it probes, writes
/// and notifies, and stopped with SIGTERM: it loses nothing it acknowledged.</summary>
public class CrashSafetyTests
{
    const int Rounds = 5;
    const int Seed = 1010;

    static readonly Dictionary<string, string> Environment = new() { ["LOG_LEVEL"] = "Warning" };

    static SqliteConnection OpenDirect(string path)
    {
        // Database's static constructor picks the SQLite provider.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Database).TypeHandle);
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    static List<string> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read()) values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        return values;
    }

    static long Scalar(SqliteConnection connection, string sql) => long.Parse(Column(connection, sql)[0], System.Globalization.CultureInfo.InvariantCulture);

    static FlatlineClient Client(RunningBinary binary, string token)
    {
        var api = binary.ApiClient(token);
        // A request the kill cut off must fail soon, not hold the round up.
        api.Http.Timeout = TimeSpan.FromSeconds(10);
        return api;
    }

    static async Task<string> CreateAsync(FlatlineClient api, MonitorBody monitor) =>
        (await api.CreateMonitorAsync(monitor)).Expect(HttpStatusCode.Created).Value.Id;

    static async Task<string> CreateAsync(FlatlineClient api, ChannelBody channel) =>
        (await api.CreateNotificationChannelAsync(channel)).Expect(HttpStatusCode.Created).Value.Id;

    [Test]
    public async Task Sigkill_at_random_moments_loses_no_acknowledged_write_and_no_notification()
    {
        using var folder = new TempFolder();
        var database = folder.File("flatline.db");
        await using var target = await TargetServer.StartAsync();
        await using var receiver = await Receiver.StartAsync();
        var token = await PublishedBinary.CreateTokenAsync(folder.Path, Environment, "crash");

        var acknowledgedMonitors = new List<string>();
        var acknowledgedChannels = new List<string>();
        var linked = new List<string>();
        var binary = await RunningBinary.StartAsync(folder.Path, Environment);
        try
        {
            using (var client = Client(binary, token))
            {
                var channels = new List<string>();
                for (var i = 0; i < 2; i++)
                    channels.Add(await CreateAsync(client, ChannelBody.Webhook(receiver.Url($"/hook/{i}"), "a-long-enough-secret").Named($"hook {i}")));
                string[] paths = ["/status/500", "/status/500", "/health", "/health", "/health", "/ok"];
                foreach (var (path, i) in paths.Select((p, i) => (p, i)))
                {
                    // Created paused and linked before the first check, so that every incident notifies both channels.
                    var id = await CreateAsync(client, MonitorBody.Http(target.Url(path)).Named($"watched {i}").Interval(10).Timeout(2).Retries(0).Paused());
                    foreach (var channel in channels)
                        await Assert.That((await client.LinkMonitorChannelAsync(id, channel, onRecovery: true)).Status).IsEqualTo(HttpStatusCode.Created);
                    await Assert.That((await client.UpdateMonitorAsync(id, MonitorBody.Change().Enabled())).Status).IsEqualTo(HttpStatusCode.OK);
                    linked.Add(id);
                }
            }

            var random = new Random(Seed);
            var killedAfter = new List<int>();
            for (var round = 0; round < Rounds; round++)
            {
                if (round > 0) binary = await RunningBinary.StartAsync(folder.Path, Environment);
                target.HealthStatus = round % 2 == 0 ? 503 : 200; // the /health monitors flap: incidents open and resolve
                using var client = Client(binary, token);
                using var stop = new CancellationTokenSource();
                var writes = Task.Run(async () =>
                {
                    // Bounded: at most 500 writes a round; the kill ends it sooner.
                    for (var n = 0; n < 500 && !stop.IsCancellationRequested; n++)
                    {
                        try
                        {
                            if (n % 3 == 2)
                                acknowledgedChannels.Add(await CreateAsync(client, ChannelBody.Webhook(receiver.Url("/extra")).Named($"extra {round}.{n}")));
                            else
                                acknowledgedMonitors.Add(await CreateAsync(client, MonitorBody.Http(target.Url("/ok")).Named($"extra {round}.{n}").Interval(60).Timeout(2)));
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                        {
                            return; // killed mid-request: not acknowledged
                        }
                    }
                });
                var delay = random.Next(1500, 4500);
                killedAfter.Add(delay);
                await Task.Delay(delay);
                binary.Signal(9);
                await binary.WaitForExitAsync(TimeSpan.FromSeconds(10));
                await stop.CancelAsync();
                await writes;
                await binary.DisposeAsync();

                using var connection = OpenDirect(database);
                await Assert.That(Column(connection, "PRAGMA integrity_check").Single()).IsEqualTo("ok");
                var monitors = Column(connection, "SELECT uid FROM monitors").ToHashSet();
                var channelIds = Column(connection, "SELECT uid FROM notification_channels").ToHashSet();
                foreach (var id in acknowledgedMonitors.Concat(linked)) await Assert.That(monitors.Contains(id)).IsTrue().Because($"round {round}: monitor {id} was acknowledged");
                foreach (var id in acknowledgedChannels) await Assert.That(channelIds.Contains(id)).IsTrue().Because($"round {round}: channel {id} was acknowledged");
                await Assert.That(Scalar(connection, "SELECT count(*) FROM (SELECT monitor_id FROM incidents WHERE resolved_at IS NULL GROUP BY monitor_id HAVING count(*) > 1)")).IsEqualTo(0L);
            }

            // A last run lets every notification out; leases of rows claimed when killed end after 60 s.
            target.HealthStatus = 200;
            binary = await RunningBinary.StartAsync(folder.Path, Environment);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(100);
            long open = -1;
            while (DateTime.UtcNow < deadline)
            {
                using var connection = OpenDirect(database);
                open = Scalar(connection, "SELECT count(*) FROM outbox WHERE state = 'pending'");
                if (open == 0) break;
                await Task.Delay(500);
            }
            binary.Signal(15);
            await Assert.That(await binary.WaitForExitAsync(TimeSpan.FromSeconds(10))).IsEqualTo(0);
            await Assert.That(open).IsEqualTo(0L);

            using (var connection = OpenDirect(database))
            {
                await Assert.That(Column(connection, "PRAGMA integrity_check").Single()).IsEqualTo("ok");
                // Every incident of a watched monitor wrote one event per channel, in its own transaction.
                var incidents = Scalar(connection, "SELECT count(*) FROM incidents");
                var recovered = Scalar(connection, "SELECT count(*) FROM incidents WHERE resolution = 'recovered'");
                var down = Scalar(connection, "SELECT count(*) FROM outbox WHERE kind = 'down'");
                var up = Scalar(connection, "SELECT count(*) FROM outbox WHERE kind = 'up'");
                await Assert.That(incidents).IsGreaterThanOrEqualTo(2L);
                await Assert.That(down).IsEqualTo(2 * incidents);
                await Assert.That(up).IsEqualTo(2 * recovered);
                // Every event was delivered (the receiver answers 200), each attempt recorded.
                await Assert.That(Scalar(connection, "SELECT count(*) FROM outbox WHERE state <> 'delivered'")).IsEqualTo(0L);
                await Assert.That(Scalar(connection, "SELECT count(*) FROM outbox o WHERE attempts < 1 OR NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.outbox_id = o.id AND a.delivered = 1)")).IsEqualTo(0L);
                var events = Column(connection, "SELECT uid FROM outbox").ToHashSet();
                var received = receiver.Requests.Where(r => r.Path.StartsWith("/hook/", StringComparison.Ordinal)).Select(r => r.Header("webhook-id")!).ToHashSet();
                await Assert.That(received.SetEquals(events)).IsTrue().Because($"{events.Count} events, {received.Count} distinct deliveries");
                Console.WriteLine($"crash: {Rounds} SIGKILL rounds after {string.Join(", ", killedAfter)} ms; {acknowledgedMonitors.Count} monitors and {acknowledgedChannels.Count} channels acknowledged and all kept; {incidents} incidents, {events.Count} events, {receiver.Requests.Count(r => r.Path.StartsWith("/hook/", StringComparison.Ordinal))} deliveries ({received.Count} distinct)");
            }
        }
        finally
        {
            await binary.DisposeAsync();
        }
    }

    [Test]
    public async Task Sigterm_finishes_the_check_in_flight_ends_streams_and_exits_0_within_5_seconds()
    {
        using var folder = new TempFolder();
        await using var target = await TargetServer.StartAsync();
        var token = await PublishedBinary.CreateTokenAsync(folder.Path, Environment, "term");
        await using var binary = await RunningBinary.StartAsync(folder.Path, Environment);
        using var client = Client(binary, token);
        await CreateAsync(client, MonitorBody.Http(target.Url("/slow/2500")).Named("slow").Interval(60).Timeout(10));
        await using var stream = await client.OpenStreamAsync();
        await stream.NextOfTypeAsync("stats_update", TimeSpan.FromSeconds(5));
        for (var i = 0; i < 200 && target.Requests == 0; i++) await Task.Delay(10);
        await Assert.That(target.Requests).IsEqualTo(1);

        var stopwatch = Stopwatch.StartNew();
        binary.Signal(15);
        var exitCode = await binary.WaitForExitAsync(TimeSpan.FromSeconds(15));
        var took = stopwatch.Elapsed;
        Console.WriteLine($"SIGTERM to exit: {took.TotalMilliseconds:F0} ms (the check in flight needed about 2.5 s more)");
        await Assert.That(exitCode).IsEqualTo(0);
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(5));

        // The stream ended rather than hanging: the next read sees its end (or a broken connection).
        var ended = false;
        try
        {
            for (var i = 0; i < 100 && !ended; i++) ended = await stream.NextAsync(TimeSpan.FromSeconds(2)) is null;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            ended = true;
        }
        await Assert.That(ended).IsTrue();

        using var connection = OpenDirect(folder.File("flatline.db"));
        await Assert.That(Column(connection, "SELECT ok || ':' || status_code FROM checks").Single()).IsEqualTo("1:200");
    }
}
