using System.Net;

namespace Flatline.Tests.Foundation;

public class ApiConventionTests
{
    [Test]
    public async Task Healthz_is_public_and_says_ok()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateAnonymousClient();
        using var response = await client.GetAsync("/healthz");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(await response.Content.ReadAsStringAsync()).IsEqualTo("""{"status":"ok"}""");
    }

    [Test]
    [Arguments("/api/v1/nothing-here")]
    [Arguments("/api/v2/monitors")]
    [Arguments("/api/v1/monitors/x/y/z")]
    public async Task Unknown_api_paths_get_a_404_problem_not_the_page(string path)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.GetAsync(path);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That(response.Content.Headers.ContentType!.MediaType).IsEqualTo("application/problem+json");
    }

    [Test]
    public async Task Malformed_json_gets_a_400_problem()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.PostJsonAsync("/api/v1/tokens", "{name: 'x'}");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        await Assert.That(problem.GetProperty("errors").GetProperty("body")[0].GetString()).IsEqualTo("the request body is not valid JSON");

        using var truncated = await client.PostJsonAsync("/api/v1/tokens", "{\"name\": ");
        await Assert.That(truncated.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(truncated.Content.Headers.ContentType!.MediaType).IsEqualTo("application/problem+json");
    }

    [Test]
    public async Task A_wrong_json_type_names_the_field()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.PostJsonAsync("/api/v1/tokens", """{"name":"x","read_only":"yes"}""");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        await Assert.That(problem.GetProperty("errors").TryGetProperty("read_only", out _)).IsTrue();
    }

    [Test]
    public async Task A_body_over_one_mebibyte_gets_413()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var name = new string('a', 1024 * 1024 + 10);
        using var response = await client.PostJsonAsync("/api/v1/tokens", $"{{\"name\":\"{name}\"}}");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.RequestEntityTooLarge);
    }

    [Test]
    public async Task A_write_with_the_wrong_content_type_gets_415()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.PostAsync("/api/v1/tokens", new StringContent("""{"name":"x"}""", System.Text.Encoding.UTF8, "text/plain"));
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.UnsupportedMediaType);
    }

    [Test]
    public async Task Every_response_carries_the_security_headers()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateAnonymousClient();
        foreach (var path in new[] { "/healthz", "/", "/api/v1/monitors" })
        {
            using var response = await client.GetAsync(path);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            await Assert.That(csp).Contains("frame-ancestors 'none'");
            await Assert.That(csp).Contains("script-src 'self'");
            await Assert.That(csp).DoesNotContain("unsafe-inline");
            await Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single()).IsEqualTo("nosniff");
            await Assert.That(response.Headers.GetValues("Referrer-Policy").Single()).IsEqualTo("no-referrer");
        }
    }

    [Test]
    public async Task The_embedded_page_is_served_for_client_routes_with_hashed_immutable_assets()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = server.BaseAddress };
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
