using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Compatibility;

/// <summary><c>flatline import</c> of a database of the original, built from the facts of SPEC §11
/// (<see cref="OriginalDatabase"/>), and read back through the API of a server on the result.</summary>
public class ImportTests
{
    static readonly OAuthSettings OAuth = new(new Uri("https://id.example.com"), "flatline", "secret", new Uri("http://localhost:3000/auth/callback"));

    sealed record Imported(int ExitCode, string Output, string Errors);

    static Imported Import(string source, string target, bool oidc = true)
    {
        var settings = FlatlineServer.DefaultSettings(target) with { OAuth = oidc ? OAuth : null };
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ImportCommand.Run([source], settings, stdout, stderr);
        new Database(target).ReleaseConnections();
        return new Imported(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A server on the imported file whose clock stands still, so that no check runs and the
    /// database holds only what the import wrote.</summary>
    static Task<FlatlineServer> Serve(string target) => FlatlineServer.StartOnAsync(target, new FakeClock());

    [Test]
    public async Task Monitors_channels_links_checks_incidents_and_the_owner_come_with_their_ids()
    {
        using var folder = new TempFolder();
        var facts = OriginalDatabase.Sample(folder.File("original.db"));
        var import = Import(folder.File("original.db"), folder.File("flatline.db"));
        await Assert.That(import.ExitCode).IsEqualTo(0).Because(import.Output + import.Errors);
        await HasTally(import.Output, "monitors", 3, 0, 1);
        await HasTally(import.Output, "checks", 212, 0, 2);
        await Assert.That(import.Output).Contains("skipped 1 check: its status is neither up nor down");
        await Assert.That(import.Output).Contains("skipped 1 check: its monitor was not imported");
        await HasTally(import.Output, "owner", 1, 0, 1);
        await Assert.That(import.Output).Contains($"skipped monitor {facts.Invalid}: interval must be a whole number from 10 to 86400 seconds");
        await Assert.That(import.Output).Contains("Imported in one transaction.");

        await using var server = await Serve(folder.File("flatline.db"));
        using var api = server.CreateApiClient();
        var monitors = (await api.ListMonitorsAsync()).Value.ToDictionary(m => m.Id);
        await Assert.That(monitors.Keys).IsEquivalentTo(new[] { facts.Api, facts.Shop, facts.Paused });
        var apiJson = (await api.GetMonitorAsync(facts.Api)).Json;
        // No method in the original's config: GET. No statuses: any 2xx, shown as none.
        await Assert.That(apiJson.GetProperty("config").GetProperty("method").GetString()).IsEqualTo("GET");
        await Assert.That(apiJson.GetProperty("config").GetProperty("expected_status").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(apiJson.GetProperty("retries").GetInt32()).IsEqualTo(1);
        var shop = (await api.GetMonitorAsync(facts.Shop)).Json.GetProperty("config");
        await Assert.That(shop.GetProperty("method").GetString()).IsEqualTo("POST");
        await Assert.That(shop.GetProperty("expected_status").GetRawText()).IsEqualTo("[200,201]");
        await Assert.That(shop.GetProperty("headers").GetProperty("X-Key").GetString()).IsEqualTo("v");
        await Assert.That(monitors[facts.Api].Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That(monitors[facts.Shop].Status).IsEqualTo(MonitorStatus.Down);
        await Assert.That(monitors[facts.Paused].Status).IsEqualTo(MonitorStatus.Paused);
        await Assert.That(monitors[facts.Api].LastCheckedAt).IsEqualTo(facts.Start.AddMinutes(facts.ApiChecks - 1).UtcDateTime);

        var checks = (await api.ListChecksAsync(facts.Api, "limit=100")).Value;
        await Assert.That(checks.Count).IsEqualTo(100);
        await Assert.That(checks[0].ResponseTimeMs).IsEqualTo(120L + (facts.ApiChecks - 1) % 10);
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM checks")).IsEqualTo((long)facts.ApiChecks + facts.ShopChecks + 2);

        var incidents = (await api.ListIncidentsAsync(facts.Api)).Value;
        await Assert.That(incidents.Select(i => i.Id)).IsEquivalentTo(new[] { facts.Resolved });
        await Assert.That(incidents[0].DurationSeconds).IsEqualTo(facts.DowntimeMs / 1000);
        var open = (await api.ListIncidentsAsync(facts.Shop)).Value.Single();
        await Assert.That(open.Id).IsEqualTo(facts.Open);
        await Assert.That(open.ResolvedAt).IsNull();

        var channels = (await api.ListNotificationChannelsAsync()).Json.EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        await Assert.That(channels.Keys).IsEquivalentTo(new[] { facts.Slack, facts.Telegram, facts.Webhook });
        await Assert.That(channels[facts.Telegram].GetProperty("config").GetProperty("chat_id").GetString()).IsEqualTo("-100123");
        var apiLinks = (await api.ListMonitorChannelsAsync(facts.Api)).Value;
        await Assert.That(apiLinks.Select(l => (l.Id, l.ChannelId, l.OnRecovery))).IsEquivalentTo(new[] { (facts.ApiLink, facts.Slack, true) });
        await Assert.That((await api.ListMonitorChannelsAsync(facts.Shop)).Value.Single().OnRecovery).IsFalse();

        await Assert.That(server.Scalar<string>("SELECT uid || ' ' || issuer || ' ' || subject || ' ' || email FROM users WHERE is_owner = 1"))
            .IsEqualTo($"{facts.Owner} https://id.example.com auth0|owner owner@example.com");
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM users")).IsEqualTo(1L);
    }

    [Test]
    public async Task Rollups_and_stats_agree_with_the_imported_checks_and_incidents()
    {
        using var folder = new TempFolder();
        var facts = OriginalDatabase.Sample(folder.File("original.db"));
        await Assert.That(Import(folder.File("original.db"), folder.File("flatline.db")).ExitCode).IsEqualTo(0);
        await using var server = await Serve(folder.File("flatline.db"));
        using var api = server.CreateApiClient();

        // The writer's sums: every check once in each table, enabled time from the first check to the
        // last, down time the incident's.
        var spanMs = (facts.ApiChecks - 1) * 60_000L;
        foreach (var table in new[] { "rollups_hourly", "rollups_daily" })
            await Assert.That(server.Scalar<string>($"""
                SELECT sum(checks) || ' ' || sum(failures) || ' ' || sum(enabled_ms) || ' ' || sum(down_ms) FROM {table}
                WHERE monitor_id = (SELECT id FROM monitors WHERE uid = '{facts.Api}')
                """)).IsEqualTo($"{facts.ApiChecks} {facts.ApiFailures} {spanMs} {facts.DowntimeMs}");
        // shop: down from its open incident's start to its last check.
        await Assert.That(server.Scalar<long>($"SELECT sum(down_ms) FROM rollups_daily WHERE monitor_id = (SELECT id FROM monitors WHERE uid = '{facts.Shop}')"))
            .IsEqualTo(8 * 60_000L);
        await Assert.That(server.Scalar<long>($"SELECT consecutive_failures FROM monitors WHERE uid = '{facts.Shop}'")).IsEqualTo(5L);

        var week = (await api.GetMonitorStatsAsync(facts.Api)).Value.Windows.Last7Days;
        await Assert.That(week.Checks).IsEqualTo((long)facts.ApiChecks);
        await Assert.That(week.Failures).IsEqualTo((long)facts.ApiFailures);
        await Assert.That(week.DowntimeSeconds).IsEqualTo(facts.DowntimeMs / 1000);
        await Assert.That(week.P50!.Value).IsGreaterThan(119.0);
        await Assert.That(week.P50!.Value).IsLessThan(131.0);
        await Assert.That(week.Uptime!.Value).IsLessThan(1.0);
        var days = (await api.GetMonitorUptimeAsync(facts.Api, "days=7")).Value;
        await Assert.That(days.Sum(d => d.Checks)).IsEqualTo((long)facts.ApiChecks);
        await Assert.That(days.Sum(d => d.DowntimeSeconds)).IsEqualTo(facts.DowntimeMs / 1000);
        // The latency chart reads the raw checks: the same number of them.
        var chart = (await api.GetMonitorLatencyAsync(facts.Api, $"from={facts.Start.AddMinutes(-1):O}&to={facts.Start.AddHours(4):O}".Replace("+", "%2B", StringComparison.Ordinal))).Value;
        await Assert.That(chart.Points.Sum(p => p.Checks)).IsEqualTo((long)facts.ApiChecks);
    }

    [Test]
    public async Task A_second_import_changes_nothing_and_says_so()
    {
        using var folder = new TempFolder();
        OriginalDatabase.Sample(folder.File("original.db"));
        await Assert.That(Import(folder.File("original.db"), folder.File("flatline.db")).ExitCode).IsEqualTo(0);
        var before = Snapshot(folder.File("flatline.db"));

        var again = Import(folder.File("original.db"), folder.File("flatline.db"));
        await Assert.That(again.ExitCode).IsEqualTo(0);
        await HasTally(again.Output, "monitors", 0, 3, 1);
        await HasTally(again.Output, "checks", 0, 212, 2);
        await HasTally(again.Output, "links", 0, 2, 1);
        await Assert.That(again.Output).Contains("Nothing imported");
        await Assert.That(Snapshot(folder.File("flatline.db"))).IsEqualTo(before);
    }

    [Test]
    public async Task Without_openid_sign_in_the_owner_is_left_out_and_the_report_says_why()
    {
        using var folder = new TempFolder();
        var facts = OriginalDatabase.Sample(folder.File("original.db"));
        var import = Import(folder.File("original.db"), folder.File("flatline.db"), oidc: false);
        await Assert.That(import.ExitCode).IsEqualTo(0);
        await Assert.That(import.Output).Contains($"skipped user {facts.Owner}: sign-in here is local (OAUTH_* not set)");
        await using var server = await Serve(folder.File("flatline.db"));
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM users")).IsEqualTo(0L);
    }

    [Test]
    public async Task A_file_that_is_not_the_originals_database_stops_the_import_before_anything_is_written()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("notes.txt"), "not a database\n");
        await File.WriteAllTextAsync(folder.File("empty.db"), "");
        using (var newer = new OriginalDatabase(folder.File("newer.db"), OriginalSource.KnownSchemaVersion + 1)) { }
        var bad = new Dictionary<string, string>
        {
            [folder.File("notes.txt")] = "is not an SQLite database",
            [folder.File("newer.db")] = "is from a newer version of the original Flatline",
            [folder.File("missing.db")] = "does not exist",
            [folder.File("empty.db")] = "is empty",
        };
        foreach (var (path, message) in bad)
        {
            var import = Import(path, folder.File("flatline.db"));
            await Assert.That(import.ExitCode).IsEqualTo(2);
            await Assert.That(import.Errors.TrimEnd().Split('\n').Length).IsEqualTo(1);
            await Assert.That(import.Errors).Contains(message);
            await Assert.That(File.Exists(folder.File("flatline.db"))).IsFalse();
        }
    }

    /// <summary>The report's line for one kind.</summary>
    static async Task HasTally(string output, string kind, long imported, long here, long skipped) =>
        await Assert.That(System.Text.RegularExpressions.Regex.IsMatch(output, $@"\n  {kind} +{imported} imported +{here} already here +{skipped} skipped\n"))
            .IsTrue().Because(output);

    /// <summary>Every table's rows, for telling whether anything changed.</summary>
    static string Snapshot(string path)
    {
        using var connection = new Database(path).Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var rows = list.ExecuteReader();
            while (rows.Read()) tables.Add(rows.GetString(0));
        }
        var text = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM {table}";
            using var rows = select.ExecuteReader();
            while (rows.Read())
            {
                for (var i = 0; i < rows.FieldCount; i++)
                    text.Append(rows.GetValue(i) is byte[] blob ? Convert.ToHexString(blob) : rows.GetValue(i)).Append('|');
                text.Append('\n');
            }
        }
        return text.ToString();
    }
}
