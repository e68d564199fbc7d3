using System.Net;
using Microsoft.Data.Sqlite;

namespace Flatline.Tests.Smoke;

/// <summary>The published Native-AOT executable, run as a user would.</summary>
public class CliTests
{
    [Test]
    public async Task Version_and_help_print_and_exit_zero()
    {
        using var folder = new TempFolder();
        var version = await PublishedBinary.RunAsync(folder.Path, null, "--version");
        await Assert.That(version.ExitCode).IsEqualTo(0);
        await Assert.That(version.Stdout.Trim()).IsEqualTo($"flatline {FlatlineApp.Version}");

        var help = await PublishedBinary.RunAsync(folder.Path, null, "--help");
        await Assert.That(help.ExitCode).IsEqualTo(0);
        await Assert.That(help.Stdout).Contains("flatline token create --name NAME [--read-only]");
        await Assert.That(help.Stdout).Contains("flatline backup FILE");
        foreach (var variable in Settings.Variables) await Assert.That(help.Stdout).Contains(variable);
    }

    [Test]
    public async Task Bad_configuration_exits_2_with_one_line_per_problem_and_no_stack_trace()
    {
        using var folder = new TempFolder();
        var result = await PublishedBinary.RunAsync(folder.Path,
            new Dictionary<string, string> { ["JWT_SECRET"] = "short", ["LOG_LEVEL"] = "chatty", ["OAUTH_TOKEN_AUTH"] = "jwt", ["PUBLIC_RATE_LIMIT"] = "unlimited" });
        await Assert.That(result.ExitCode).IsEqualTo(2);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await Assert.That(lines.Length).IsEqualTo(4);
        await Assert.That(lines).Contains("error: JWT_SECRET must be at least 32 bytes");
        await Assert.That(lines).Contains("error: OAUTH_TOKEN_AUTH must be basic, post or auto (got \"jwt\")");
        await Assert.That(lines).Contains("error: PUBLIC_RATE_LIMIT must be a whole number from 1 to 1000000 (got \"unlimited\")");
        await Assert.That(result.Stderr).DoesNotContain("   at ");
        await Assert.That(File.Exists(folder.File("flatline.db"))).IsFalse();
    }

    [Test]
    public async Task Bad_configuration_in_the_dotenv_file_is_reported_the_same_way()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File(".env"), "MONITOR_CHECKS_RETENTION_DAYS=forever\n");
        var result = await PublishedBinary.RunAsync(folder.Path, null);
        await Assert.That(result.ExitCode).IsEqualTo(2);
        await Assert.That(result.Stderr.Trim()).StartsWith("error: MONITOR_CHECKS_RETENTION_DAYS must be a whole number");
    }

    [Test]
    public async Task An_unknown_command_exits_2()
    {
        using var folder = new TempFolder();
        var result = await PublishedBinary.RunAsync(folder.Path, null, "frobnicate");
        await Assert.That(result.ExitCode).IsEqualTo(2);
        await Assert.That(result.Stderr).Contains("unknown command 'frobnicate'");
    }

    [Test]
    public async Task Token_create_list_and_revoke_work_against_the_served_api()
    {
        using var folder = new TempFolder();
        var created = await PublishedBinary.RunAsync(folder.Path, null, "token", "create", "--name", "ci");
        await Assert.That(created.ExitCode).IsEqualTo(0);
        var token = created.Stdout.TrimEnd().Split('\n')[^1];
        await Assert.That(token).StartsWith("flt_");

        var readOnly = await PublishedBinary.RunAsync(folder.Path, null, "token", "create", "--name", "dashboards", "--read-only");
        await Assert.That(readOnly.ExitCode).IsEqualTo(0);

        var list = await PublishedBinary.RunAsync(folder.Path, null, "token", "list");
        await Assert.That(list.ExitCode).IsEqualTo(0);
        await Assert.That(list.Stdout).Contains("ci");
        await Assert.That(list.Stdout).Contains("read-only");
        await Assert.That(list.Stdout).DoesNotContain(token);
        var id = list.Stdout.Split('\n').First(l => l.EndsWith("  ci", StringComparison.Ordinal)).Split(' ')[0];

        await using (var server = await RunningBinary.StartAsync(folder.Path))
        {
            using var api = server.ApiClient(token);
            var monitors = await api.ListMonitorsAsync();
            await Assert.That(monitors.Status).IsEqualTo(HttpStatusCode.OK);
            await Assert.That(monitors.Text).IsEqualTo("[]");

            // Revoked from the command line while the server runs: refused at once.
            var revoke = await PublishedBinary.RunAsync(folder.Path, null, "token", "revoke", id);
            await Assert.That(revoke.ExitCode).IsEqualTo(0);
            await Assert.That((await api.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
        }

        var missing = await PublishedBinary.RunAsync(folder.Path, null, "token", "revoke", id);
        await Assert.That(missing.ExitCode).IsEqualTo(1);
        var noName = await PublishedBinary.RunAsync(folder.Path, null, "token", "create");
        await Assert.That(noName.ExitCode).IsEqualTo(2);
    }

    [Test]
    public async Task Backup_writes_a_consistent_copy_and_refuses_to_overwrite()
    {
        using var folder = new TempFolder();
        await PublishedBinary.RunAsync(folder.Path, null, "token", "create", "--name", "in-backup");
        var backup = await PublishedBinary.RunAsync(folder.Path, null, "backup", "copy.db");
        await Assert.That(backup.ExitCode).IsEqualTo(0);

        _ = new Database(folder.File("copy.db")); // sets up the SQLite provider, as the app does
        using (var connection = new SqliteConnection($"Data Source={folder.File("copy.db")};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            await Assert.That((string)command.ExecuteScalar()!).IsEqualTo("ok");
            command.CommandText = "SELECT name FROM api_tokens";
            await Assert.That((string)command.ExecuteScalar()!).IsEqualTo("in-backup");
        }

        var again = await PublishedBinary.RunAsync(folder.Path, null, "backup", "copy.db");
        await Assert.That(again.ExitCode).IsEqualTo(1);
        await Assert.That(again.Stderr).Contains("already exists");
    }

    [Test]
    public async Task Starts_with_no_configuration_serves_healthz_and_the_page_and_stops_cleanly_on_sigterm()
    {
        using var folder = new TempFolder();
        await using var server = await RunningBinary.StartAsync(folder.Path);
        using var api = server.ApiClient();
        var health = await api.GetHealthAsync();
        await Assert.That(health.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(health.Text).IsEqualTo("""{"status":"ok"}""");
        var page = await api.GetAsync("/");
        await Assert.That(page.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(page.Text).Contains("<div id=\"app\">");
        await Assert.That(File.Exists(folder.File("flatline.db"))).IsTrue();

        server.Signal(15);
        await Assert.That(await server.WaitForExitAsync(TimeSpan.FromSeconds(10))).IsEqualTo(0);
    }

    [Test]
    public async Task A_port_in_use_stops_start_up_with_a_clear_line()
    {
        using var folder = new TempFolder();
        using var blocker = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var result = await PublishedBinary.RunAsync(folder.Path, null, "--address", $"127.0.0.1:{port}");
        await Assert.That(result.ExitCode).IsEqualTo(2);
        await Assert.That(result.Stderr).Contains($"cannot listen on 127.0.0.1:{port}");
    }

    [Test]
    public async Task The_setup_url_is_printed_whatever_the_log_level_until_the_owner_exists()
    {
        using var folder = new TempFolder();
        await using var server = await RunningBinary.StartAsync(folder.Path, new Dictionary<string, string> { ["LOG_LEVEL"] = "none" });
        var line = await server.WaitForLineAsync(l => l.Contains("/setup?token=", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        var match = System.Text.RegularExpressions.Regex.Match(line, @"Flatline setup: create the owner account at (http://127\.0\.0\.1:\d+)/setup\?token=([0-9a-f]{48})");
        await Assert.That(match.Success).IsTrue().Because(server.Output);
        await Assert.That(match.Groups[1].Value).IsEqualTo(server.BaseAddress.GetLeftPart(UriPartial.Authority));

        using var api = server.ApiClient();
        var created = await api.SetupOwnerAsync(match.Groups[2].Value, "owner", "a long enough password");
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created);
    }

    [Test]
    public async Task The_executable_serves_the_same_openapi_document_the_generator_makes_and_the_docs_page()
    {
        using var folder = new TempFolder();
        await using var binary = await RunningBinary.StartAsync(folder.Path);
        using var client = binary.ApiClient();
        var embedded = System.Text.Json.Nodes.JsonNode.Parse(await client.Http.GetStringAsync("/openapi/v1.json"))!;
        var alias = System.Text.Json.Nodes.JsonNode.Parse(await client.Http.GetStringAsync("/api/v1/openapi.json"))!;
        await using var server = await FlatlineServer.StartAsync();
        using var local = server.CreateAnonymousApiClient();
        var generated = System.Text.Json.Nodes.JsonNode.Parse(await local.Http.GetStringAsync("/openapi/v1.json"))!;
        await Assert.That(System.Text.Json.Nodes.JsonNode.DeepEquals(embedded, generated)).IsTrue();
        await Assert.That(System.Text.Json.Nodes.JsonNode.DeepEquals(alias, generated)).IsTrue();

        var page = await client.Http.GetStringAsync("/docs/");
        await Assert.That(page).Contains("scalar.js");
        await Assert.That((await client.GetAsync("/docs/scalar.js")).Status).IsEqualTo(HttpStatusCode.OK);
    }
}
