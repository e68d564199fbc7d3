namespace Flatline.Tests.ConfigFile;

/// <summary><c>flatline apply</c> and <c>flatline export</c> run in-process on a real SQLite file, on
/// docs/config.md's own example and on files with every kind of problem.</summary>
public class ConfigFileTests
{
    static IReadOnlyDictionary<string, string> Secrets => ConfigExample.Secrets;

    internal sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    internal static Run Apply(string database, string file, IReadOnlyDictionary<string, string>? environment = null, params string[] flags)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ConfigCommands.Apply([file, .. flags], FlatlineServer.DefaultSettings(database), environment ?? Secrets, stdout, stderr);
        new Database(database).ReleaseConnections();
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    internal static Run Export(string database)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ConfigCommands.Export([], FlatlineServer.DefaultSettings(database), stdout, stderr);
        new Database(database).ReleaseConnections();
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    static Task<string> Example() => ConfigExample.TextAsync();

    internal static long Count(string database, string sql)
    {
        using var connection = new Database(database).Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = (long)command.ExecuteScalar()!;
        connection.Close();
        new Database(database).ReleaseConnections();
        return value;
    }

    internal static string Write(TempFolder folder, string name, string text)
    {
        File.WriteAllText(folder.File(name), text);
        return folder.File(name);
    }

    [Test]
    public async Task The_documented_example_applies_then_exports_and_the_export_applied_to_an_empty_database_exports_byte_identical()
    {
        using var folder = new TempFolder();
        var file = Write(folder, "flatline.yaml", await Example());
        var first = Apply(folder.File("a.db"), file);
        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Output);
        await Assert.That(first.Stdout).Contains($"Applied {ConfigExample.Changes} changes in one transaction.");
        foreach (var line in new[] { "+ monitor api", "+ monitor worker", "+ channel ops-hook", "+ link api → ops-hook", "+ maintenance patching", "+ tag prod", "+ status_page public" })
            await Assert.That(first.Stdout).Contains(line);
        // The page's sections keep the file's order, their monitors too.
        await Assert.That(Count(folder.File("a.db"), "SELECT count(*) FROM status_pages WHERE slug = 'acme' AND title = 'Acme status' AND password_hash IS NULL")).IsEqualTo(1L);
        await Assert.That(Count(folder.File("a.db"), """
            SELECT count(*) FROM status_page_monitors pm JOIN monitors m ON m.id = pm.monitor_id
            WHERE (pm.section, pm.position, m.name) IN (VALUES (0, 0, 'API'), (1, 0, 'Postgres'), (1, 1, 'Worker health'))
            """)).IsEqualTo(3L);
        await Assert.That(Count(folder.File("a.db"), "SELECT count(*) FROM monitors")).IsEqualTo(4L);
        await Assert.That(Count(folder.File("a.db"), "SELECT count(*) FROM monitor_dependencies")).IsEqualTo(1L);
        await Assert.That(Count(folder.File("a.db"), "SELECT count(*) FROM monitor_channels WHERE on_recovery = 0")).IsEqualTo(1L);
        await Assert.That(Count(folder.File("a.db"), "SELECT count(*) FROM monitors WHERE name = 'Mail exchanger' AND enabled = 0")).IsEqualTo(1L);
        await Assert.That(Count(folder.File("a.db"), "SELECT count(*) FROM notification_channels WHERE config LIKE '%0123456789abcdef-ops%'")).IsEqualTo(1L);

        var exported = Export(folder.File("a.db"));
        await Assert.That(exported.ExitCode).IsEqualTo(0).Because(exported.Output);
        await Assert.That(exported.Stdout).Contains("secret: ${OPS_HOOK_SECRET}");
        await Assert.That(exported.Stdout).DoesNotContain("0123456789abcdef-ops");
        await Assert.That(exported.Stdout).Contains("Authorization: Bearer worker-token-1");
        await Assert.That(exported.Stdout).Contains("status_pages:\n  - key: public\n    slug: acme\n");
        await Assert.That(exported.Stdout).Contains("      - name: Infrastructure\n        monitors: [db, worker]\n");
        await Assert.That(exported.Stderr).Contains("CHAT_URL");

        var exportFile = Write(folder, "export.yaml", exported.Stdout);
        // The placeholders are named from the channel's key and field: ops-hook's secret is ${OPS_HOOK_SECRET}, chat's url ${CHAT_URL}.
        var placeholders = new Dictionary<string, string> { ["OPS_HOOK_SECRET"] = Secrets["OPS_HOOK_SECRET"], ["CHAT_URL"] = Secrets["CHAT_URL"] };
        var onEmpty = Apply(folder.File("b.db"), exportFile, placeholders);
        await Assert.That(onEmpty.ExitCode).IsEqualTo(0).Because(onEmpty.Output);
        var again = Export(folder.File("b.db"));
        await Assert.That(again.Stdout).IsEqualTo(exported.Stdout);

        // The export names the same items: applied back to the first database it changes nothing.
        var back = Apply(folder.File("a.db"), exportFile, placeholders);
        await Assert.That(back.Stdout).Contains("No changes");
    }

    [Test]
    public async Task Applying_twice_changes_nothing_and_says_so()
    {
        using var folder = new TempFolder();
        var file = Write(folder, "flatline.yaml", await Example());
        await Assert.That(Apply(folder.File("f.db"), file).ExitCode).IsEqualTo(0);
        var updated = Count(folder.File("f.db"), "SELECT sum(updated_at) FROM monitors");
        var second = Apply(folder.File("f.db"), file);
        await Assert.That(second.ExitCode).IsEqualTo(0);
        await Assert.That(second.Stdout.Trim()).IsEqualTo("No changes: the database already matches " + file + ".");
        await Assert.That(Count(folder.File("f.db"), "SELECT sum(updated_at) FROM monitors")).IsEqualTo(updated);
        await Assert.That(Count(folder.File("f.db"), "SELECT count(*) FROM monitors")).IsEqualTo(4L);
    }

    [Test]
    public async Task A_changed_field_is_shown_old_and_new_and_secrets_are_not_shown()
    {
        using var folder = new TempFolder();
        var example = await Example();
        var file = Write(folder, "flatline.yaml", example);
        Apply(folder.File("f.db"), file);
        Write(folder, "flatline.yaml", example.Replace("    interval: 60\n", "    interval: 30\n", StringComparison.Ordinal));
        var changed = Apply(folder.File("f.db"), file, new Dictionary<string, string>(Secrets) { ["OPS_HOOK_SECRET"] = "another-secret-of-16" });
        await Assert.That(changed.ExitCode).IsEqualTo(0).Because(changed.Output);
        await Assert.That(changed.Stdout).Contains("~ monitor api: interval 60 → 30");
        await Assert.That(changed.Stdout).Contains("~ channel ops-hook: config.secret (secret) changed");
        await Assert.That(changed.Stdout).DoesNotContain("another-secret-of-16");
        await Assert.That(Count(folder.File("f.db"), "SELECT interval_s FROM monitors WHERE name = 'API'")).IsEqualTo(30L);
    }

    [Test]
    public async Task A_dry_run_prints_the_diff_and_changes_nothing()
    {
        using var folder = new TempFolder();
        var file = Write(folder, "flatline.yaml", await Example());
        var dry = Apply(folder.File("f.db"), file, null, "--dry-run");
        await Assert.That(dry.ExitCode).IsEqualTo(0).Because(dry.Output);
        await Assert.That(dry.Stdout).Contains("+ monitor db");
        await Assert.That(dry.Stdout).Contains("Dry run: nothing was changed");
        foreach (var table in new[] { "monitors", "notification_channels", "monitor_channels", "maintenance_windows", "status_pages", "config_keys", "tags" })
            await Assert.That(Count(folder.File("f.db"), $"SELECT count(*) FROM {table}")).IsEqualTo(0L).Because(table);
    }

    [Test]
    public async Task Prune_deletes_what_a_file_made_and_no_longer_lists_but_monitors_only_with_yes()
    {
        using var folder = new TempFolder();
        var database = folder.File("f.db");
        var file = Write(folder, "flatline.yaml", """
            monitors:
              - {key: a, name: A, config: {type: tcp, host: 127.0.0.1, port: 1}}
              - {key: b, name: B, config: {type: tcp, host: 127.0.0.1, port: 2}}
            channels:
              - {key: c, name: C, config: {type: webhook, url: "http://127.0.0.1:9/x"}}
            links:
              - {monitor: b, channel: c}
            """);
        await Assert.That(Apply(database, file).ExitCode).IsEqualTo(0);
        // Made in the app, not by the file: never pruned.
        var store = new MonitorStore(new Database(database), TimeProvider.System);
        store.Create(new MonitorDraft("Hand made", new TcpMonitorConfig("127.0.0.1", 3), 60, 10, 0, true));
        new Database(database).ReleaseConnections();

        Write(folder, "flatline.yaml", "monitors:\n  - {key: a, name: A, config: {type: tcp, host: 127.0.0.1, port: 1}}\n");
        var kept = Apply(database, file);
        await Assert.That(kept.Stdout).Contains("note: not in the file but made by one, kept (--prune deletes them): link b → c, channel c, monitor b");
        await Assert.That(Count(database, "SELECT count(*) FROM monitors")).IsEqualTo(3L);

        var refused = Apply(database, file, null, "--prune");
        await Assert.That(refused.ExitCode).IsEqualTo(2);
        await Assert.That(refused.Stdout).Contains("- monitor b");
        await Assert.That(refused.Stderr).Contains("--prune would delete 1 monitor with all its checks and incidents: run again with --yes");
        await Assert.That(Count(database, "SELECT count(*) FROM monitors")).IsEqualTo(3L);
        await Assert.That(Count(database, "SELECT count(*) FROM notification_channels")).IsEqualTo(1L);

        var pruned = Apply(database, file, null, "--prune", "--yes");
        await Assert.That(pruned.ExitCode).IsEqualTo(0).Because(pruned.Output);
        await Assert.That(pruned.Stdout).Contains("- link b → c");
        await Assert.That(pruned.Stdout).Contains("- channel c");
        await Assert.That(Count(database, "SELECT count(*) FROM monitors WHERE name IN ('A', 'Hand made')")).IsEqualTo(2L);
        await Assert.That(Count(database, "SELECT count(*) FROM monitors")).IsEqualTo(2L);
        await Assert.That(Count(database, "SELECT count(*) FROM notification_channels")).IsEqualTo(0L);
        await Assert.That(Apply(database, file, null, "--prune").Stdout).Contains("No changes");

        // Without monitors to delete, --prune needs no --yes.
        Write(folder, "flatline.yaml", "monitors:\n  - {key: a, name: A, config: {type: tcp, host: 127.0.0.1, port: 1}}\nchannels:\n  - {key: d, name: D, config: {type: webhook, url: \"http://127.0.0.1:9/d\"}}\n");
        Apply(database, file);
        Write(folder, "flatline.yaml", "monitors:\n  - {key: a, name: A, config: {type: tcp, host: 127.0.0.1, port: 1}}\n");
        await Assert.That(Apply(database, file, null, "--prune").ExitCode).IsEqualTo(0);
        await Assert.That(Count(database, "SELECT count(*) FROM notification_channels")).IsEqualTo(0L);
    }

    [Test]
    public async Task An_item_made_in_the_app_is_taken_over_by_the_key_export_gives_it_and_never_pruned()
    {
        using var folder = new TempFolder();
        var database = folder.File("f.db");
        FlatlineApp.OpenDatabase(FlatlineServer.DefaultSettings(database));
        new MonitorStore(new Database(database), TimeProvider.System).Create(new MonitorDraft("API server", new TcpMonitorConfig("127.0.0.1", 3), 60, 10, 0, true));
        new Database(database).ReleaseConnections();
        await Assert.That(Export(database).Stdout).Contains("  - key: api-server\n    name: API server\n");

        var file = Write(folder, "flatline.yaml", "monitors:\n  - {key: api-server, name: API server, interval: 120, config: {type: tcp, host: 127.0.0.1, port: 3}}\n");
        var taken = Apply(database, file);
        await Assert.That(taken.Stdout).Contains("~ monitor api-server: interval 60 → 120; taken over by the file (it was made in the app)");
        await Assert.That(Count(database, "SELECT count(*) FROM monitors")).IsEqualTo(1L);
        Write(folder, "flatline.yaml", "monitors: []\n");
        var pruned = Apply(database, file, null, "--prune", "--yes");
        await Assert.That(pruned.Stdout).Contains("kept monitor api-server: a file took it over but did not create it");
        await Assert.That(Count(database, "SELECT count(*) FROM monitors")).IsEqualTo(1L);
    }

    [Test]
    public async Task Malformed_yaml_is_refused_with_its_line_and_column()
    {
        using var folder = new TempFolder();
        foreach (var (text, expected) in new[]
        {
            ("monitors:\n  - key: a\n    config: {type: http, url: \"https://x}\n", ":3:31: this quoted string is not closed on its line"),
            ("monitors:\n  - key: a\n      name: A\n", ":3:7: unexpected indentation"),
            ("monitors:\n  - key: a\n\tname: A\n", ":3:1: tabs are not allowed in indentation"),
            ("monitors: [{key: a, name: A\n", ":1:12: '{' is never closed with '}'"),
            ("monitors:\n  - &one {key: a}\n", ":2:5: anchors (&) are not supported"),
        })
        {
            var file = Write(folder, "bad.yaml", text);
            var run = Apply(folder.File("f.db"), file);
            await Assert.That(run.ExitCode).IsEqualTo(2).Because(run.Output);
            await Assert.That(run.Stderr).Contains($"error: {file}{expected}");
            await Assert.That(run.Stderr).Contains("nothing was applied");
        }
    }

    [Test]
    public async Task Unknown_fields_duplicate_keys_bad_values_and_missing_variables_are_each_named_with_item_and_field()
    {
        using var folder = new TempFolder();
        var file = Write(folder, "bad.yaml", """
            monitors:
              - key: a
                name: A
                colour: red
                interval: 5
                config: {type: http, url: "ftp://x", keywrd: ok}
              - key: a
                name: Again
                config: {type: tcp, host: 127.0.0.1, port: 1}
              - key: b
                name: B
                depends_on: [nobody]
                config: {type: tcp, host: 127.0.0.1, port: 70000}
            channels:
              - key: c
                name: C
                config: {type: webhook, url: "${NOT_SET_ANYWHERE}", colour: blue}
            maintenance:
              - key: m
                title: M
                monitors: [b]
                schedule: {type: once, start: "2030-01-01T00:00:00Z", end: "2030-01-01T01:00:00Z", every: day}
            locations:
              - {name: Frankfurt, region: eu}
            """);
        var run = Apply(folder.File("f.db"), file, new Dictionary<string, string>());
        await Assert.That(run.ExitCode).IsEqualTo(2);
        foreach (var expected in new[]
        {
            ":4:5: monitors[1].colour is not a field of monitors",
            ":5:15: monitors[a].interval must be a whole number from 10 to 86400 seconds",
            ":6:31: monitors[a].config.url must be an absolute http or https URL",
            ":6:42: monitors[a].config.keywrd is not a field here",
            ":7:10: monitors[a] the key 'a' is used twice in monitors",
            ":12:18: monitors[b].depends_on no monitor in this file has the key 'nobody'",
            ":13:48: monitors[b].config.port must be a whole number from 1 to 65535",
            ":17:34: channels[c].config.url the environment variable NOT_SET_ANYWHERE is not set",
            ":17:57: channels[c].config.colour is not a field of a webhook channel",
            ":22:88: maintenance[m].schedule.every is not a field here",
            ":24:23: locations[1].region is not a field of locations",
            ":24:12: locations[Frankfurt].name must be 1-32 lower-case letters, digits or '-', starting with a letter or digit",
        })
            await Assert.That(run.Stderr).Contains($"error: {file}{expected}");
        await Assert.That(run.Stderr).DoesNotContain("channels[c].config.url is required");

        var duplicate = Write(folder, "dup.yaml", "monitors:\n  - key: a\n    name: A\n    name: B\n");
        await Assert.That(Apply(folder.File("f.db"), duplicate).Stderr).Contains($"error: {duplicate}:4:5: duplicate key 'name'");
        await Assert.That(Count(folder.File("f.db"), "SELECT count(*) FROM monitors")).IsEqualTo(0L);
    }

    [Test]
    public async Task A_bad_item_late_in_the_file_leaves_the_database_as_it_was()
    {
        using var folder = new TempFolder();
        var database = folder.File("f.db");
        var file = Write(folder, "flatline.yaml", await Example());
        Apply(database, file);
        var before = Export(database).Stdout;
        var example = await Example();
        // The last window of the maintenance section, just before status_pages.
        Write(folder, "flatline.yaml", example.Replace("    interval: 60\n", "    interval: 30\n", StringComparison.Ordinal).Replace("status_pages:\n",
            "  - key: broken\n    title: Broken\n    monitors: [db]\n    schedule: {type: weekly, days: [someday], start_time: \"02:00\", duration_minutes: 5, timezone: Mars/Olympus}\nstatus_pages:\n", StringComparison.Ordinal));
        var run = Apply(database, file);
        await Assert.That(run.ExitCode).IsEqualTo(2);
        await Assert.That(run.Stderr).Contains("maintenance[broken].schedule.days each day must be one of mon");
        await Assert.That(run.Stderr).Contains("maintenance[broken].schedule.timezone must be an IANA time zone");
        await Assert.That(Export(database).Stdout).IsEqualTo(before);
    }

    [Test]
    public async Task A_json_file_applies_like_the_same_yaml()
    {
        using var folder = new TempFolder();
        var file = Write(folder, "flatline.json", """
            {"monitors": [{"key": "api", "name": "API", "config": {"type": "http", "url": "https://api.example.com/\u0068ealth"}, "tags": ["prod"]}],
             "tags": [{"name": "prod", "colour": "#DC2626"}]}
            """);
        var run = Apply(folder.File("f.db"), file);
        await Assert.That(run.ExitCode).IsEqualTo(0).Because(run.Output);
        await Assert.That(Count(folder.File("f.db"), "SELECT count(*) FROM monitors WHERE config LIKE '%api.example.com/health%'")).IsEqualTo(1L);
        await Assert.That(Export(folder.File("f.db")).Stdout).Contains("  - name: prod\n    colour: \"#dc2626\"\n");
    }

    [Test]
    public async Task The_api_serves_the_export_as_a_download_a_read_only_token_may_fetch()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using (var created = await client.PostJsonAsync("/api/v1/monitors", """{"name": "Shop front", "enabled": false, "config": {"type": "tcp", "host": "127.0.0.1", "port": 9}, "tags": ["prod"]}"""))
            await Assert.That((int)created.StatusCode).IsEqualTo(201);
        using var reader = server.CreateClient(readOnly: true);
        using var response = await reader.GetAsync("/api/v1/config/export");
        await Assert.That((int)response.StatusCode).IsEqualTo(200);
        await Assert.That(response.Content.Headers.ContentType!.MediaType).IsEqualTo("application/yaml");
        await Assert.That(response.Content.Headers.ContentDisposition!.FileName?.Trim('"')).IsEqualTo("flatline.yaml");
        var text = await response.Content.ReadAsStringAsync();
        await Assert.That(text).IsEqualTo(ConfigExport.Write(server.Database, TimeProvider.System, new NotificationChannelTypes(NotificationChannelTypes.BuiltIn)).Text);
        await Assert.That(text).Contains("  - key: shop-front\n    name: Shop front\n");
        var document = ConfigDocument.Read("export.yaml", text, _ => null);
        await Assert.That(document.Errors).IsEmpty();
        await Assert.That(document.Monitors.Single().Key).IsEqualTo("shop-front");
        using var anonymous = server.CreateAnonymousClient();
        using var refused = await anonymous.GetAsync("/api/v1/config/export");
        await Assert.That((int)refused.StatusCode).IsEqualTo(401);
    }

    [Test]
    public async Task Locations_a_file_declares_are_made_with_a_token_shown_once_exported_by_name_and_pruned_only_when_no_monitor_lists_them()
    {
        using var folder = new TempFolder();
        var database = folder.File("l.db");
        const string Monitor = "monitors:\n  - key: api\n    name: API\n    config: {type: tcp, host: 127.0.0.1, port: 9}\n";
        var file = Write(folder, "places.yaml", "locations:\n  - name: eu-west\n  - name: us-east\n" + Monitor + "    locations: [local, eu-west, us-east]\n    quorum: 2\n");

        var first = Apply(database, file);
        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Output);
        await Assert.That(first.Stdout).Contains("+ location eu-west");
        await Assert.That(first.Stdout).Contains("+ location us-east");
        var tokens = System.Text.RegularExpressions.Regex.Matches(first.Stdout, @"location (\S+): its agent's token, shown only now: (fla_\S+)");
        await Assert.That(tokens.Count).IsEqualTo(2);
        // Stored hashed only, and each one is the token of its own location.
        var registry = new LocationRegistry(new Database(database), TimeProvider.System);
        foreach (System.Text.RegularExpressions.Match token in tokens)
            await Assert.That(registry.Authenticate(token.Groups[2].Value)?.Name).IsEqualTo(token.Groups[1].Value);
        new Database(database).ReleaseConnections();
        var stored = string.Concat(new[] { database, database + "-wal" }.Where(File.Exists).Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        foreach (System.Text.RegularExpressions.Match token in tokens)
            await Assert.That(stored).DoesNotContain(token.Groups[2].Value);
        await Assert.That(Count(database, "SELECT count(*) FROM monitors WHERE locations = '[\"local\",\"eu-west\",\"us-east\"]' AND quorum = '2'")).IsEqualTo(1L);

        var again = Apply(database, file);
        await Assert.That(again.Stdout).Contains($"No changes: the database already matches {file}.");
        await Assert.That(again.Stdout).DoesNotContain("fla_");

        var exported = Export(database);
        await Assert.That(exported.Stdout).Contains("locations:\n  - name: eu-west\n  - name: us-east\n");
        await Assert.That(exported.Stdout).DoesNotContain("fla_");

        // A monitor listing a location nobody declares is refused by name; so is pruning one that a monitor still lists.
        var unknown = Write(folder, "unknown.yaml", Monitor + "    locations: [local, ap-south]\n");
        var refused = Apply(database, unknown);
        await Assert.That(refused.ExitCode).IsEqualTo(2);
        await Assert.That(refused.Stderr).Contains("monitors[api].locations unknown location 'ap-south'");
        var stillUsed = Write(folder, "still.yaml", "locations:\n  - name: eu-west\n" + Monitor + "    locations: [local, eu-west]\n");
        var otherMonitor = Write(folder, "other.yaml", "locations:\n  - name: eu-west\n  - name: us-east\n" + Monitor + "    locations: [local, eu-west, us-east]\n    quorum: 2\n"
            + "  - key: web\n    name: Web\n    config: {type: tcp, host: 127.0.0.1, port: 9}\n    locations: [us-east]\n");
        await Assert.That(Apply(database, otherMonitor).ExitCode).IsEqualTo(0);
        var blocked = Apply(database, Write(folder, "drop-us.yaml", "locations:\n  - name: eu-west\n" + Monitor + "    locations: [local, eu-west]\n"
            + "  - key: web\n    name: Web\n    config: {type: tcp, host: 127.0.0.1, port: 9}\n    locations: [us-east]\n"), null, "--prune");
        await Assert.That(blocked.ExitCode).IsEqualTo(2);
        await Assert.That(blocked.Stderr).Contains("monitors[web].locations unknown location 'us-east'");
        await Assert.That(Count(database, "SELECT count(*) FROM locations")).IsEqualTo(2L);

        // Without --prune a location the file no longer lists stays, and is named; with it, it goes, token and all.
        var kept = Apply(database, stillUsed, null, "--yes");
        await Assert.That(kept.ExitCode).IsEqualTo(0).Because(kept.Output);
        await Assert.That(kept.Stdout).Contains("location us-east");
        await Assert.That(Count(database, "SELECT count(*) FROM locations")).IsEqualTo(2L);
        // A monitor made in the app that lists it holds it back: the file cannot see to that monitor.
        void Sql(string sql)
        {
            using (var connection = new Database(database).Open())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }
            new Database(database).ReleaseConnections();
        }
        Sql("""
            INSERT INTO monitors (uid, name, config, interval_s, timeout_s, retries, enabled, created_at, updated_at, enabled_at, accounted_until, locations)
            VALUES ('00000000-0000-7000-8000-000000000001', 'Made in the app', '{"type":"tcp","host":"127.0.0.1","port":9}', 60, 10, 0, 0, 0, 0, 0, 0, '["us-east"]')
            """);
        var held = Apply(database, stillUsed, null, "--prune", "--yes");
        await Assert.That(held.ExitCode).IsEqualTo(2);
        await Assert.That(held.Stderr).Contains("--prune would delete the location 'us-east' (a file made it and this one no longer lists it), but monitor 'Made in the app' still lists it");
        await Assert.That(Count(database, "SELECT count(*) FROM monitors WHERE name = 'Web'")).IsEqualTo(1L);
        Sql("DELETE FROM monitors WHERE name = 'Made in the app'");

        var pruned = Apply(database, stillUsed, null, "--prune", "--yes");
        await Assert.That(pruned.ExitCode).IsEqualTo(0).Because(pruned.Output);
        await Assert.That(pruned.Stdout).Contains("- location us-east");
        await Assert.That(Count(database, "SELECT count(*) FROM locations WHERE name = 'us-east'")).IsEqualTo(0L);
        var us = tokens.First(t => t.Groups[1].Value == "us-east").Groups[2].Value;
        await Assert.That(new LocationRegistry(new Database(database), TimeProvider.System).Authenticate(us)).IsNull();
        new Database(database).ReleaseConnections();

        // A location made with `flatline location create` is taken over by a file that names it, and never pruned.
        var made = new LocationRegistry(new Database(database), TimeProvider.System).Create("ap-south")!;
        new Database(database).ReleaseConnections();
        var adopt = Apply(database, Write(folder, "adopt.yaml", "locations:\n  - name: eu-west\n  - name: ap-south\n" + Monitor + "    locations: [local, eu-west]\n"));
        await Assert.That(adopt.Stdout).Contains("~ location ap-south: taken over by the file (it was made in the app)");
        await Assert.That(adopt.Stdout).DoesNotContain("fla_");
        var release = Apply(database, stillUsed, null, "--prune", "--yes");
        await Assert.That(release.ExitCode).IsEqualTo(0).Because(release.Output);
        await Assert.That(Count(database, "SELECT count(*) FROM locations WHERE name = 'ap-south'")).IsEqualTo(1L);
        await Assert.That(new LocationRegistry(new Database(database), TimeProvider.System).Authenticate(made.Token)?.Name).IsEqualTo("ap-south");
        new Database(database).ReleaseConnections();
    }
}
