using System.Net;
using System.Net.Http.Headers;

namespace Flatline.Tests.Foundation;

public class TokenAuthTests
{
    [Test]
    public async Task A_request_without_credentials_gets_a_401_problem()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateAnonymousClient();
        using var response = await client.GetAsync("/api/v1/monitors");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That(response.Content.Headers.ContentType!.MediaType).IsEqualTo("application/problem+json");
        await Assert.That(response.Headers.WwwAuthenticate.ToString()).IsEqualTo("Bearer");
        var problem = await response.ReadJsonAsync();
        await Assert.That(problem.GetProperty("status").GetInt32()).IsEqualTo(401);
    }

    [Test]
    [Arguments("Bearer flt_not-a-real-token")]
    [Arguments("Bearer ")]
    [Arguments("Basic dXNlcjpwYXNz")]
    public async Task An_unknown_or_malformed_token_gets_401(string header)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateAnonymousClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
        using var response = await client.GetAsync("/api/v1/monitors");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_valid_token_lists_monitors_and_is_marked_used()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.GetAsync("/api/v1/monitors");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var body = await response.ReadJsonAsync();
        await Assert.That(body.ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Array);
        var tokens = server.Services.GetService(typeof(ApiTokenStore)) as ApiTokenStore;
        await Assert.That(tokens!.List()[0].LastUsedAt.HasValue).IsTrue();
    }

    [Test]
    public async Task A_token_made_over_the_api_is_shown_once_and_works()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var admin = server.CreateClient();
        using var created = await admin.PostJsonAsync("/api/v1/tokens", """{"name":"deploy script","read_only":true}""");
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var body = await created.ReadJsonAsync();
        var token = body.GetProperty("token").GetString()!;
        var id = body.GetProperty("id").GetString()!;
        await Assert.That(token).StartsWith("flt_");
        await Assert.That(body.GetProperty("read_only").GetBoolean()).IsTrue();
        await Assert.That(created.Headers.Location!.ToString()).IsEqualTo($"/api/v1/tokens/{id}");
        await Assert.That(Guid.Parse(id).Version).IsEqualTo(7);

        using var listed = await admin.GetAsync("/api/v1/tokens");
        var listText = await listed.Content.ReadAsStringAsync();
        await Assert.That(listText).Contains("deploy script");
        await Assert.That(listText).DoesNotContain(token);
        await Assert.That(listText).DoesNotContain("\"token\"");

        using var script = server.CreateAnonymousClient();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var ok = await script.GetAsync("/api/v1/monitors");
        await Assert.That(ok.StatusCode).IsEqualTo(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_revoked_token_stops_working_at_once()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var admin = server.CreateClient();
        var body = await (await admin.PostJsonAsync("/api/v1/tokens", """{"name":"temp"}""")).ReadJsonAsync();
        using var script = server.CreateAnonymousClient();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("token").GetString());
        await Assert.That((await script.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.OK);

        using var revoked = await admin.DeleteAsync($"/api/v1/tokens/{body.GetProperty("id").GetString()}");
        await Assert.That(revoked.StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        await Assert.That((await script.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);

        using var again = await admin.DeleteAsync($"/api/v1/tokens/{body.GetProperty("id").GetString()}");
        await Assert.That(again.StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_read_only_token_reads_but_cannot_write()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var reader = server.CreateClient(readOnly: true);
        await Assert.That((await reader.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That((await reader.GetAsync("/api/v1/tokens")).StatusCode).IsEqualTo(HttpStatusCode.OK);

        using var write = await reader.PostJsonAsync("/api/v1/tokens", """{"name":"escalate"}""");
        await Assert.That(write.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        var problem = await write.ReadJsonAsync();
        await Assert.That(problem.GetProperty("detail").GetString()).IsEqualTo("this API token is read-only");
        var store = (ApiTokenStore)server.Services.GetService(typeof(ApiTokenStore))!;
        await Assert.That(store.List().Count).IsEqualTo(1);

        using var delete = await reader.DeleteAsync($"/api/v1/tokens/{store.List()[0].Id}");
        await Assert.That(delete.StatusCode).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(store.List().Count).IsEqualTo(1);
    }

    [Test]
    [Arguments("""{}""")]
    [Arguments("""{"name":"   "}""")]
    [Arguments("""{"name":null}""")]
    public async Task A_token_without_a_name_is_refused_and_nothing_is_stored(string json)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var admin = server.CreateClient();
        using var response = await admin.PostJsonAsync("/api/v1/tokens", json);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        await Assert.That(problem.GetProperty("errors").TryGetProperty("name", out _)).IsTrue();
        var store = (ApiTokenStore)server.Services.GetService(typeof(ApiTokenStore))!;
        await Assert.That(store.List().Count).IsEqualTo(1);
    }
}
