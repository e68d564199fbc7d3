using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Monitors;

public class MonitorApiTests
{
    // Paused monitors: these tests are about the API, not probes.
    const string Paused = """{"name":"api","enabled":false,"interval":30,"timeout":5,"retries":2,"config":{"type":"http","url":"http://127.0.0.1:9/health"}}""";

    static async Task<JsonElement> Create(HttpClient client, string body = Paused)
    {
        using var response = await client.PostJsonAsync("/api/v1/monitors", body);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return await response.ReadJsonAsync();
    }

    static void Sql(FlatlineServer server, string sql)
    {
        using var connection = server.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Test]
    public async Task Create_returns_201_with_location_uuid7_and_read_only_fields()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.PostJsonAsync("/api/v1/monitors", Paused);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var body = await response.ReadJsonAsync();
        var id = body.GetProperty("id").GetString()!;
        await Assert.That(Guid.Parse(id).Version).IsEqualTo(7);
        await Assert.That(response.Headers.Location!.ToString()).IsEqualTo($"/api/v1/monitors/{id}");
        await Assert.That(body.GetProperty("status").GetString()).IsEqualTo("paused");
        await Assert.That(body.GetProperty("last_checked_at").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(body.GetProperty("tls_expires_at").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(body.GetProperty("created_at").GetString()).EndsWith("Z");
        await Assert.That(body.GetProperty("interval").GetInt32()).IsEqualTo(30);
        await Assert.That(body.GetProperty("retries").GetInt32()).IsEqualTo(2);

        var read = await client.GetStringAsync($"/api/v1/monitors/{id}");
        await Assert.That(read).IsEqualTo(body.GetRawText());
    }

    [Test]
    public async Task Read_only_fields_in_a_body_are_ignored()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var body = await Create(client, """{"id":"mine","status":"up","last_checked_at":"2020-01-01T00:00:00Z","name":"x","enabled":false,"config":{"type":"http","url":"http://127.0.0.1:9/"}}""");
        await Assert.That(body.GetProperty("id").GetString()).IsNotEqualTo("mine");
        await Assert.That(body.GetProperty("status").GetString()).IsEqualTo("paused");
        await Assert.That(body.GetProperty("last_checked_at").ValueKind).IsEqualTo(JsonValueKind.Null);
    }

    [Test]
    public async Task Unknown_ids_get_404_on_every_route()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var missing = Guid.CreateVersion7();
        await Assert.That((await client.GetAsync($"/api/v1/monitors/{missing}")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.PatchJsonAsync($"/api/v1/monitors/{missing}", """{"name":"x"}""")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.PutAsync($"/api/v1/monitors/{missing}", new StringContent(Paused, System.Text.Encoding.UTF8, "application/json"))).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.DeleteAsync($"/api/v1/monitors/{missing}")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.GetAsync($"/api/v1/monitors/{missing}/checks")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.GetAsync($"/api/v1/monitors/{missing}/incidents")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Patch_changes_only_what_it_names_and_put_replaces_everything()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var id = (await Create(client)).GetProperty("id").GetString();

        using var patched = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"name":"renamed"}""");
        await Assert.That(patched.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var body = await patched.ReadJsonAsync();
        await Assert.That(body.GetProperty("name").GetString()).IsEqualTo("renamed");
        await Assert.That(body.GetProperty("interval").GetInt32()).IsEqualTo(30);
        await Assert.That(body.GetProperty("retries").GetInt32()).IsEqualTo(2);
        await Assert.That(body.GetProperty("config").GetProperty("url").GetString()).IsEqualTo("http://127.0.0.1:9/health");

        using var put = await client.PutAsync($"/api/v1/monitors/{id}", new StringContent(
            """{"name":"replaced","enabled":false,"config":{"type":"http","url":"http://127.0.0.1:9/other"}}""", System.Text.Encoding.UTF8, "application/json"));
        await Assert.That(put.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var replaced = await put.ReadJsonAsync();
        await Assert.That(replaced.GetProperty("interval").GetInt32()).IsEqualTo(60);
        await Assert.That(replaced.GetProperty("retries").GetInt32()).IsEqualTo(0);
        await Assert.That(replaced.GetProperty("config").GetProperty("url").GetString()).IsEqualTo("http://127.0.0.1:9/other");
        await Assert.That(replaced.GetProperty("created_at").GetString()).IsEqualTo(body.GetProperty("created_at").GetString());
    }

    [Test]
    public async Task Delete_removes_the_monitor_with_its_checks_and_incidents()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var id = (await Create(client)).GetProperty("id").GetString();
        Sql(server, $"""
            INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code) SELECT id, 1000, 1, 1500, 200 FROM monitors WHERE uid = '{id}';
            INSERT INTO incidents (uid, monitor_id, started_at) SELECT 'i-1', id, 1000 FROM monitors WHERE uid = '{id}';
            """);

        await Assert.That((await client.DeleteAsync($"/api/v1/monitors/{id}")).StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        await Assert.That((await client.DeleteAsync($"/api/v1/monitors/{id}")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.GetAsync($"/api/v1/monitors/{id}")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        using var connection = server.Database.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT (SELECT count(*) FROM checks) + (SELECT count(*) FROM incidents) + (SELECT count(*) FROM monitors)";
        await Assert.That((long)count.ExecuteScalar()!).IsEqualTo(0L);
    }

    [Test]
    public async Task Checks_and_incidents_page_newest_first_with_limit_and_before()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var id = (await Create(client)).GetProperty("id").GetString();
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Sql(server, $"""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59)
            INSERT INTO checks (monitor_id, checked_at, ok, latency_us, status_code, error)
            SELECT m.id, {start} + i * 60000, i % 10 != 0, CASE WHEN i % 10 != 0 THEN 1234 END, CASE WHEN i % 10 != 0 THEN 200 ELSE 503 END,
                   CASE WHEN i % 10 = 0 THEN 'unexpected status 503 (expected 2xx)' END
            FROM n, monitors m WHERE m.uid = '{id}';
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29)
            INSERT INTO incidents (uid, monitor_id, started_at, resolved_at, cause, resolution)
            SELECT 'inc-' || i, m.id, {start} + i * 3600000, {start} + i * 3600000 + 90000, 'timeout after 5 s', 'recovered'
            FROM n, monitors m WHERE m.uid = '{id}';
            """);

        var page = await (await client.GetAsync($"/api/v1/monitors/{id}/checks")).ReadJsonAsync();
        await Assert.That(page.GetArrayLength()).IsEqualTo(25);
        await Assert.That(page[0].GetProperty("checked_at").GetString()).IsEqualTo("2026-11-01T00:59:00Z");
        await Assert.That(page[0].GetProperty("status").GetString()).IsEqualTo("up");
        await Assert.That(page[0].GetProperty("response_time_ms").GetDouble()).IsEqualTo(1.234);
        await Assert.That(page[0].GetProperty("monitor_id").GetString()).IsEqualTo(id);

        var older = await (await client.GetAsync($"/api/v1/monitors/{id}/checks?limit=100&before=2026-11-01T00:10:00Z")).ReadJsonAsync();
        await Assert.That(older.GetArrayLength()).IsEqualTo(10);
        await Assert.That(older[9].GetProperty("status").GetString()).IsEqualTo("down");
        await Assert.That(older[9].GetProperty("error").GetString()).IsEqualTo("unexpected status 503 (expected 2xx)");
        await Assert.That(older[9].GetProperty("response_time_ms").ValueKind).IsEqualTo(JsonValueKind.Null);

        var incidents = await (await client.GetAsync($"/api/v1/monitors/{id}/incidents?limit=5")).ReadJsonAsync();
        await Assert.That(incidents.GetArrayLength()).IsEqualTo(5);
        await Assert.That(incidents[0].GetProperty("id").GetString()).IsEqualTo("inc-29");
        await Assert.That(incidents[0].GetProperty("duration_seconds").GetInt64()).IsEqualTo(90L);
        await Assert.That(incidents[0].GetProperty("cause").GetString()).IsEqualTo("timeout after 5 s");
    }

    [Test]
    [Arguments("limit=0", "limit")]
    [Arguments("limit=101", "limit")]
    [Arguments("limit=ten", "limit")]
    [Arguments("before=yesterday", "before")]
    public async Task Bad_paging_gets_400_naming_the_parameter(string query, string field)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var id = (await Create(client)).GetProperty("id").GetString();
        foreach (var list in new[] { "checks", "incidents" })
        {
            using var response = await client.GetAsync($"/api/v1/monitors/{id}/{list}?{query}");
            await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
            await Assert.That((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _)).IsTrue();
        }
    }

    [Test]
    public async Task There_is_no_cap_on_the_number_of_monitors()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        for (var i = 0; i < 150; i++) await Create(client, Paused.Replace("\"api\"", $"\"m{i}\""));
        var all = await (await client.GetAsync("/api/v1/monitors")).ReadJsonAsync();
        await Assert.That(all.GetArrayLength()).IsEqualTo(150);
    }
}
