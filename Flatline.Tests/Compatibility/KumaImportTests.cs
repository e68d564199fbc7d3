using System.Text.Json;

namespace Flatline.Tests.Compatibility;

/// <summary><c>flatline import</c> of the Uptime Kuma 2.5.3 fixture (a copy of shared/fixtures/uptime-kuma-2.5.3 in Flatline.Tests/Fixtures, so that a clone alone runs it;
/// whose README lists every row), from a copy, read back through Flatline's own stores: every monitor,
/// channel, link, tag, window and page comes across with its fields or is listed with the reason.</summary>
public class KumaImportTests
{
    /// <summary>shared/ lies beside the repository, here and in CI.</summary>
    static string Fixture => Path.GetFullPath(Repository.File("Flatline.Tests", "Fixtures", "uptime-kuma-2.5.3"));

    static string Copy(TempFolder folder)
    {
        var source = Fixture;
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            if (File.Exists(Path.Combine(source, "kuma.db" + suffix)))
            {
                File.Copy(Path.Combine(source, "kuma.db" + suffix), folder.File("kuma.db" + suffix));
                File.SetAttributes(folder.File("kuma.db" + suffix), FileAttributes.Normal);
            }
        return folder.File("kuma.db");
    }

    static (int Code, string Output) Import(string source, string target)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ImportCommand.Run([source], FlatlineServer.DefaultSettings(target), stdout, stderr);
        new Database(target).ReleaseConnections();
        return (code, stdout.ToString() + stderr.ToString());
    }

    [Test]
    public async Task Every_monitor_channel_link_tag_window_and_page_comes_across_or_is_listed_with_its_reason_and_a_second_import_changes_nothing()
    {
        using var folder = new TempFolder();
        var source = Copy(folder);
        var target = folder.File("flatline.db");
        var (code, output) = Import(source, target);
        await Assert.That(code).IsEqualTo(0).Because(output);
        await Assert.That(output).Contains("(an Uptime Kuma 2.x database)");

        using var checkTypes = CheckTypes.Create(TimeProvider.System);
        var hasPing = checkTypes.Find("ping") is not null;
        var hasPush = checkTypes.Find("push") is not null;
        var database = new Database(target);
        var monitors = new MonitorStore(database, TimeProvider.System).List().ToDictionary(m => m.View.Name, m => m.View);

        // Monitors 1-4, 6, 7, 9, 10, 13-15 come across, 8 and 11 with ping and push; 5, 12, 16, 17 are listed.
        var website = (HttpMonitorConfig)monitors["Acme Website"].Config;
        await Assert.That(website.Url).IsEqualTo("http://127.0.0.1:8088/");
        await Assert.That(website.Method).IsEqualTo("GET");
        await Assert.That(website.ExpectedStatus).IsNull();
        await Assert.That(website.Headers!["User-Agent"]).IsEqualTo("AcmeMonitor/1.0");
        await Assert.That(website.Headers!["X-Env"]).IsEqualTo("prod");
        await Assert.That(monitors["Acme Website"].Interval).IsEqualTo(60);
        await Assert.That(monitors["Acme Website"].Timeout).IsEqualTo(48);
        await Assert.That(monitors["Acme Website"].Retries).IsEqualTo(2);
        await Assert.That(monitors["Acme Website"].Tags).IsEquivalentTo(new[] { "prod" });

        var login = (HttpMonitorConfig)monitors["Acme API login (POST)"].Config;
        await Assert.That(login.Method).IsEqualTo("POST");
        await Assert.That(string.Join(",", login.ExpectedStatus!.Select(e => e.GetRawText()))).IsEqualTo("\"200-299\",401");
        await Assert.That(login.Body!.Type).IsEqualTo("json");
        await Assert.That(login.Body.Content!.Value.GetProperty("username").GetString()).IsEqualTo("probe");
        await Assert.That(login.Headers!["Authorization"]).IsEqualTo("Bearer fixture-token");
        await Assert.That(login.FollowRedirects).IsTrue();

        var portal = (HttpMonitorConfig)monitors["Legacy HTTPS portal (ignore TLS)"].Config;
        await Assert.That(portal.VerifyTls).IsFalse();
        await Assert.That(portal.FollowRedirects).IsFalse();
        await Assert.That(string.Join(",", portal.ExpectedStatus!.Select(e => e.GetString()))).IsEqualTo("200-299,300-399");
        await Assert.That(monitors["Legacy HTTPS portal (ignore TLS)"].Interval).IsEqualTo(300);

        await Assert.That(((HttpMonitorConfig)monitors["Homepage keyword ok"].Config).Keyword).IsEqualTo("ok");
        var postgres = (TcpMonitorConfig)monitors["Postgres port"].Config;
        await Assert.That((postgres.Host, postgres.Port)).IsEqualTo(("127.0.0.1", 5432));
        await Assert.That(monitors["Postgres port"].Tags).IsEquivalentTo(new[] { "db", "prod" });
        var dnsA = (DnsMonitorConfig)monitors["DNS example.com A"].Config;
        await Assert.That((dnsA.Name, dnsA.RecordType, dnsA.Server)).IsEqualTo(("example.com", "A", "1.1.1.1"));
        await Assert.That(((DnsMonitorConfig)monitors["DNS example.com MX"].Config).RecordType).IsEqualTo("MX");
        await Assert.That(((TcpMonitorConfig)monitors["Redis port (child)"].Config).Port).IsEqualTo(6379);
        // The group's members carry its name as a tag.
        await Assert.That(monitors["Redis port (child)"].Tags).IsEquivalentTo(new[] { "Backend services", "db" });
        await Assert.That(monitors["Internal health endpoint (child)"].Tags).IsEquivalentTo(new[] { "Backend services" });
        await Assert.That(monitors["Staging site (paused)"].Enabled).IsFalse();
        await Assert.That(monitors["Staging site (paused)"].Status).IsEqualTo(MonitorStatus.Paused);

        foreach (var (name, reason) in new[]
        {
            ("Homepage has no 'error' (inverted keyword)", "it is up when the keyword is missing"),
            ("Backend services", "a group is not a check in Flatline: its members carry its name as a tag"),
            ("Old server must stay down (upside down)", "it is upside down"),
            ("MQTT broker sensors", "Flatline has no 'mqtt' check type"),
        })
        {
            await Assert.That(monitors.ContainsKey(name)).IsFalse();
            await Assert.That(output).Contains($"'{name}'");
            await Assert.That(output).Contains(reason);
        }
        if (hasPing) await Assert.That(monitors.ContainsKey("Localhost ping")).IsTrue();
        else await Assert.That(output).Contains("('Localhost ping', ping): Flatline has no 'ping' check type");
        if (hasPush) await Assert.That(monitors.ContainsKey("Nightly backup job (push)")).IsTrue();
        else await Assert.That(output).Contains("('Nightly backup job (push)', push): Flatline has no 'push' check type");
        await Assert.That(monitors.Count).IsEqualTo(11 + (hasPing ? 1 : 0) + (hasPush ? 1 : 0));
        // json-query: an http check with one json assertion.
        var query = ((HttpMonitorConfig)monitors["API status JSON query"].Config).Assertions!.Single();
        await Assert.That((query.Source, query.Path, query.Op, query.Value!.Value.GetString())).IsEqualTo(("json", "$.status", "eq", "ok"));
        if (hasPush) await Assert.That(output).Contains("push monitor 'Nightly backup job (push)' gets a new push URL");

        // Channels: the seven types Flatline has, with their secrets; smtp, pushover and signal listed.
        var types = new NotificationChannelTypes(NotificationChannelTypes.BuiltIn);
        var channelStore = new ChannelStore(database, TimeProvider.System, types);
        var channels = channelStore.List().ToDictionary(c => c.Name, c => channelStore.Find(c.Id)!.Value.Channel);
        async Task Field(string channel, string type, string field, string value)
        {
            await Assert.That(channels[channel].Config.Type).IsEqualTo(type);
            await Assert.That(channels[channel].Config[field]!.Value.GetString()).IsEqualTo(value);
        }
        await Field("Ops Slack", "slack", "url", "https://hooks.slack.com/services/T0000FIX/B0000FIX/abcdefghijklmnopqrstuvwx");
        await Field("Dev Discord", "discord", "url", "https://discord.com/api/webhooks/123456789012345678/fixture-discord-token");
        await Field("On-call Telegram", "telegram", "url", "https://api.telegram.org/bot123456789:AAFixtureTokenFixtureTokenFixture0");
        await Field("On-call Telegram", "telegram", "chat_id", "-1001234567890");
        await Field("Generic webhook (JSON)", "webhook", "url", "http://127.0.0.1:9911/hooks/kuma");
        await Field("ntfy alerts", "ntfy", "url", "https://ntfy.acme.test");
        await Field("ntfy alerts", "ntfy", "topic", "acme-uptime");
        await Field("Gotify phone", "gotify", "token", "AFixtureGotifyTok");
        await Field("PagerDuty (P1)", "pagerduty", "routing_key", "fixturepagerdutyintegrationkey01");
        var email = channels["Ops email (SMTP)"].Config;
        await Assert.That(email.Type).IsEqualTo("email");
        await Assert.That((email["host"]!.Value.GetString(), email["port"]!.Value.GetInt32(), email["security"]!.Value.GetString())).IsEqualTo(("127.0.0.1", 2525, "none"));
        await Assert.That(email["from"]!.Value.GetString()).IsEqualTo("\"Uptime Kuma\" <kuma@acme.test>");
        await Assert.That(email["to"]!.Value[0].GetString()).IsEqualTo("ops@acme.test");
        // The fixture's Pushover keys are fake and one character too long: refused by the channel's own validator, and said so.
        await Assert.That(output).Contains("config.token must be the 30 letters and digits Pushover gives");
        await Assert.That(channels.ContainsKey("Pushover (CTO)")).IsFalse();
        await Assert.That(channels.Count).IsEqualTo(8);
        await Assert.That(output).Contains("('Signal group', signal): Flatline has no 'signal' notification channel type");

        // Links between what came across: Slack and PagerDuty on the website, Discord and the webhook on the login, …
        async Task Linked(string monitor, params string[] expected)
        {
            var links = channelStore.Links(monitors[monitor].Id)!;
            var names = links.Select(l => channels.Values.Single(c => c.Id == l.ChannelId).Name).ToList();
            await Assert.That(names).IsEquivalentTo(expected).Because(monitor);
            await Assert.That(links.All(l => l.OnRecovery)).IsTrue();
        }
        const string Email = "Ops email (SMTP)";
        await Linked("Acme Website", "Ops Slack", Email, "PagerDuty (P1)");
        await Linked("Acme API login (POST)", "Dev Discord", "Generic webhook (JSON)", Email);
        await Linked("Legacy HTTPS portal (ignore TLS)", "On-call Telegram", Email);
        await Linked("Homepage keyword ok", Email, "ntfy alerts");
        await Linked("API status JSON query", "Ops Slack", Email);
        await Linked("Postgres port", Email, "PagerDuty (P1)");
        await Linked("DNS example.com A", Email);
        await Linked("DNS example.com MX", Email);
        // 29 links less those of the four monitors left out (5), the signal one and the pushover one.
        await Assert.That(output).Contains($"links                        {22 - (hasPing ? 0 : 1) - (hasPush ? 0 : 2)} imported");

        // Tags with Kuma's colours; values are named as left out.
        var colours = Tags.Colours(database);
        await Assert.That(colours["prod"]).IsEqualTo("#dc2626");
        await Assert.That(colours["db"]).IsEqualTo("#2563eb");
        await Assert.That(output).Contains("the tag db of monitor 'Postgres port' came without its value 'primary'");

        // The two windows, their monitors by the ones that came across.
        var windows = new MaintenanceStore(database, TimeProvider.System).All().ToDictionary(w => w.Title);
        var once = (OnceSchedule)windows["Legacy portal migration"].Schedule;
        await Assert.That(once.Start).IsEqualTo(new DateTime(2026, 12, 1, 20, 11, 0, DateTimeKind.Utc));
        await Assert.That(once.End).IsEqualTo(new DateTime(2026, 12, 1, 23, 21, 0, DateTimeKind.Utc));
        await Assert.That(windows["Legacy portal migration"].Description).IsEqualTo("One-off migration window for the legacy HTTPS portal.");
        await Assert.That(windows["Legacy portal migration"].Monitors).IsEquivalentTo(new[] { monitors["Legacy HTTPS portal (ignore TLS)"].Id });
        await Assert.That(output).Contains("maintenance window 'Legacy portal migration' covers 1 of its 2 monitors");
        var weekly = (WeeklySchedule)windows["Weekly DB patching"].Schedule;
        await Assert.That(weekly.Days).IsEquivalentTo(new[] { "tue", "thu" });
        await Assert.That((weekly.StartTime, weekly.DurationMinutes, weekly.Timezone)).IsEqualTo(("02:00", 90, "Europe/Berlin"));
        await Assert.That(windows["Weekly DB patching"].Monitors).IsEquivalentTo(new[] { monitors["Postgres port"].Id, monitors["Redis port (child)"].Id });

        // The page: its groups as sections in Kuma's order (weight), each with the monitors that came across, in order.
        var pageStore = new StatusPageStore(database, TimeProvider.System);
        var page = pageStore.BySlug("acme")!;
        await Assert.That(pageStore.List().Count).IsEqualTo(1);
        await Assert.That((page.View.Title, page.View.Description, page.View.Footer))
            .IsEqualTo(("Acme Status", "Live status of Acme's public services.", "Acme Corp - status updates also on https://acme.test/blog"));
        await Assert.That((page.View.CustomDomain, page.View.LogoUrl, page.View.ShowUrls, page.View.HasPassword)).IsEqualTo(((string?)null, (string?)null, false, false));
        await Assert.That(string.Join(" | ", page.View.Sections.Select(s => s.Name))).IsEqualTo("Public services | Infrastructure");
        await Assert.That(string.Join(" ", page.View.Sections[0].Monitors))
            .IsEqualTo(string.Join(" ", monitors["Acme Website"].Id, monitors["API status JSON query"].Id, monitors["Homepage keyword ok"].Id));
        string[] infrastructure = hasPush
            ? [monitors["Postgres port"].Id, monitors["DNS example.com A"].Id, monitors["Nightly backup job (push)"].Id]
            : [monitors["Postgres port"].Id, monitors["DNS example.com A"].Id];
        await Assert.That(string.Join(" ", page.View.Sections[1].Monitors)).IsEqualTo(string.Join(" ", infrastructure));
        if (!hasPush) await Assert.That(output).Contains("status page acme shows 5 of its 6 monitors: the others were not imported");
        await Assert.That(output).Contains("status pages                  1 imported");
        await Assert.That(output).Contains("note: status page acme came without show_tags (Flatline's page shows no tags)");
        await Assert.That(output).Contains("note: 1 link of maintenance windows to status pages left out: a Flatline page has no windows of its own");
        // Its pinned incident is an ongoing announcement; the Markdown stays as the text it is.
        var announcement = new AnnouncementStore(database, TimeProvider.System).List(page).Single();
        await Assert.That((announcement.Title, announcement.Severity, announcement.Resolved)).IsEqualTo(("Degraded database performance", AnnouncementSeverity.Minor, false));
        var update = announcement.Updates.Single();
        await Assert.That((update.Status, update.At)).IsEqualTo((AnnouncementStatus.Investigating, new DateTime(2026, 12, 1, 20, 21, 18, DateTimeKind.Utc)));
        await Assert.That(update.Message).IsEqualTo("We are investigating slow queries on the primary **database**. Some pages may load slowly.");
        await Assert.That(announcement.CreatedAt).IsEqualTo(new DateTime(2026, 12, 1, 20, 21, 18, DateTimeKind.Utc));
        await Assert.That(output).Contains("announcements                 1 imported");
        await Assert.That(output).Contains("note: the incident 'Degraded database performance' of status page acme is an announcement of severity minor (its style was 'warning') with one update, investigating");

        // Heartbeats as checks (the maintenance one left out), the website's four all up with their status code.
        var checks = new MonitorStore(database, TimeProvider.System).ListChecks(monitors["Acme Website"].Id, 100, null)!;
        await Assert.That(checks.Count).IsEqualTo(4);
        await Assert.That(checks.All(c => c.Status == MonitorStatus.Up && c.StatusCode == 200)).IsTrue();
        await Assert.That(checks.Max(c => c.ResponseTimeMs)).IsEqualTo(11L);
        var redis = new MonitorStore(database, TimeProvider.System).ListChecks(monitors["Redis port (child)"].Id, 100, null)!;
        await Assert.That(redis.All(c => c.Status == MonitorStatus.Down && c.Error == "Connection failed")).IsTrue();
        var incidents = new IncidentStore(database).List(monitors["Redis port (child)"].Id, 10, null)!;
        await Assert.That(incidents.Count).IsEqualTo(1);
        await Assert.That(incidents[0].ResolvedAt).IsNull();
        database.ReleaseConnections();

        var (again, second) = Import(source, target);
        await Assert.That(again).IsEqualTo(0);
        await Assert.That(second).Contains("Nothing imported");
        await Assert.That(second).Contains("monitors                      0 imported       " + (11 + (hasPing ? 1 : 0) + (hasPush ? 1 : 0)).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(2) + " already here");
        await Assert.That(second).Contains("maintenance windows           0 imported        2 already here");
        await Assert.That(second).Contains("status pages                  0 imported        1 already here");
        await Assert.That(second).Contains("announcements                 0 imported        1 already here");
        await Assert.That(second).DoesNotContain("note:");
        await Assert.That(new MonitorStore(new Database(target), TimeProvider.System).List().Count).IsEqualTo(monitors.Count);
        new Database(target).ReleaseConnections();

        // Served as Kuma served it, at /status/acme, with its sections and the announcement.
        await using var server = await FlatlineServer.StartOnAsync(target);
        using var anonymous = server.CreateAnonymousClient();
        using var response = await anonymous.GetAsync("/status/acme");
        await Assert.That((int)response.StatusCode).IsEqualTo(200);
        var html = await response.Content.ReadAsStringAsync();
        foreach (var text in new[] { "Acme Status", "Public services", "Infrastructure", "Acme Website", "Postgres port", "Degraded database performance" })
            await Assert.That(html).Contains(text);
        await Assert.That(html).DoesNotContain("Redis port (child)");
    }

    /// <summary>Runs SQL on the copy, as a later Uptime Kuma session would have left its rows.</summary>
    static void Change(string kuma, string sql)
    {
        _ = new Database(kuma); // sets up the SQLite provider
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={kuma};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Test]
    public async Task Pages_kept_private_in_kuma_stay_out_and_what_a_flatline_page_has_no_room_for_is_named()
    {
        using var folder = new TempFolder();
        var source = Copy(folder);
        Change(source, """
            UPDATE status_page SET theme = 'dark', custom_css = 'body { color: red }', analytics_id = 'G-FIXTURE', analytics_type = 'google',
                show_tags = 0, search_engine_index = 0, auto_refresh_interval = 60, icon = '/upload/logo1.png?t=1' WHERE slug = 'acme';
            INSERT INTO status_page_cname (status_page_id, domain) VALUES (1, 'Status.Acme.test'), (1, 'status.acme.example');
            UPDATE monitor_group SET send_url = 1 WHERE monitor_id = 1;
            INSERT INTO incident (title, content, style, created_date, last_updated_date, pin, active, status_page_id)
                VALUES ('Outage last week', 'It is over.', 'danger', '2026-11-20 10:00:00', '2026-11-20 12:30:00', 0, 1, 1);
            INSERT INTO status_page (slug, title, icon, theme, published) VALUES ('internal', 'Internal', '/icon.svg', 'auto', 0);
            INSERT INTO status_page (slug, title, icon, theme, published, password) VALUES ('locked', 'Locked', '/icon.svg', 'auto', 1, 'hunter2hunter2');
            INSERT INTO incident (title, content, style, pin, active, status_page_id) SELECT 'Private notice', 'x', 'info', 1, 1, id FROM status_page WHERE slug = 'internal';
            """);
        var target = folder.File("flatline.db");
        var (code, output) = Import(source, target);
        await Assert.That(code).IsEqualTo(0).Because(output);

        await Assert.That(output).Contains("skipped status page internal ('Internal'): it is not published in Uptime Kuma");
        await Assert.That(output).Contains("skipped status page locked ('Locked'): it has a password in Uptime Kuma, which cannot come across");
        await Assert.That(output).Contains("('Private notice'): its status page was not imported");
        await Assert.That(output).Contains("status pages                  1 imported        0 already here      2 skipped");
        await Assert.That(output).Contains("note: status page acme keeps the first of its custom domains, status.acme.test: a Flatline page has one (status.acme.example left out)");
        await Assert.That(output).Contains("note: status page acme showed the URL of 1 monitor: a Flatline page shows every monitor's URL or none (show_urls), so they are hidden");
        foreach (var left in new[] { "its logo /upload/logo1.png?t=1 (a file in Uptime Kuma's data folder", "its theme 'dark'", "its custom CSS", "its analytics",
            "search_engine_index off", "its refresh every 60 s" })
            await Assert.That(output).Contains(left);
        await Assert.That(output).DoesNotContain("show_tags");

        var database = new Database(target);
        var pages = new StatusPageStore(database, TimeProvider.System);
        var page = pages.List().Single();
        await Assert.That((page.View.Slug, page.View.CustomDomain, page.View.ShowUrls, page.View.LogoUrl)).IsEqualTo(("acme", "status.acme.test", false, (string?)null));
        var announcements = new AnnouncementStore(database, TimeProvider.System).List(page).ToDictionary(a => a.Title);
        await Assert.That(announcements.Count).IsEqualTo(2);
        var over = announcements["Outage last week"];
        await Assert.That((over.Severity, over.Resolved, over.Updates.Single().At)).IsEqualTo((AnnouncementSeverity.Major, true, new DateTime(2026, 11, 20, 12, 30, 0, DateTimeKind.Utc)));
        database.ReleaseConnections();
    }

    [Test]
    public async Task A_page_whose_slug_flatline_has_already_stays_out_and_the_rest_comes_across()
    {
        using var folder = new TempFolder();
        var source = Copy(folder);
        var target = folder.File("flatline.db");
        FlatlineApp.OpenDatabase(FlatlineServer.DefaultSettings(target));
        new StatusPageStore(new Database(target), TimeProvider.System).Create(new StatusPageDraft("acme", "Ours", null, null, null, [], false, false, null, null));
        new Database(target).ReleaseConnections();

        var (code, output) = Import(source, target);
        await Assert.That(code).IsEqualTo(0).Because(output);
        await Assert.That(output).Contains(": a page here has the slug acme already");
        await Assert.That(output).Contains("its status page was not imported");
        await Assert.That(output).Contains("maintenance windows           2 imported");
        var page = new StatusPageStore(new Database(target), TimeProvider.System).List().Single();
        await Assert.That(page.View.Title).IsEqualTo("Ours");
        new Database(target).ReleaseConnections();
    }
}
