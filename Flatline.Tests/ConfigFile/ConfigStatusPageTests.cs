using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Flatline.Tests.ConfigFile.ConfigFileTests;

namespace Flatline.Tests.ConfigFile;

/// <summary>The <c>status_pages</c> section: pages applied like maintenance windows (keys, the API's own
/// validator, one transaction, idempotent, pruned, exported), on a real SQLite file through the same
/// command the CLI runs, and in a running app whose page cache must follow.</summary>
public class ConfigStatusPageTests
{
    const string Monitors = """
        monitors:
          - {key: api, name: API, enabled: false, config: {type: tcp, host: 127.0.0.1, port: 1}}
          - {key: db, name: Postgres, enabled: false, config: {type: tcp, host: 127.0.0.1, port: 2}}

        """;

    static readonly Dictionary<string, string> NoVariables = [];

    [Test]
    public async Task A_bad_field_an_unknown_monitor_key_and_a_slug_used_twice_are_each_named_with_the_page_and_field_and_nothing_is_applied()
    {
        using var folder = new TempFolder();
        var file = Write(folder, "pages.yaml", Monitors + """
            status_pages:
              - key: p
                slug: Not A Slug
                title: P
                theme: dark
                password: short
                logo_url: "https://cdn.example.com/logo.png"
                sections:
                  - name: Core
                    monitors: [api, nobody]
                    colour: red
                  - {name: Again, monitors: [api]}
              - {key: q, slug: shared, title: Q}
              - {key: r, slug: shared, title: R, sections: [{name: Data, monitors: [db]}]}
            """);
        var run = Apply(folder.File("f.db"), file, NoVariables);
        await Assert.That(run.ExitCode).IsEqualTo(2).Because(run.Output);
        foreach (var expected in new[]
        {
            ":6:11: status_pages[p].slug is required: 1-64 lower-case letters, digits and inner hyphens",
            ":8:5: status_pages[1].theme is not a field of status_pages: use key, slug, title",
            ":9:15: status_pages[p].password must be 8-200 characters",
            ":10:15: status_pages[p].logo_url must be a path on this server",
            ":13:25: status_pages[p].sections[0].monitors no monitor in this file has the key 'nobody'",
            ":14:9: status_pages[p].sections[0].colour is not a field of a section: use name, monitors",
            ":15:34: status_pages[p].sections[1].monitors[0] is on this page already",
            ":17:20: status_pages[r].slug 'shared' is the slug of status_pages[q] too",
        })
            await Assert.That(run.Stderr).Contains($"error: {file}{expected}");
        await Assert.That(run.Stderr).Contains("nothing was applied");
        await Assert.That(Count(folder.File("f.db"), "SELECT count(*) FROM status_pages")).IsEqualTo(0L);
        await Assert.That(Count(folder.File("f.db"), "SELECT count(*) FROM monitors")).IsEqualTo(0L);
    }

    [Test]
    public async Task A_page_with_a_password_applies_once_and_the_same_password_again_changes_nothing_while_a_new_one_or_none_is_shown_without_its_value()
    {
        using var folder = new TempFolder();
        var database = folder.File("f.db");
        var page = Monitors + """
            status_pages:
              - key: internal
                slug: internal
                title: Internal status
                password: ${PAGE_SECRET}
                sections: [{name: Core, monitors: [db, api]}]
            """;
        var file = Write(folder, "pages.yaml", page);
        var secret = new Dictionary<string, string> { ["PAGE_SECRET"] = "first-password" };
        var first = Apply(database, file, secret);
        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Output);
        await Assert.That(first.Stdout).Contains("+ status_page internal");
        var hash = Scalar(database, "SELECT password_hash FROM status_pages");
        await Assert.That(hash).StartsWith("pbkdf2-sha256$");
        await Assert.That(LocalOwner.VerifyPassword("first-password", hash)).IsTrue();
        var stored = new StatusPageStore(new Database(database), TimeProvider.System).List().Single().View;
        new Database(database).ReleaseConnections();
        await Assert.That(stored.Sections.Single().Monitors.Count).IsEqualTo(2);
        var updated = Count(database, "SELECT updated_at FROM status_pages");

        var again = Apply(database, file, secret);
        await Assert.That(again.Stdout.Trim()).IsEqualTo($"No changes: the database already matches {file}.");
        await Assert.That(Scalar(database, "SELECT password_hash FROM status_pages")).IsEqualTo(hash);
        await Assert.That(Count(database, "SELECT updated_at FROM status_pages")).IsEqualTo(updated);

        var changed = Apply(database, file, new Dictionary<string, string> { ["PAGE_SECRET"] = "second-password" });
        await Assert.That(changed.Stdout).Contains("~ status_page internal: password (secret) changed");
        await Assert.That(changed.Output).DoesNotContain("second-password");
        await Assert.That(LocalOwner.VerifyPassword("second-password", Scalar(database, "SELECT password_hash FROM status_pages"))).IsTrue();

        Write(folder, "pages.yaml", page.Replace("    password: ${PAGE_SECRET}\n", "", StringComparison.Ordinal)
            .Replace("monitors: [db, api]", "monitors: [api, db]", StringComparison.Ordinal));
        var opened = Apply(database, file, NoVariables);
        await Assert.That(opened.Stdout).Contains("~ status_page internal: sections ");
        await Assert.That(opened.Stdout).Contains("; password removed: the page is public now");
        await Assert.That(Count(database, "SELECT count(*) FROM status_pages WHERE password_hash IS NULL")).IsEqualTo(1L);
        await Assert.That(Count(database, """
            SELECT count(*) FROM status_page_monitors pm JOIN monitors m ON m.id = pm.monitor_id WHERE pm.position = 0 AND m.name = 'API'
            """)).IsEqualTo(1L);
    }

    [Test]
    public async Task Every_field_round_trips_through_export_and_the_password_is_exported_only_as_a_variable()
    {
        using var folder = new TempFolder();
        var file = Write(folder, "pages.yaml", Monitors + """
            status_pages:
              - key: acme
                slug: acme
                title: "Acme: status"
                description: |
                  Our services.
                  Second line.
                logo_url: "data:image/png;base64,iVBORw0KGgo="
                custom_domain: Status.Example.COM
                show_urls: true
                password: ${ACME_PAGE_PASSWORD}
                footer: "# not a comment"
                sections:
                  - {name: Empty for now, monitors: []}
                  - {name: Core, monitors: [db, api]}
              - {key: plain, slug: plain, title: Plain}
            """);
        var secret = new Dictionary<string, string> { ["ACME_PAGE_PASSWORD"] = "acme-password-1" };
        var first = Apply(folder.File("a.db"), file, secret);
        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Output);

        var exported = Export(folder.File("a.db"));
        await Assert.That(exported.Stdout).Contains("""
            status_pages:
              - key: acme
                slug: acme
                title: "Acme: status"
                description: "Our services.\nSecond line."
                logo_url: "data:image/png;base64,iVBORw0KGgo="
                custom_domain: status.example.com
                show_urls: true
                password: ${ACME_PAGE_PASSWORD}
                footer: "# not a comment"
                sections:
                  - name: Empty for now
                    monitors: []
                  - name: Core
                    monitors: [db, api]
              - key: plain
                slug: plain
                title: Plain
                show_urls: false

            """.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n");
        await Assert.That(exported.Stdout).DoesNotContain("acme-password-1");
        await Assert.That(exported.Stdout).DoesNotContain("pbkdf2");
        await Assert.That(exported.Stderr).Contains("ACME_PAGE_PASSWORD");

        var exportFile = Write(folder, "export.yaml", exported.Stdout);
        var onEmpty = Apply(folder.File("b.db"), exportFile, secret);
        await Assert.That(onEmpty.ExitCode).IsEqualTo(0).Because(onEmpty.Output);
        await Assert.That(Export(folder.File("b.db")).Stdout).IsEqualTo(exported.Stdout);
        await Assert.That(LocalOwner.VerifyPassword("acme-password-1", Scalar(folder.File("b.db"), "SELECT password_hash FROM status_pages WHERE slug = 'acme'"))).IsTrue();
        await Assert.That(Apply(folder.File("a.db"), exportFile, secret).Stdout).Contains("No changes");
        await Assert.That(Apply(folder.File("a.db"), exportFile, NoVariables).Stderr).Contains("status_pages[acme].password the environment variable ACME_PAGE_PASSWORD is not set");
    }

    [Test]
    public async Task Prune_deletes_the_pages_a_file_made_first_so_that_another_page_may_take_the_slug_in_the_same_apply()
    {
        using var folder = new TempFolder();
        var database = folder.File("f.db");
        var file = Write(folder, "pages.yaml", Monitors + """
            status_pages:
              - {key: a, slug: alpha, title: A, sections: [{name: S, monitors: [api]}]}
              - {key: b, slug: beta, title: B, custom_domain: status.example.com}
            """);
        await Assert.That(Apply(database, file, NoVariables).ExitCode).IsEqualTo(0);
        var pages = new StatusPageStore(new Database(database), TimeProvider.System);
        var beta = pages.BySlug("beta")!;
        new AnnouncementStore(new Database(database), TimeProvider.System).Create(beta, new AnnouncementDraft("Slow", AnnouncementSeverity.Minor,
            [new AnnouncementUpdateDraft(AnnouncementStatus.Investigating, "Looking", null)]));
        var alpha = pages.BySlug("alpha")!;
        new AnnouncementStore(new Database(database), TimeProvider.System).Create(alpha, new AnnouncementDraft("Kept", AnnouncementSeverity.Info, []));
        new Database(database).ReleaseConnections();

        // b is gone from the file and c wants its slug and domain: without --prune b keeps them, which is an error.
        Write(folder, "pages.yaml", Monitors + """
            status_pages:
              - {key: a, slug: alpha, title: A, sections: [{name: S, monitors: [api]}]}
              - {key: c, slug: beta, title: C, custom_domain: status.example.com}
            """);
        var clash = Apply(database, file, NoVariables);
        await Assert.That(clash.ExitCode).IsEqualTo(2);
        await Assert.That(clash.Stderr).Contains("status_pages[c].slug 'beta' is the slug of the page 'B' (b), which this file does not list: --prune deletes it");
        await Assert.That(clash.Stderr).Contains("status_pages[c].custom_domain 'status.example.com' is the custom_domain of the page 'B' (b)");

        var pruned = Apply(database, file, NoVariables, "--prune");
        await Assert.That(pruned.ExitCode).IsEqualTo(0).Because(pruned.Output);
        await Assert.That(pruned.Stdout).Contains("- status_page b");
        await Assert.That(pruned.Stdout).Contains("+ status_page c");
        await Assert.That(Count(database, "SELECT count(*) FROM status_pages WHERE slug = 'beta' AND title = 'C' AND custom_domain = 'status.example.com'")).IsEqualTo(1L);
        await Assert.That(Count(database, "SELECT count(*) FROM status_pages")).IsEqualTo(2L);
        // b's announcement went with it; a's (not part of the file) stays.
        await Assert.That(Count(database, "SELECT count(*) FROM announcements")).IsEqualTo(1L);
        await Assert.That(Count(database, "SELECT count(*) FROM config_keys WHERE kind = 'status_page' AND key = 'b'")).IsEqualTo(0L);
        await Assert.That(Apply(database, file, NoVariables, "--prune").Stdout).Contains("No changes");

        // Two pages of the file may swap slugs: each lets go of its own before taking the other's.
        Write(folder, "pages.yaml", Monitors + """
            status_pages:
              - {key: a, slug: beta, title: A, sections: [{name: S, monitors: [api]}]}
              - {key: c, slug: alpha, title: C, custom_domain: status.example.com}
            """);
        var swapped = Apply(database, file, NoVariables);
        await Assert.That(swapped.ExitCode).IsEqualTo(0).Because(swapped.Output);
        await Assert.That(swapped.Stdout).Contains("~ status_page a: slug \"alpha\" → \"beta\"");
        await Assert.That(Count(database, "SELECT count(*) FROM status_pages WHERE (slug, title) IN (VALUES ('beta', 'A'), ('alpha', 'C'))")).IsEqualTo(2L);
    }

    [Test]
    public async Task A_page_made_in_the_app_is_taken_over_by_its_slug_as_key_and_never_pruned_and_its_slug_is_not_taken_by_another()
    {
        using var folder = new TempFolder();
        var database = folder.File("f.db");
        FlatlineApp.OpenDatabase(FlatlineServer.DefaultSettings(database));
        new StatusPageStore(new Database(database), TimeProvider.System).Create(new StatusPageDraft("shop", "Shop", null, null, null, [], false, false, null, null));
        new Database(database).ReleaseConnections();
        await Assert.That(Export(database).Stdout).Contains("status_pages:\n  - key: shop\n    slug: shop\n    title: Shop\n    show_urls: false\n");

        var clash = Write(folder, "clash.yaml", "status_pages:\n  - {key: other, slug: shop, title: Other}\n");
        await Assert.That(Apply(database, clash, NoVariables).Stderr).Contains($"{clash}:2:24: status_pages[other].slug 'shop' is the slug of the page 'Shop' (shop), which this file does not list\n");

        var file = Write(folder, "pages.yaml", "status_pages:\n  - {key: shop, slug: shop, title: Shop front}\n");
        var taken = Apply(database, file, NoVariables);
        await Assert.That(taken.Stdout).Contains("~ status_page shop: title \"Shop\" → \"Shop front\"; taken over by the file (it was made in the app)");
        Write(folder, "pages.yaml", "status_pages: []\n");
        var pruned = Apply(database, file, NoVariables, "--prune");
        await Assert.That(pruned.Stdout).Contains("kept status_page shop: a file took it over but did not create it");
        await Assert.That(Count(database, "SELECT count(*) FROM status_pages")).IsEqualTo(1L);
    }

    [Test]
    public async Task An_apply_in_a_running_app_drops_the_cached_public_page_so_it_shows_the_change_at_once()
    {
        // Time stands still: the cached page would be served as it is for as long as the test runs.
        await using var server = await FlatlineServer.StartAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var anonymous = server.CreateAnonymousClient();
        using var folder = new TempFolder();
        var cache = server.Services.GetRequiredService<StatusPageCache>();
        var checkTypes = server.Services.GetRequiredService<CheckTypes>();
        var channelTypes = server.Services.GetRequiredService<NotificationChannelTypes>();
        async Task<string> Page() => await (await anonymous.GetAsync("/status/acme")).Content.ReadAsStringAsync();
        void ApplyTitle(string title, StatusPageCache? pageCache)
        {
            var text = Monitors + $"status_pages:\n  - {{key: acme, slug: acme, title: {title}, sections: [{{name: Core, monitors: [api]}}]}}\n";
            var document = ConfigDocument.Read("pages.yaml", text, _ => null);
            var apply = new ConfigApply(server.Database, checkTypes, channelTypes, server.Time!, pageCache);
            var plan = apply.Plan(document, prune: false);
            if (plan.Errors.Count > 0) throw new InvalidOperationException(string.Join("\n", plan.Errors));
            apply.Write(plan);
        }

        ApplyTitle("First title", cache);
        await Assert.That(await Page()).Contains("First title");
        ApplyTitle("Second title", cache);
        await Assert.That(await Page()).Contains("Second title");
        // The same write without telling the cache: the page is still the cached one, which is why apply tells it.
        ApplyTitle("Third title", null);
        await Assert.That(await Page()).Contains("Second title");
    }

    static string Scalar(string database, string sql)
    {
        using var connection = new Database(database).Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = (string)command.ExecuteScalar()!;
        connection.Close();
        new Database(database).ReleaseConnections();
        return value;
    }
}
