using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Monitors;

/// <summary>The monitors API. Tests that touch only monitors of their own share one server; those
/// that count everything the server holds have a server each.</summary>
[ClassDataSource<SharedFlatlineServer>(Shared = SharedType.PerClass)]
public class MonitorApiTests(SharedFlatlineServer shared)
{
    // Paused monitors: these tests are about the API, not probes.
    static readonly MonitorBody Paused = MonitorBody.Http("http://127.0.0.1:9/health").Named("api").Paused().Interval(30).Timeout(5).Retries(2);

    FlatlineServer Server => shared.Server;

    static async Task<MonitorView> Create(FlatlineClient api, MonitorBody monitor)
    {
        var response = await api.CreateMonitorAsync(monitor);
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.Created);
        return response.Value;
    }

    [Test]
    public async Task Create_returns_201_with_location_uuid7_and_read_only_fields()
    {
        using var api = Server.CreateApiClient();
        var response = await api.CreateMonitorAsync(Paused);
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.Created);
        var monitor = response.Value;
        await Assert.That(Guid.Parse(monitor.Id).Version).IsEqualTo(7);
        await Assert.That(response.Location!.ToString()).IsEqualTo($"/api/v1/monitors/{monitor.Id}");
        await Assert.That(monitor.Status).IsEqualTo(MonitorStatus.Paused);
        await Assert.That(response.Json.GetProperty("last_checked_at").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(response.Json.GetProperty("tls_expires_at").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(response.Json.GetProperty("created_at").GetString()).EndsWith("Z");
        await Assert.That(monitor.Interval).IsEqualTo(30);
        await Assert.That(monitor.Retries).IsEqualTo(2);

        var read = await api.GetMonitorAsync(monitor.Id);
        await Assert.That(read.Text).IsEqualTo(response.Text);
    }

    [Test]
    public async Task Read_only_fields_in_a_body_are_ignored()
    {
        using var api = Server.CreateApiClient();
        var response = await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Named("x").Paused()
            .With("id", "mine").With("status", "up").With("last_checked_at", "2020-01-01T00:00:00Z"));
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.Created);
        await Assert.That(response.Value.Id).IsNotEqualTo("mine");
        await Assert.That(response.Value.Status).IsEqualTo(MonitorStatus.Paused);
        await Assert.That(response.Json.GetProperty("last_checked_at").ValueKind).IsEqualTo(JsonValueKind.Null);
    }

    [Test]
    public async Task Unknown_ids_get_404_on_every_route()
    {
        using var api = Server.CreateApiClient();
        var missing = Guid.CreateVersion7().ToString();
        await Assert.That((await api.GetMonitorAsync(missing)).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await api.UpdateMonitorAsync(missing, MonitorBody.Change().Named("x"))).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await api.ReplaceMonitorAsync(missing, Paused)).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await api.DeleteMonitorAsync(missing)).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await api.ListChecksAsync(missing)).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await api.ListIncidentsAsync(missing)).Status).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Patch_changes_only_what_it_names_and_put_replaces_everything()
    {
        using var api = Server.CreateApiClient();
        var id = (await Create(api, Paused)).Id;

        var patched = await api.UpdateMonitorAsync(id, MonitorBody.Change().Named("renamed"));
        await Assert.That(patched.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(patched.Value.Name).IsEqualTo("renamed");
        await Assert.That(patched.Value.Interval).IsEqualTo(30);
        await Assert.That(patched.Value.Retries).IsEqualTo(2);
        await Assert.That(patched.Json.GetProperty("config").GetProperty("url").GetString()).IsEqualTo("http://127.0.0.1:9/health");

        var put = await api.ReplaceMonitorAsync(id, MonitorBody.Http("http://127.0.0.1:9/other").Named("replaced").Paused());
        await Assert.That(put.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(put.Value.Interval).IsEqualTo(60);
        await Assert.That(put.Value.Retries).IsEqualTo(0);
        await Assert.That(put.Json.GetProperty("config").GetProperty("url").GetString()).IsEqualTo("http://127.0.0.1:9/other");
        await Assert.That(put.Json.GetProperty("created_at").GetString()).IsEqualTo(patched.Json.GetProperty("created_at").GetString());
    }

    [Test]
    public async Task Delete_removes_the_monitor_with_its_checks_and_incidents()
    {
        // Counts every row of the database: a server of its own.
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var id = (await Create(api, Paused)).Id;
        server.Execute($"""
            INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code) SELECT id, 1000, 1, 1500, 200 FROM monitors WHERE uid = '{id}';
            INSERT INTO incidents (uid, monitor_id, started_at) SELECT 'i-1', id, 1000 FROM monitors WHERE uid = '{id}';
            """);

        await Assert.That((await api.DeleteMonitorAsync(id)).Status).IsEqualTo(HttpStatusCode.NoContent);
        await Assert.That((await api.DeleteMonitorAsync(id)).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await api.GetMonitorAsync(id)).Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(server.Scalar<long>("SELECT (SELECT count(*) FROM checks) + (SELECT count(*) FROM incidents) + (SELECT count(*) FROM monitors)")).IsEqualTo(0L);
    }

    [Test]
    public async Task Checks_and_incidents_page_newest_first_with_limit_and_before()
    {
        using var api = Server.CreateApiClient();
        var id = (await Create(api, Paused)).Id;
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        // Incident ids are unique in the whole database: these carry the monitor's id.
        Server.Execute($"""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59)
            INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code, error)
            SELECT m.id, {start} + i * 60000, i % 10 != 0, CASE WHEN i % 10 != 0 THEN 1234 END, CASE WHEN i % 10 != 0 THEN 200 ELSE 503 END,
                   CASE WHEN i % 10 = 0 THEN 'unexpected status 503 (expected 2xx)' END
            FROM n, monitors m WHERE m.uid = '{id}';
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29)
            INSERT INTO incidents (uid, monitor_id, started_at, resolved_at, cause, resolution)
            SELECT '{id}-inc-' || i, m.id, {start} + i * 3600000, {start} + i * 3600000 + 90000, 'timeout after 5 s', 'recovered'
            FROM n, monitors m WHERE m.uid = '{id}';
            """);

        var page = await api.ListChecksAsync(id);
        await Assert.That(page.Value.Count).IsEqualTo(25);
        await Assert.That(page.Json[0].GetProperty("checked_at").GetString()).IsEqualTo("2026-11-01T00:59:00Z");
        await Assert.That(page.Value[0].Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That(page.Value[0].LatencyMs).IsEqualTo(1.234);
        await Assert.That(page.Value[0].ResponseTimeMs).IsEqualTo(1L);
        await Assert.That(page.Value[0].MonitorId).IsEqualTo(id);

        var older = await api.ListChecksAsync(id, "limit=100&before=2026-11-01T00:10:00Z");
        await Assert.That(older.Value.Count).IsEqualTo(10);
        await Assert.That(older.Value[9].Status).IsEqualTo(MonitorStatus.Down);
        await Assert.That(older.Value[9].Error).IsEqualTo("unexpected status 503 (expected 2xx)");
        await Assert.That(older.Json[9].GetProperty("latency_ms").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(older.Json[9].GetProperty("response_time_ms").GetInt64()).IsEqualTo(0L);

        var incidents = (await api.ListIncidentsAsync(id, "limit=5")).Value;
        await Assert.That(incidents.Count).IsEqualTo(5);
        await Assert.That(incidents[0].Id).IsEqualTo($"{id}-inc-29");
        await Assert.That(incidents[0].DurationSeconds).IsEqualTo(90L);
        await Assert.That(incidents[0].Cause).IsEqualTo("timeout after 5 s");
    }

    [Test]
    [Arguments("limit=0", "limit")]
    [Arguments("limit=101", "limit")]
    [Arguments("limit=ten", "limit")]
    [Arguments("before=yesterday", "before")]
    public async Task Bad_paging_gets_400_naming_the_parameter(string query, string field)
    {
        using var api = Server.CreateApiClient();
        var id = (await Create(api, Paused)).Id;
        foreach (var response in new ApiResponse[] { await api.ListChecksAsync(id, query), await api.ListIncidentsAsync(id, query) })
        {
            await Assert.That(response.Status).IsEqualTo(HttpStatusCode.BadRequest);
            await Assert.That(response.HasErrorFor(field)).IsTrue();
        }
    }

    [Test]
    public async Task There_is_no_cap_on_the_number_of_monitors()
    {
        // Counts every monitor: a server of its own.
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        for (var i = 0; i < 150; i++) await Create(api, Paused.Named($"m{i}"));
        await Assert.That((await api.ListMonitorsAsync()).Value.Count).IsEqualTo(150);
    }
}
