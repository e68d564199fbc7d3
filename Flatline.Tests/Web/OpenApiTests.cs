using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Web;

/// <summary>The OpenAPI document tells the whole truth: it is valid, names every route, and the
/// real responses fit the schemas it gives.</summary>
public class OpenApiTests
{
    static async Task<(string Text, JsonElement Json)> Document(FlatlineServer server)
    {
        using var client = server.CreateAnonymousClient();
        var text = await client.GetStringAsync("/openapi/v1.json");
        using var document = JsonDocument.Parse(text);
        return (text, document.RootElement.Clone());
    }

    [Test]
    public async Task The_document_is_valid_openapi_and_follows_the_executables_version()
    {
        await using var server = await FlatlineServer.StartAsync();
        var (text, json) = await Document(server);
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("openapi.json"), text);
        var result = await Repository.NodeAsync("Flatline.Tests/Fixtures/openapi/validate.mjs", folder.File("openapi.json"));
        await Assert.That(result.ExitCode).IsEqualTo(0).Because(result.Stdout + result.Stderr);
        await Assert.That(result.Stdout).Contains("\"valid\":true");
        await Assert.That(json.GetProperty("openapi").GetString()).StartsWith("3.1");
        await Assert.That(json.GetProperty("info").GetProperty("version").GetString()).IsEqualTo(FlatlineApp.Version);
        var schemes = json.GetProperty("components").GetProperty("securitySchemes");
        await Assert.That(schemes.GetProperty("session").GetProperty("in").GetString()).IsEqualTo("cookie");
        await Assert.That(schemes.GetProperty("bearer").GetProperty("scheme").GetString()).IsEqualTo("bearer");
        await Assert.That(json.GetProperty("webhooks").GetProperty("monitor-event").GetProperty("post").GetProperty("requestBody").GetRawText()).Contains("WebhookPayload");
    }

    [Test]
    public async Task Every_route_of_the_running_app_is_in_the_document_with_its_problems()
    {
        await using var server = await FlatlineServer.StartAsync();
        var (_, json) = await Document(server);
        var paths = json.GetProperty("paths");
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var checkedRoutes = 0;
        foreach (var endpoint in endpoints)
        {
            // A group's "/" route is written with a trailing slash; the document drops it.
            var route = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [];
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true)
            {
                // Only the page fallback and the docs themselves stay out of the document.
                await Assert.That(route is "/{**path}" || route.StartsWith("/docs", StringComparison.Ordinal) || route.Contains("openapi", StringComparison.Ordinal)).IsTrue().Because(route);
                continue;
            }
            foreach (var method in methods)
            {
                await Assert.That(paths.TryGetProperty(route, out var item)).IsTrue().Because($"{method} {route} is missing");
                await Assert.That(item.TryGetProperty(method.ToLowerInvariant(), out var operation)).IsTrue().Because($"{method} {route} is missing");
                var responses = operation.GetProperty("responses");
                if (route.StartsWith("/api/v1", StringComparison.Ordinal))
                {
                    await Assert.That(responses.TryGetProperty("401", out _)).IsTrue().Because($"{method} {route} lacks 401");
                    await Assert.That(operation.GetProperty("security").GetArrayLength()).IsEqualTo(2);
                }
                if (route.Contains("{id}", StringComparison.Ordinal))
                    await Assert.That(responses.TryGetProperty("404", out _)).IsTrue().Because($"{method} {route} lacks 404");
                if (operation.TryGetProperty("requestBody", out _))
                    await Assert.That(responses.GetProperty("400").GetRawText()).Contains("HttpValidationProblemDetails");
                checkedRoutes++;
            }
        }
        await Assert.That(checkedRoutes).IsGreaterThanOrEqualTo(30);
    }

    [Test]
    public async Task Real_responses_fit_the_documented_schemas()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var anonymous = server.CreateAnonymousClient();
        var samples = new JsonArray();

        async Task<JsonElement> Sample(string operationId, Task<HttpResponseMessage> call)
        {
            using var response = await call;
            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length == 0 ? null : JsonNode.Parse(text);
            samples.Add(new JsonObject
            {
                ["operationId"] = operationId,
                ["status"] = (int)response.StatusCode,
                ["contentType"] = response.Content.Headers.ContentType?.MediaType,
                ["body"] = body,
            });
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }

        await Sample("GetHealth", anonymous.GetAsync("/healthz"));
        await Sample("GetAuthConfig", anonymous.GetAsync("/auth/config"));
        await Sample("GetCurrentUser", anonymous.GetAsync("/auth/me"));
        await Sample("ListMonitors", anonymous.GetAsync("/api/v1/monitors"));
        await Sample("CreateApiToken", client.PostJsonAsync("/api/v1/tokens", """{"name":"docs"}"""));
        await Sample("ListApiTokens", client.GetAsync("/api/v1/tokens"));
        var monitor = await Sample("CreateMonitor", client.PostJsonAsync("/api/v1/monitors",
            """{"name":"docs","enabled":false,"config":{"type":"http","url":"http://127.0.0.1:9/","headers":{"X-A":"b"},"body":{"type":"json","content":{"a":1}}}}"""));
        var id = monitor.GetProperty("id").GetString();
        await Sample("CreateMonitor", client.PostJsonAsync("/api/v1/monitors", """{"name":"","config":{"type":"http","url":"nope"}}"""));
        await Sample("GetMonitor", client.GetAsync($"/api/v1/monitors/{id}"));
        await Sample("GetMonitor", client.GetAsync($"/api/v1/monitors/{Guid.CreateVersion7()}"));
        await Sample("UpdateMonitor", client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"name":"renamed"}"""));
        await Sample("ListMonitors", client.GetAsync("/api/v1/monitors"));
        await Sample("ListChecks", client.GetAsync($"/api/v1/monitors/{id}/checks"));
        await Sample("ListIncidents", client.GetAsync($"/api/v1/monitors/{id}/incidents"));
        await Sample("ListChecks", client.GetAsync($"/api/v1/monitors/{id}/checks?limit=0"));
        await Sample("GetMonitorStats", client.GetAsync($"/api/v1/monitors/{id}/stats"));
        await Sample("GetAllStats", client.GetAsync("/api/v1/stats"));
        await Sample("GetMonitorUptime", client.GetAsync($"/api/v1/monitors/{id}/uptime?days=3"));
        await Sample("GetMonitorLatency", client.GetAsync($"/api/v1/monitors/{id}/latency"));
        var channel = await Sample("CreateNotificationChannel", client.PostJsonAsync("/api/v1/notification-channels",
            $$$"""{"name":"hook","config":{"type":"webhook","url":"{{{receiver.Url("/hook")}}}","secret":"a-long-enough-secret"}}"""));
        var channelId = channel.GetProperty("id").GetString();
        await Sample("CreateNotificationChannel", client.PostJsonAsync("/api/v1/notification-channels",
            """{"name":"tg","config":{"type":"telegram","url":"https://api.telegram.org/bot1:A","chat_id":"5"}}"""));
        await Sample("ListNotificationChannels", client.GetAsync("/api/v1/notification-channels"));
        await Sample("LinkMonitorChannel", client.PostJsonAsync($"/api/v1/monitors/{id}/notification-channels", $$"""{"channel_id":"{{channelId}}"}"""));
        await Sample("LinkMonitorChannel", client.PostJsonAsync($"/api/v1/monitors/{id}/notification-channels", $$"""{"channel_id":"{{channelId}}"}"""));
        await Sample("ListMonitorChannels", client.GetAsync($"/api/v1/monitors/{id}/notification-channels"));
        await Sample("TestNotificationChannel", client.PostAsync($"/api/v1/notification-channels/{channelId}/test", null));
        await Sample("ListDeliveries", client.GetAsync($"/api/v1/notification-channels/{channelId}/deliveries"));
        await Assert.That(receiver.Requests.Count).IsEqualTo(1);

        // The webhook the receiver got fits the documented payload too.
        samples.Add(new JsonObject { ["operationId"] = "WebhookMonitorEvent", ["status"] = 0, ["contentType"] = "application/json", ["body"] = JsonNode.Parse(receiver.Requests[0].BodyText) });
        // The SSE messages fit the stream's schema.
        await using (var stream = await EventStream.OpenAsync(client))
        {
            var snapshot = (await stream.NextAsync(TimeSpan.FromSeconds(5)))!.Value;
            samples.Add(new JsonObject { ["operationId"] = "StreamEvents", ["status"] = 200, ["contentType"] = "text/event-stream", ["body"] = JsonNode.Parse(snapshot.GetRawText()) });
        }

        using var folder = new TempFolder();
        var (text, _) = await Document(server);
        var document = JsonNode.Parse(text)!;
        // The webhook lives under "webhooks"; list it with the paths so the checker finds it.
        document["paths"]!["/__webhook"] = document["webhooks"]!["monitor-event"]!.DeepClone();
        document["paths"]!["/__webhook"]!["post"]!["responses"]!["0"] = new JsonObject
        {
            ["description"] = "the request body",
            ["content"] = document["webhooks"]!["monitor-event"]!["post"]!["requestBody"]!["content"]!.DeepClone(),
        };
        await File.WriteAllTextAsync(folder.File("openapi.json"), document.ToJsonString());
        await File.WriteAllTextAsync(folder.File("samples.json"), samples.ToJsonString());
        var result = await Repository.NodeAsync("Flatline.Tests/Fixtures/openapi/check-responses.mjs", folder.File("openapi.json"), folder.File("samples.json"));
        await Assert.That(result.ExitCode).IsEqualTo(0).Because(result.Stdout + result.Stderr);
        await Assert.That(result.Stdout).Contains($"\"checked\":{samples.Count}");
    }

    [Test]
    public async Task The_docs_page_is_served_locally_with_its_own_policy()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateAnonymousClient();
        using var page = await client.GetAsync("/docs/");
        await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        await Assert.That(html).DoesNotContain("http://");
        await Assert.That(html).DoesNotContain("https://");
        await Assert.That(html).Contains("\"withDefaultFonts\":false");
        await Assert.That(page.Headers.GetValues("Content-Security-Policy").Single()).Contains("script-src 'self' 'unsafe-inline'");
        using var script = await client.GetAsync("/docs/scalar.js");
        await Assert.That(script.StatusCode).IsEqualTo(HttpStatusCode.OK);
        // Everything else keeps the strict policy.
        using var api = await client.GetAsync("/healthz");
        await Assert.That(api.Headers.GetValues("Content-Security-Policy").Single()).DoesNotContain("unsafe-inline");
    }
}
