using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Foundation;

/// <summary>Bearer tokens. Tests that use only tokens of their own share one server; those that
/// count every token the server holds have a server each.</summary>
[ClassDataSource<SharedFlatlineServer>(Shared = SharedType.PerClass)]
public class TokenAuthTests(SharedFlatlineServer shared)
{
    FlatlineServer Server => shared.Server;

    static ApiTokenStore Tokens(FlatlineServer server) => server.Services.GetRequiredService<ApiTokenStore>();

    [Test]
    public async Task A_request_without_credentials_gets_a_401_problem()
    {
        using var api = Server.CreateAnonymousApiClient();
        var response = await api.ListMonitorsAsync();
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.Unauthorized);
        await Assert.That(response.MediaType).IsEqualTo("application/problem+json");
        await Assert.That(response.Response.Headers.WwwAuthenticate.ToString()).IsEqualTo("Bearer");
        await Assert.That(response.Problem.Status).IsEqualTo(401);
    }

    [Test]
    [Arguments("Bearer flt_not-a-real-token")]
    [Arguments("Bearer ")]
    [Arguments("Basic dXNlcjpwYXNz")]
    public async Task An_unknown_or_malformed_token_gets_401(string header)
    {
        using var api = Server.CreateAnonymousApiClient();
        api.Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
        await Assert.That((await api.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_valid_token_lists_monitors_and_is_marked_used()
    {
        using var api = Server.CreateApiClient();
        var response = await api.ListMonitorsAsync();
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(response.Json.ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Array);
        await Assert.That(Tokens(Server).List().Single(t => t.Id == api.TokenId).LastUsedAt.HasValue).IsTrue();
    }

    [Test]
    public async Task A_token_made_over_the_api_is_shown_once_and_works()
    {
        using var admin = Server.CreateApiClient();
        var created = await admin.CreateApiTokenAsync("deploy script", readOnly: true);
        await Assert.That(created.Status).IsEqualTo(HttpStatusCode.Created);
        var token = created.Value;
        await Assert.That(token.Token).StartsWith("flt_");
        await Assert.That(token.ReadOnly).IsTrue();
        await Assert.That(created.Location!.ToString()).IsEqualTo($"/api/v1/tokens/{token.Id}");
        await Assert.That(Guid.Parse(token.Id).Version).IsEqualTo(7);

        var listText = (await admin.ListApiTokensAsync()).Text;
        await Assert.That(listText).Contains("deploy script");
        await Assert.That(listText).DoesNotContain(token.Token);
        await Assert.That(listText).DoesNotContain("\"token\"");

        using var script = new FlatlineClient(Server.BaseAddress, token.Token);
        await Assert.That((await script.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_revoked_token_stops_working_at_once()
    {
        using var admin = Server.CreateApiClient();
        var token = (await admin.CreateApiTokenAsync("temp")).Value;
        using var script = new FlatlineClient(Server.BaseAddress, token.Token);
        await Assert.That((await script.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.OK);

        await Assert.That((await admin.RevokeApiTokenAsync(token.Id)).Status).IsEqualTo(HttpStatusCode.NoContent);
        await Assert.That((await script.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.Unauthorized);

        await Assert.That((await admin.RevokeApiTokenAsync(token.Id)).Status).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task A_read_only_token_reads_but_cannot_write()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var reader = server.CreateApiClient(readOnly: true);
        await Assert.That((await reader.ListMonitorsAsync()).Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That((await reader.ListApiTokensAsync()).Status).IsEqualTo(HttpStatusCode.OK);

        var write = await reader.CreateApiTokenAsync("escalate");
        await Assert.That(write.Status).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(write.Problem.Detail).IsEqualTo("this API token is read-only");
        await Assert.That(Tokens(server).List().Count).IsEqualTo(1);

        var delete = await reader.RevokeApiTokenAsync(Tokens(server).List()[0].Id);
        await Assert.That(delete.Status).IsEqualTo(HttpStatusCode.Forbidden);
        await Assert.That(Tokens(server).List().Count).IsEqualTo(1);
    }

    [Test]
    [Arguments("""{}""")]
    [Arguments("""{"name":"   "}""")]
    [Arguments("""{"name":null}""")]
    public async Task A_token_without_a_name_is_refused_and_nothing_is_stored(string json)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var admin = server.CreateApiClient();
        var response = await admin.PostAsync("/api/v1/tokens", json);
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(response.HasErrorFor("name")).IsTrue();
        await Assert.That(Tokens(server).List().Count).IsEqualTo(1);
    }
}
