using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Locations;

/// <summary>Locations on the main node (SPEC §16): made with a token shown once and kept hashed, listed with
/// the main node, refused everywhere else when an agent's token is presented, and named by monitors.</summary>
public class LocationApiTests
{
    const string Url = "http://127.0.0.1:9/";

    static async Task<JsonElement> CreateLocation(FlatlineClient api, string name)
    {
        var created = await api.PostAsync("/api/v1/locations", $$$"""{"name":"{{{name}}}"}""");
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created).Because(created.Text);
        return created.Json;
    }

    [Test]
    public async Task A_location_is_made_with_its_token_once_and_listed_after_the_main_node()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var created = await CreateLocation(api, "eu-west");
        var token = created.GetProperty("token").GetString()!;
        await Assert.That(token).StartsWith("fla_");
        await Assert.That(created.GetProperty("name").GetString()).IsEqualTo("eu-west");
        await Assert.That(Guid.Parse(created.GetProperty("id").GetString()!).Version).IsEqualTo(7);

        var list = await api.GetAsync("/api/v1/locations");
        await Assert.That(list.Status).IsEqualTo(HttpStatusCode.OK);
        var items = list.Json.EnumerateArray().ToList();
        await Assert.That(items.Select(i => i.GetProperty("name").GetString()!).ToList()).IsEquivalentTo(["local", "eu-west"]);
        await Assert.That(items[0].GetProperty("status").GetString()).IsEqualTo("online");
        await Assert.That(items[1].GetProperty("status").GetString()).IsEqualTo("offline");
        await Assert.That(items[1].GetProperty("last_seen_at").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(list.Text).DoesNotContain(token);
        await Assert.That(list.Text).DoesNotContain("token");

        // Only a SHA-256 hash is stored: the token's text is nowhere in the row.
        var stored = server.Scalar<byte[]>("SELECT token_hash FROM locations");
        await Assert.That(stored.Length).IsEqualTo(32);
        await Assert.That(stored).IsEquivalentTo(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        await Assert.That(server.Scalar<long>($"SELECT count(*) FROM locations WHERE CAST(token_hash AS TEXT) LIKE '%{token[4..14]}%'")).IsEqualTo(0);
    }

    [Test]
    [Arguments("""{"name":"local"}""")]
    [Arguments("""{"name":"EU"}""")]
    [Arguments("""{"name":"-eu"}""")]
    [Arguments("""{"name":""}""")]
    [Arguments("""{}""")]
    [Arguments("""{"name":"a-name-that-is-much-longer-than-32-chars"}""")]
    public async Task A_bad_location_name_is_a_400_naming_the_field(string body)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var response = await api.PostAsync("/api/v1/locations", body);
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(response.Problem.Errors.Keys).IsEquivalentTo(["name"]);
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM locations")).IsEqualTo(0);
    }

    [Test]
    public async Task A_taken_name_is_a_400_and_the_first_token_keeps_working()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var first = await CreateLocation(api, "eu");
        var again = await api.PostAsync("/api/v1/locations", """{"name":"eu"}""");
        await Assert.That(again.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(again.Problem.Errors.Keys).IsEquivalentTo(["name"]);
        var registry = server.Services.GetRequiredService<LocationRegistry>();
        await Assert.That(registry.Authenticate(first.GetProperty("token").GetString()!)?.Name).IsEqualTo("eu");
    }

    [Test]
    public async Task An_agent_token_is_refused_with_403_on_every_owner_route()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var token = (await CreateLocation(api, "eu")).GetProperty("token").GetString()!;
        var monitor = await api.CreateMonitorAsync(MonitorBody.Http(Url));
        using var agent = new FlatlineClient(server.BaseAddress, token);
        foreach (var (method, path, body) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Get, "/api/v1/monitors", null),
            (HttpMethod.Get, $"/api/v1/monitors/{monitor.Value.Id}", null),
            (HttpMethod.Get, "/api/v1/notification-channels", null),
            (HttpMethod.Get, "/api/v1/locations", null),
            (HttpMethod.Post, "/api/v1/locations", """{"name":"mine"}"""),
            (HttpMethod.Post, "/api/v1/monitors", $$$"""{"name":"x","config":{"type":"http","url":"{{{Url}}}"}}"""),
            (HttpMethod.Delete, $"/api/v1/monitors/{monitor.Value.Id}", null),
            (HttpMethod.Post, "/api/v1/tokens", """{"name":"escalate"}"""),
            (HttpMethod.Get, "/api/v1/stats", null),
        })
        {
            var response = await agent.SendAsync(method, path, body);
            await Assert.That(response.Status).IsEqualTo(HttpStatusCode.Forbidden).Because($"{method} {path}");
            await Assert.That(response.Text).DoesNotContain("\"config\"");
        }
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM monitors")).IsEqualTo(1);
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM locations")).IsEqualTo(1);

        using var stranger = new FlatlineClient(server.BaseAddress, "fla_" + new string('x', 43));
        await Assert.That((await stranger.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_location_a_monitor_lists_cannot_be_deleted_and_a_deleted_one_loses_its_token()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var eu = await CreateLocation(api, "eu");
        var monitor = await api.PostAsync("/api/v1/monitors", $$$"""{"name":"m","locations":["local","eu"],"config":{"type":"http","url":"{{{Url}}}"}}""");
        await Assert.That(monitor.Status).IsEqualTo(HttpStatusCode.Created);

        var refused = await api.DeleteAsync($"/api/v1/locations/{eu.GetProperty("id").GetString()}");
        await Assert.That(refused.Status).IsEqualTo(HttpStatusCode.Conflict);
        await Assert.That((await api.DeleteAsync("/api/v1/locations/local")).Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await api.DeleteAsync("/api/v1/locations/nowhere")).Status).IsEqualTo(HttpStatusCode.NotFound);

        var id = monitor.Json.GetProperty("id").GetString();
        await Assert.That((await api.PatchAsync($"/api/v1/monitors/{id}", """{"locations":["local"]}""")).Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That((await api.DeleteAsync("/api/v1/locations/eu")).Status).IsEqualTo(HttpStatusCode.NoContent);
        var registry = server.Services.GetRequiredService<LocationRegistry>();
        await Assert.That(registry.Authenticate(eu.GetProperty("token").GetString()!)).IsNull();
    }

    [Test]
    public async Task A_monitor_keeps_its_locations_and_quorum_and_defaults_to_local_by_majority()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        await CreateLocation(api, "eu");
        await CreateLocation(api, "us");
        var plain = await api.PostAsync("/api/v1/monitors", $$$"""{"name":"plain","config":{"type":"http","url":"{{{Url}}}"}}""");
        await Assert.That(plain.Json.GetProperty("locations").EnumerateArray().Select(e => e.GetString()!).ToList()).IsEquivalentTo(["local"]);
        await Assert.That(plain.Json.GetProperty("quorum").GetString()).IsEqualTo("majority");

        var spread = await api.PostAsync("/api/v1/monitors", $$$"""{"name":"spread","locations":["local","eu","us"],"quorum":2,"config":{"type":"http","url":"{{{Url}}}"}}""");
        await Assert.That(spread.Status).IsEqualTo(HttpStatusCode.Created);
        var id = spread.Json.GetProperty("id").GetString();
        var read = await api.GetAsync($"/api/v1/monitors/{id}");
        await Assert.That(read.Json.GetProperty("locations").EnumerateArray().Select(e => e.GetString()!).ToList()).IsEquivalentTo(["local", "eu", "us"]);
        await Assert.That(read.Json.GetProperty("quorum").GetInt32()).IsEqualTo(2);

        var changed = await api.PatchAsync($"/api/v1/monitors/{id}", """{"quorum":"all"}""");
        await Assert.That(changed.Json.GetProperty("quorum").GetString()).IsEqualTo("all");
        await Assert.That(changed.Json.GetProperty("locations").GetArrayLength()).IsEqualTo(3);
    }

    [Test]
    [Arguments("""{"locations":["local","mars"]}""", "locations")]
    [Arguments("""{"locations":[]}""", "locations")]
    [Arguments("""{"locations":"eu"}""", "locations")]
    [Arguments("""{"locations":["EU!"]}""", "locations")]
    [Arguments("""{"locations":["local","eu"],"quorum":3}""", "quorum")]
    [Arguments("""{"quorum":2}""", "quorum")]
    [Arguments("""{"quorum":0}""", "quorum")]
    [Arguments("""{"quorum":"most"}""", "quorum")]
    [Arguments("""{"quorum":"2"}""", "quorum")]
    [Arguments("""{"quorum":1.5}""", "quorum")]
    public async Task Bad_locations_or_quorum_are_a_400_naming_the_field_and_store_nothing(string extra, string field)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        await CreateLocation(api, "eu");
        var body = extra[..^1] + $$$""","name":"m","config":{"type":"http","url":"{{{Url}}}"}}""";
        var response = await api.PostAsync("/api/v1/monitors", body);
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(response.Problem.Errors.Keys).IsEquivalentTo([field]);
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM monitors")).IsEqualTo(0);
    }

    [Test]
    public async Task A_push_monitor_is_the_main_nodes_alone()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        await CreateLocation(api, "eu");
        var response = await api.PostAsync("/api/v1/monitors", """{"name":"cron","locations":["eu"],"config":{"type":"push"}}""");
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(response.Problem.Errors["locations"][0]).Contains("push");
    }
}
