using System.Net;

namespace Flatline.Tests.Foundation;

/// <summary>Conventions every route keeps. No test here changes what the server holds, so they share one.</summary>
[ClassDataSource<SharedFlatlineServer>(Shared = SharedType.PerClass)]
public class ApiConventionTests(SharedFlatlineServer shared)
{
    FlatlineServer Server => shared.Server;

    [Test]
    public async Task Healthz_is_public_and_says_ok()
    {
        using var api = Server.CreateAnonymousApiClient();
        var health = await api.GetHealthAsync();
        await Assert.That(health.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(health.Text).IsEqualTo("""{"status":"ok"}""");
    }

    [Test]
    [Arguments("/api/v1/nothing-here")]
    [Arguments("/api/v2/monitors")]
    [Arguments("/api/v1/monitors/x/y/z")]
    public async Task Unknown_api_paths_get_a_404_problem_not_the_page(string path)
    {
        using var api = Server.CreateApiClient();
        var response = await api.GetAsync(path);
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(response.MediaType).IsEqualTo("application/problem+json");
    }

    [Test]
    public async Task Malformed_json_gets_a_400_problem()
    {
        using var api = Server.CreateApiClient();
        var response = await api.PostAsync("/api/v1/tokens", "{name: 'x'}");
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(response.Problem.Errors["body"][0]).IsEqualTo("the request body is not valid JSON");

        var truncated = await api.PostAsync("/api/v1/tokens", "{\"name\": ");
        await Assert.That(truncated.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(truncated.MediaType).IsEqualTo("application/problem+json");
    }

    [Test]
    public async Task A_wrong_json_type_names_the_field()
    {
        using var api = Server.CreateApiClient();
        var response = await api.PostAsync("/api/v1/tokens", """{"name":"x","read_only":"yes"}""");
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(response.HasErrorFor("read_only")).IsTrue();
    }

    [Test]
    public async Task A_body_over_one_mebibyte_gets_413()
    {
        using var api = Server.CreateApiClient();
        var name = new string('a', 1024 * 1024 + 10);
        var response = await api.PostAsync("/api/v1/tokens", $"{{\"name\":\"{name}\"}}");
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.RequestEntityTooLarge);
    }

    [Test]
    public async Task A_write_with_the_wrong_content_type_gets_415()
    {
        using var api = Server.CreateApiClient();
        var response = await api.SendAsync(HttpMethod.Post, "/api/v1/tokens", """{"name":"x"}""", "text/plain");
        await Assert.That(response.Status).IsEqualTo(HttpStatusCode.UnsupportedMediaType);
    }

    [Test]
    public async Task Every_response_carries_the_security_headers()
    {
        using var api = Server.CreateAnonymousApiClient();
        foreach (var path in new[] { "/healthz", "/", "/api/v1/monitors" })
        {
            var headers = (await api.GetAsync(path)).Response.Headers;
            var csp = headers.GetValues("Content-Security-Policy").Single();
            await Assert.That(csp).Contains("frame-ancestors 'none'");
            await Assert.That(csp).Contains("script-src 'self'");
            await Assert.That(csp).DoesNotContain("unsafe-inline");
            await Assert.That(headers.GetValues("X-Content-Type-Options").Single()).IsEqualTo("nosniff");
            await Assert.That(headers.GetValues("Referrer-Policy").Single()).IsEqualTo("no-referrer");
        }
    }

    [Test]
    public async Task The_embedded_page_is_served_for_client_routes_with_hashed_immutable_assets()
    {
        // Without decompression, to see which precompressed variant is served.
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = Server.BaseAddress };
        using var page = await client.GetAsync("/monitors/some-id");
        await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(page.Content.Headers.ContentType!.MediaType).IsEqualTo("text/html");
        await Assert.That(page.Headers.CacheControl!.NoCache).IsTrue();
        var html = await page.Content.ReadAsStringAsync();
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/assets/main-[A-Z0-9]+\\.js)\"").Groups[1].Value;
        await Assert.That(script).IsNotEmpty();

        using var request = new HttpRequestMessage(HttpMethod.Get, script);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, br");
        using var asset = await client.SendAsync(request);
        await Assert.That(asset.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(asset.Content.Headers.ContentEncoding.Single()).IsEqualTo("br");
        await Assert.That(asset.Headers.CacheControl!.ToString()).Contains("immutable");

        using var missing = await client.GetAsync("/assets/nothing-ABC.js");
        await Assert.That(missing.StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }
}
