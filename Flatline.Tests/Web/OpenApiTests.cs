using System.Diagnostics;
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
        using var owner = CookieBrowser.On(server);
        var setupToken = server.Services.GetRequiredService<LocalOwner>().SetupToken!;
        await Sample("SetupOwner", owner.Client.PostJsonAsync("/auth/setup", $$"""{"token":"{{setupToken}}","name":"Docs","password":"correct horse battery"}"""));
        var me = await Sample("GetCurrentUser", owner.Client.GetAsync("/auth/me"));
        await Assert.That(me.GetProperty("sub").GetString()).IsEqualTo("docs");
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
        await Sample("GetConnectivity", client.GetAsync("/api/v1/connectivity"));
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

        // Each check type: a create body as the README writes it fits the documented input (a push body has
        // no token, an assertion on the status no path), and what the server answers fits the documented monitor.
        foreach (var config in new[]
        {
            """{"type":"http","url":"http://127.0.0.1:9/","max_response_ms":800,"assertions":[{"source":"status","op":"lt","value":300},{"source":"json","path":"$.ok","op":"exists"}]}""",
            """{"type":"tcp","host":"127.0.0.1","port":9,"tls":true}""",
            """{"type":"dns","name":"example.test","record_type":"MX","server":"127.0.0.1:5353","expected":["10 mail.example.test"]}""",
            """{"type":"ping","host":"127.0.0.1","count":5,"max_loss_percent":20}""",
            """{"type":"push","grace_seconds":300,"cron":"0 3 * * *","timezone":"Europe/Berlin"}""",
        })
        {
            var body = $$"""{"name":"docs","enabled":false,"config":{{config}}}""";
            samples.Add(new JsonObject { ["operationId"] = "CreateMonitor", ["status"] = "request", ["contentType"] = "application/json", ["body"] = JsonNode.Parse(body) });
            var created = await Sample("CreateMonitor", client.PostJsonAsync("/api/v1/monitors", body));
            await Assert.That(created.GetProperty("id").ValueKind).IsEqualTo(JsonValueKind.String).Because(created.ToString());
        }

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

    /// <summary>The unions of the document, and what is wrong with each for a client generator.</summary>
    static List<(string Path, string Problem)> Unions(JsonElement document, List<string> found)
    {
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var problems = new List<(string, string)>();
        void Walk(JsonElement node, string path)
        {
            if (node.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in node.EnumerateArray()) Walk(item, $"{path}/{i++}");
                return;
            }
            if (node.ValueKind != JsonValueKind.Object) return;
            foreach (var keyword in new[] { "oneOf", "anyOf" })
            {
                if (!node.TryGetProperty(keyword, out var members)) continue;
                found.Add(path);
                var refs = new List<string>();
                foreach (var member in members.EnumerateArray())
                {
                    if (member.EnumerateObject().Count() == 1 && member.TryGetProperty("$ref", out var reference) && reference.GetString() is { } id
                        && id.StartsWith("#/components/schemas/", StringComparison.Ordinal) && schemas.TryGetProperty(id["#/components/schemas/".Length..], out _))
                        refs.Add(id);
                    else problems.Add((path, $"{keyword} member {member} is not a $ref to a named component"));
                }
                if (!node.TryGetProperty("discriminator", out var discriminator) || !discriminator.TryGetProperty("propertyName", out var tag)
                    || !discriminator.TryGetProperty("mapping", out var mapping))
                {
                    problems.Add((path, "no discriminator with a propertyName and a mapping"));
                    continue;
                }
                var mapped = mapping.EnumerateObject().Select(m => m.Value.GetString()!).ToHashSet();
                foreach (var id in refs.Where(r => !mapped.Contains(r))) problems.Add((path, $"the mapping does not name {id}"));
                foreach (var id in mapped.Where(m => !refs.Contains(m))) problems.Add((path, $"the mapping names {id}, which is not a member"));
                // Each member says which tags select it, so that a generator can tell them apart by the tag alone.
                foreach (var entry in mapping.EnumerateObject())
                {
                    var member = schemas.GetProperty(entry.Value.GetString()!["#/components/schemas/".Length..]);
                    var values = new List<string?>();
                    if (member.TryGetProperty("properties", out var properties) && properties.TryGetProperty(tag.GetString()!, out var property))
                    {
                        if (property.TryGetProperty("enum", out var allowed)) values.AddRange(allowed.EnumerateArray().Select(v => v.GetString()));
                        if (property.TryGetProperty("const", out var only)) values.Add(only.GetString());
                    }
                    if (!values.Contains(entry.Name)) problems.Add((path, $"{entry.Value} does not allow {tag} = {entry.Name}"));
                }
            }
            foreach (var property in node.EnumerateObject()) Walk(property.Value, $"{path}/{property.Name}");
        }
        Walk(document, "#");
        return problems;
    }

    [Test]
    public async Task Every_union_in_the_document_is_a_oneOf_of_named_components_with_a_discriminator_that_maps_them_all()
    {
        await using var server = await FlatlineServer.StartAsync();
        var (_, json) = await Document(server);
        var found = new List<string>();
        var problems = Unions(json, found);
        await Assert.That(problems).IsEmpty().Because(string.Join("\n", problems.Select(p => $"{p.Path}: {p.Problem}")));
        await Assert.That(found).Contains("#/components/schemas/ChannelConfig");
        await Assert.That(found).Contains("#/components/schemas/" + OpenApiUnions.StreamEvent);

        var schemas = json.GetProperty("components").GetProperty("schemas");
        var mapping = schemas.GetProperty("ChannelConfig").GetProperty("discriminator").GetProperty("mapping");
        await Assert.That(string.Join(",", mapping.EnumerateObject().Select(m => $"{m.Name}={m.Value.GetString()!.Split('/')[^1]}"))).IsEqualTo(
            "slack=SlackChannelConfig,discord=DiscordChannelConfig,telegram=TelegramChannelConfig,webhook=WebhookChannelConfig," +
            "ntfy=NtfyChannelConfig,gotify=GotifyChannelConfig,pagerduty=PagerdutyChannelConfig,email=EmailChannelConfig,teams=TeamsChannelConfig," +
            "matrix=MatrixChannelConfig,pushover=PushoverChannelConfig,mattermost=MattermostChannelConfig,google_chat=GoogleChatChannelConfig");
        var events = schemas.GetProperty(OpenApiUnions.StreamEvent).GetProperty("discriminator").GetProperty("mapping");
        await Assert.That(string.Join(",", events.EnumerateObject().Select(m => $"{m.Name}={m.Value.GetString()!.Split('/')[^1]}"))).IsEqualTo(
            "check_result=CheckResultEvent,connectivity_changed=ConnectivityEvent,incident_opened=IncidentEvent,incident_resolved=IncidentEvent,maintenance_ended=MaintenanceEvent,maintenance_started=MaintenanceEvent,stats_update=StatsUpdateEvent");
        var stream = json.GetProperty("paths").GetProperty("/api/v1/stats/stream").GetProperty("get").GetProperty("responses").GetProperty("200");
        await Assert.That(stream.GetProperty("content").GetProperty("text/event-stream").GetProperty("schema").GetProperty("$ref").GetString())
            .IsEqualTo("#/components/schemas/" + OpenApiUnions.StreamEvent);
        foreach (var holder in new[] { "NotificationChannel", "ChannelInput" })
            await Assert.That(schemas.GetProperty(holder).GetProperty("properties").GetProperty("config").GetProperty("$ref").GetString())
                .IsEqualTo("#/components/schemas/ChannelConfig");
    }

    [Test]
    public async Task The_walk_finds_what_a_generator_cannot_name()
    {
        using var document = JsonDocument.Parse("""
            {"components":{"schemas":{"A":{"properties":{"t":{"enum":["a"]}}},"B":{"properties":{"t":{"const":"b"}}},
              "Anonymous":{"oneOf":[{"$ref":"#/components/schemas/A"},{"type":"object"}],"discriminator":{"propertyName":"t","mapping":{"a":"#/components/schemas/A"}}},
              "Undiscriminated":{"anyOf":[{"$ref":"#/components/schemas/A"},{"$ref":"#/components/schemas/B"}]},
              "Unmapped":{"oneOf":[{"$ref":"#/components/schemas/A"},{"$ref":"#/components/schemas/B"}],"discriminator":{"propertyName":"t","mapping":{"a":"#/components/schemas/A","b":"#/components/schemas/A"}}},
              "Good":{"oneOf":[{"$ref":"#/components/schemas/A"},{"$ref":"#/components/schemas/B"}],"discriminator":{"propertyName":"t","mapping":{"a":"#/components/schemas/A","b":"#/components/schemas/B"}}},
              "Nullable":{"properties":{"x":{"oneOf":[{"type":"null"},{"$ref":"#/components/schemas/A"}]}}}}}}
            """);
        var problems = Unions(document.RootElement, []).Select(p => $"{p.Path.Split('/')[3]}: {p.Problem}").ToList();
        await Assert.That(problems).IsEquivalentTo(new[]
        {
            "Anonymous: oneOf member {\"type\":\"object\"} is not a $ref to a named component",
            "Undiscriminated: no discriminator with a propertyName and a mapping",
            "Unmapped: the mapping does not name #/components/schemas/B",
            "Unmapped: #/components/schemas/A does not allow t = b",
            "Nullable: oneOf member {\"type\":\"null\"} is not a $ref to a named component",
            "Nullable: no discriminator with a propertyName and a mapping",
        });
    }

    [Test]
    public async Task Each_check_types_config_documents_what_its_validator_allows_and_what_the_server_makes()
    {
        await using var server = await FlatlineServer.StartAsync();
        var (_, json) = await Document(server);
        var schemas = json.GetProperty("components").GetProperty("schemas");
        JsonElement Field(string component, string name) => schemas.GetProperty(component).GetProperty("properties").GetProperty(name);
        static string Values(JsonElement schema, string keyword) => string.Join(",", schema.GetProperty(keyword).EnumerateArray().Select(v => v.ToString()));
        static string Required(JsonElement schema) => string.Join(",", schema.GetProperty("required").EnumerateArray().Select(v => v.GetString()));

        await Assert.That(Values(Field("DnsMonitorConfig", "record_type"), "enum")).IsEqualTo("A,AAAA,CNAME,MX,TXT,NS,SOA,CAA,SRV,PTR");
        await Assert.That(Values(Field("DnsMonitorConfig", "rcode"), "enum")).StartsWith("NOERROR,NXDOMAIN,SERVFAIL,REFUSED");
        await Assert.That((Field("PingMonitorConfig", "count").GetProperty("minimum").GetInt32(), Field("PingMonitorConfig", "count").GetProperty("maximum").GetInt32()))
            .IsEqualTo((1, 10));
        await Assert.That(Field("PingMonitorConfig", "max_loss_percent").GetProperty("maximum").GetInt32()).IsEqualTo(99);
        await Assert.That(Values(Field("HttpAssertion", "source"), "enum")).IsEqualTo("status,header,body,json,response_time");
        await Assert.That(Values(Field("HttpAssertion", "op"), "enum")).IsEqualTo("eq,ne,lt,gt,contains,matches,exists");
        await Assert.That(Required(schemas.GetProperty("HttpAssertion"))).IsEqualTo("source,op");
        // The server makes the push token and URL: read-only, and no body has to carry them.
        foreach (var made in new[] { "token", "push_url" })
        {
            await Assert.That(Field("PushMonitorConfig", made).GetProperty("readOnly").GetBoolean()).IsTrue();
            await Assert.That(Field("PushMonitorConfig", made).GetProperty("type").GetString()).IsEqualTo("string");
        }
        await Assert.That(Required(schemas.GetProperty("PushMonitorConfig"))).IsEqualTo("type");
        await Assert.That(Values(schemas.GetProperty("WebhookPayload").GetProperty("properties").GetProperty("event"), "enum"))
            .Contains("monitor.degraded,monitor.degraded_ended");
    }

    [Test]
    public async Task Kiota_generates_a_csharp_client_with_a_named_model_per_union_member_and_no_discriminator_warning()
    {
        await using var server = await FlatlineServer.StartAsync();
        var (text, _) = await Document(server);
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("openapi.json"), text);
        // The tool comes from .config/dotnet-tools.json, restored by scripts/deps.
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "tool", "run", "kiota", "generate", "-l", "CSharp", "-d", folder.File("openapi.json"), "-o", folder.File("client"),
                     "-n", "Flatline.Client", "-c", "FlatlineClient", "--ll", "Warning" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2))) await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        await Assert.That(process.ExitCode).IsEqualTo(0).Because(output);
        await Assert.That(output).Contains("Generation completed successfully");
        await Assert.That(output).DoesNotContain("does not define a discriminator");
        await Assert.That(output).DoesNotContain("polymorphic");
        var models = Directory.GetFiles(folder.File("client/Models"), "*.cs").Select(Path.GetFileNameWithoutExtension).ToList();
        foreach (var type in NotificationChannelTypes.BuiltIn)
            await Assert.That(models).Contains(OpenApiUnions.ComponentName(type));
        await Assert.That(models.Where(m => m!.Contains("Member", StringComparison.Ordinal))).IsEmpty();
        var union = await File.ReadAllTextAsync(folder.File("client/Models/ChannelConfig.cs"));
        await Assert.That(union).Contains("\"slack\".Equals(mappingValue");
        await Assert.That(union).Contains("result.SlackChannelConfig = new global::Flatline.Client.Models.SlackChannelConfig()");
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
        // A client that takes no gzip gets Scalar's bundle inflated; one that does gets it as embedded.
        var plain = await script.Content.ReadAsStringAsync();
        await Assert.That(plain.Length).IsGreaterThan(1_000_000);
        await Assert.That(plain).Contains("createApiReference");
        await Assert.That(script.Content.Headers.ContentEncoding).IsEmpty();
        using var gzipRequest = new HttpRequestMessage(HttpMethod.Get, "/docs/scalar.js");
        gzipRequest.Headers.AcceptEncoding.ParseAdd("gzip");
        using var gzipped = await client.SendAsync(gzipRequest);
        await Assert.That(gzipped.Content.Headers.ContentEncoding.Single()).IsEqualTo("gzip");
        var compressed = await gzipped.Content.ReadAsByteArrayAsync();
        await Assert.That(compressed.Length).IsLessThan(plain.Length / 2);
        using (var inflate = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress))
        using (var reader = new StreamReader(inflate))
            await Assert.That(await reader.ReadToEndAsync()).IsEqualTo(plain);
        using var again = new HttpRequestMessage(HttpMethod.Get, "/docs/scalar.js");
        again.Headers.IfNoneMatch.Add(gzipped.Headers.ETag!);
        using var notModified = await client.SendAsync(again);
        await Assert.That(notModified.StatusCode).IsEqualTo(HttpStatusCode.NotModified);
        using var icon = await client.GetAsync("/docs/favicon.svg");
        await Assert.That(await icon.Content.ReadAsStringAsync()).Contains("<svg");
        // Everything else keeps the strict policy.
        using var api = await client.GetAsync("/healthz");
        await Assert.That(api.Headers.GetValues("Content-Security-Policy").Single()).DoesNotContain("unsafe-inline");
    }
}
