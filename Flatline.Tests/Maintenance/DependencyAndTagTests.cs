using System.Net;

namespace Flatline.Tests.Maintenance;

/// <summary>depends_on and tags through the real server: a child of a down parent stays silent and
/// says why, cycles are refused by name, and tags filter the API and target maintenance.</summary>
public sealed class DependencyAndTagTests
{
    static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    static long Count(FlatlineServer server, string sql) => server.Scalar<long>(sql);

    [Test]
    public async Task A_child_of_a_down_parent_is_silent_and_blocked_then_truthful_once_the_parent_is_up()
    {
        await using var router = await TargetServer.StartAsync();
        await using var app = await TargetServer.StartAsync();
        router.HealthStatus = 500;
        app.HealthStatus = 500;
        var clock = new FakeClock();
        await using var server = await FlatlineServer.StartAsync(time: clock);
        using var api = server.CreateApiClient();
        var channel = (await api.CreateNotificationChannelAsync(ChannelBody.Webhook(new Uri("http://127.0.0.1:9/hook")))).Value.Id;
        var parent = (await api.CreateMonitorAsync(MonitorBody.Http(router.Url("/health")).Named("router").Interval(10).Timeout(2).Paused())).Value.Id;
        var child = (await api.CreateMonitorAsync(MonitorBody.Http(app.Url("/health")).Named("app").Interval(10).Timeout(2).Paused()
            .With("depends_on", new System.Text.Json.Nodes.JsonArray(parent)))).Value;
        await Assert.That(child.DependsOn).IsEquivalentTo(new[] { parent });
        foreach (var id in new[] { parent, child.Id }) (await api.LinkMonitorChannelAsync(id, channel, onRecovery: true)).Expect(HttpStatusCode.Created);

        (await api.UpdateMonitorAsync(parent, MonitorBody.Change().Enabled())).Expect(HttpStatusCode.OK);
        await clock.AdvanceUntilAsync(() => Count(server, "SELECT count(*) FROM incidents") == 1, Step, 60);
        (await api.UpdateMonitorAsync(child.Id, MonitorBody.Change().Enabled())).Expect(HttpStatusCode.OK);
        var childKey = server.Scalar<long>($"SELECT id FROM monitors WHERE uid = '{child.Id}'");
        await clock.AdvanceUntilAsync(() => Count(server, $"SELECT count(*) FROM checks WHERE monitor_id = {childKey} AND ok = 0") >= 3, Step, 60);
        await Assert.That(Count(server, $"SELECT count(*) FROM incidents WHERE monitor_id = {childKey}")).IsEqualTo(0L);
        await Assert.That(Count(server, "SELECT count(*) FROM outbox WHERE kind = 'down'")).IsEqualTo(1L);
        var blocked = (await api.GetMonitorAsync(child.Id)).Value;
        await Assert.That(blocked.Status).IsEqualTo(MonitorStatus.Down);
        await Assert.That(blocked.BlockedBy).IsEquivalentTo(new[] { parent });

        // The parent recovers (its recovery is sent); the child still fails, so now it is down for real.
        router.HealthStatus = 200;
        await clock.AdvanceUntilAsync(() => Count(server, $"SELECT count(*) FROM incidents WHERE monitor_id = {childKey}") == 1, Step, 60);
        await Assert.That(Count(server, "SELECT count(*) FROM outbox WHERE kind = 'up'")).IsEqualTo(1L);
        await Assert.That(Count(server, "SELECT count(*) FROM outbox WHERE kind = 'down'")).IsEqualTo(2L);
        await Assert.That((await api.GetMonitorAsync(child.Id)).Value.BlockedBy.Count).IsEqualTo(0);

        app.HealthStatus = 200;
        await clock.AdvanceUntilAsync(() => Count(server, "SELECT count(*) FROM outbox WHERE kind = 'up'") == 2, Step, 60);
        await Assert.That((await api.GetMonitorAsync(child.Id)).Value.Status).IsEqualTo(MonitorStatus.Up);
    }

    [Test]
    public async Task A_dependency_cycle_or_an_unknown_parent_is_refused_by_name_and_nothing_changes()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var a = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Named("a").Paused())).Value.Id;
        var b = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Named("b").Paused().With("depends_on", new System.Text.Json.Nodes.JsonArray(a)))).Value.Id;
        var c = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Named("c").Paused().With("depends_on", new System.Text.Json.Nodes.JsonArray(b)))).Value.Id;

        var cycle = (await api.PatchAsync($"/api/v1/monitors/{a}", $$"""{"depends_on":["{{c}}"]}""")).Expect(HttpStatusCode.BadRequest);
        await Assert.That(cycle.Problem.Errors["depends_on"].Single()).IsEqualTo("would make a cycle: a → c → b → a");
        var self = (await api.PatchAsync($"/api/v1/monitors/{a}", $$"""{"depends_on":["{{a}}"]}""")).Expect(HttpStatusCode.BadRequest);
        await Assert.That(self.HasErrorFor("depends_on")).IsTrue();
        var unknown = (await api.PostAsync("/api/v1/monitors", """
            {"name":"d","enabled":false,"config":{"type":"http","url":"http://127.0.0.1:9/"},"depends_on":["0190aaaa-0000-7000-8000-000000000000"]}
            """)).Expect(HttpStatusCode.BadRequest);
        await Assert.That(unknown.HasErrorFor("depends_on")).IsTrue();
        await Assert.That(Count(server, "SELECT count(*) FROM monitor_dependencies")).IsEqualTo(2L);
        await Assert.That(Count(server, "SELECT count(*) FROM monitors")).IsEqualTo(3L);
    }

    [Test]
    public async Task Tags_filter_the_monitor_list_carry_a_colour_and_target_maintenance()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var db = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/db").Named("db").Paused()
            .With("tags", new System.Text.Json.Nodes.JsonArray("prod", "db")))).Value;
        var web = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/web").Named("web").Paused()
            .With("tags", new System.Text.Json.Nodes.JsonArray("prod")))).Value;
        await Assert.That(db.Tags).IsEquivalentTo(new[] { "db", "prod" });

        var onlyDb = (await api.GetAsync("/api/v1/monitors?tag=db")).Json;
        await Assert.That(onlyDb.GetArrayLength()).IsEqualTo(1);
        await Assert.That(onlyDb[0].GetProperty("id").GetString()).IsEqualTo(db.Id);
        var tags = (await api.GetAsync("/api/v1/tags")).Json;
        await Assert.That(tags.GetArrayLength()).IsEqualTo(2);
        await Assert.That(tags[1].GetProperty("name").GetString()).IsEqualTo("prod");
        await Assert.That(tags[1].GetProperty("monitors").GetInt32()).IsEqualTo(2);
        await Assert.That(tags[1].GetProperty("colour").GetString()).Matches("^#[0-9a-f]{6}$");
        (await api.PatchAsync("/api/v1/tags/prod", """{"colour":"#123ABC"}""")).Expect(HttpStatusCode.OK);
        await Assert.That((await api.GetAsync("/api/v1/tags")).Json[1].GetProperty("colour").GetString()).IsEqualTo("#123abc");
        (await api.PatchAsync("/api/v1/tags/prod", """{"colour":"red"}""")).Expect(HttpStatusCode.BadRequest);
        (await api.PatchAsync("/api/v1/tags/none", """{"colour":"#123abc"}""")).Expect(HttpStatusCode.NotFound);
        (await api.PostAsync("/api/v1/monitors", """{"name":"x","config":{"type":"http","url":"http://127.0.0.1:9/"},"tags":["a,b"]}""")).Expect(HttpStatusCode.BadRequest);

        var window = (await api.PostAsync("/api/v1/maintenance", """
            {"title":"prod","tags":["prod"],"schedule":{"type":"once","start":"2030-01-01T00:00:00Z","end":"2030-01-01T01:00:00Z"}}
            """)).Expect(HttpStatusCode.Created).Json;
        await Assert.That(window.GetProperty("affected_monitors").EnumerateArray().Select(e => e.GetString()!).ToList()).IsEquivalentTo(new[] { db.Id, web.Id });
        await Assert.That(window.GetProperty("active").GetBoolean()).IsFalse();
    }
}
