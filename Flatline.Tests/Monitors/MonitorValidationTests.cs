using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Monitors;

/// <summary>Every rule of SPEC §4, through the real API: a 400 problem naming the field, and nothing stored.</summary>
public class MonitorValidationTests
{
    const string Url = "http://127.0.0.1:9/";

    static string Monitor(string config = $$"""{"type":"http","url":"{{Url}}"}""", string extra = "") =>
        "{\"name\":\"api\"" + extra + ",\"config\":" + config + "}";

    public static IEnumerable<Func<(string Body, string Field)>> InvalidBodies()
    {
        yield return () => ("""{"config":{"type":"http","url":"http://a.example/"}}""", "name");
        yield return () => ("""{"name":"   ","config":{"type":"http","url":"http://a.example/"}}""", "name");
        yield return () => ($$$"""{"name":"{{{new string('n', 201)}}}","config":{"type":"http","url":"http://a.example/"}}""", "name");
        yield return () => ("""{"name":42,"config":{"type":"http","url":"http://a.example/"}}""", "name");
        yield return () => ("""{"name":"api"}""", "config");
        yield return () => ("""{"name":"api","config":"http://a.example/"}""", "config");
        yield return () => (Monitor("""{"url":"http://a.example/"}"""), "config.type");
        yield return () => (Monitor("""{"type":"smtp","url":"http://a.example/"}"""), "config.type");
        yield return () => (Monitor("""{"type":"http"}"""), "config.url");
        yield return () => (Monitor("""{"type":"http","url":"a.example/health"}"""), "config.url");
        yield return () => (Monitor("""{"type":"http","url":"ftp://a.example/"}"""), "config.url");
        yield return () => (Monitor("""{"type":"http","url":"http:///path"}"""), "config.url");
        yield return () => (Monitor("""{"type":"http","url":"http://user:pw@a.example/"}"""), "config.url");
        yield return () => (Monitor($$"""{"type":"http","url":"http://a.example/{{new string('p', 2040)}}"}"""), "config.url");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","method":"FETCH"}"""), "config.method");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","method":7}"""), "config.method");
        yield return () => (Monitor(extra: ""","interval":9"""), "interval");
        yield return () => (Monitor(extra: ""","interval":86401"""), "interval");
        yield return () => (Monitor(extra: ""","interval":60.5"""), "interval");
        yield return () => (Monitor(extra: ",\"interval\":\"60\""), "interval");
        yield return () => (Monitor(extra: ""","timeout":0"""), "timeout");
        yield return () => (Monitor(extra: ""","timeout":301,"interval":600"""), "timeout");
        yield return () => (Monitor(extra: ""","timeout":30,"interval":30"""), "timeout");
        yield return () => (Monitor(extra: ""","retries":-1"""), "retries");
        yield return () => (Monitor(extra: ""","retries":11"""), "retries");
        yield return () => (Monitor(extra: ",\"enabled\":\"yes\""), "enabled");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","expected_status":[]}"""), "config.expected_status");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","expected_status":200}"""), "config.expected_status");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","expected_status":[99]}"""), "config.expected_status[0]");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","expected_status":[200,600]}"""), "config.expected_status[1]");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","expected_status":["6xx"]}"""), "config.expected_status[0]");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","expected_status":["299-200"]}"""), "config.expected_status[0]");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","expected_status":["ok"]}"""), "config.expected_status[0]");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","headers":["X-A: b"]}"""), "config.headers");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","headers":{"Bad Name":"x"}}"""), "config.headers");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","headers":{"X-A":"line\r\nX-Injected: 1"}}"""), "config.headers.X-A");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","headers":{"X-A":5}}"""), "config.headers.X-A");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","headers":{"Content-Length":"5"}}"""), "config.headers.Content-Length");
        yield return () => (Monitor("{\"type\":\"http\",\"url\":\"http://a.example/\",\"headers\":{" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"X-H{i}\":\"v\"")) + "}}"), "config.headers");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","body":{"type":"xml","content":"<a/>"}}"""), "config.body.type");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","body":{"type":"json"}}"""), "config.body.content");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","body":{"type":"form","fields":{"a":1}}}"""), "config.body.fields.a");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","keyword":""}"""), "config.keyword");
        yield return () => (Monitor($$"""{"type":"http","url":"http://a.example/","keyword":"{{new string('k', 1025)}}"}"""), "config.keyword");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","follow_redirects":"no"}"""), "config.follow_redirects");
        yield return () => (Monitor("""{"type":"http","url":"http://a.example/","verify_tls":0}"""), "config.verify_tls");
        yield return () => ("""[1,2,3]""", "body");
    }

    static readonly CheckTypes CheckTypes = CheckTypes.Create(TimeProvider.System);

    [Test]
    [MethodDataSource(nameof(InvalidBodies))]
    public async Task The_validator_refuses_an_invalid_monitor_naming_the_field(string body, string field)
    {
        using var document = System.Text.Json.JsonDocument.Parse(body);
        var draft = MonitorValidator.Validate(document.RootElement, null, CheckTypes, out var errors);
        await Assert.That(draft).IsNull();
        await Assert.That(errors.TryGetValue(field, out var messages)).IsTrue().Because($"errors were {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"))}");
        await Assert.That(messages![0]).IsNotEmpty();
    }

    [Test]
    public async Task Through_the_api_every_invalid_monitor_is_a_400_problem_naming_the_field_and_nothing_is_stored()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var cases = InvalidBodies().Select(c => c()).ToList();
        foreach (var (body, field) in cases)
        {
            using var response = await client.PostJsonAsync("/api/v1/monitors", body);
            await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest).Because(body);
            await Assert.That(response.Content.Headers.ContentType!.MediaType).IsEqualTo("application/problem+json");
            var errors = (await response.ReadJsonAsync()).GetProperty("errors");
            await Assert.That(errors.TryGetProperty(field, out var messages)).IsTrue().Because($"{body}: errors were {errors}");
            await Assert.That(messages[0].GetString()).IsNotEmpty();
        }
        await Assert.That(cases.Count).IsGreaterThanOrEqualTo(47);
        await Assert.That(await client.GetStringAsync("/api/v1/monitors")).IsEqualTo("[]");
    }

    [Test]
    public async Task A_rejected_patch_changes_nothing()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var created = await (await client.PostJsonAsync("/api/v1/monitors", Monitor(extra: ""","enabled":false"""))).ReadJsonAsync();
        var id = created.GetProperty("id").GetString();
        var before = await client.GetStringAsync($"/api/v1/monitors/{id}");

        using var response = await client.PatchJsonAsync($"/api/v1/monitors/{id}", """{"name":"renamed","interval":5}""");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(await client.GetStringAsync($"/api/v1/monitors/{id}")).IsEqualTo(before);
    }

    [Test]
    public async Task Valid_forms_of_every_option_are_accepted_and_defaults_filled_in()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var minimal = await client.PostJsonAsync("/api/v1/monitors", """{"name":"  trimmed  ","enabled":false,"config":{"type":"http","url":"https://a.example/health"}}""");
        await Assert.That(minimal.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var body = await minimal.ReadJsonAsync();
        await Assert.That(body.GetProperty("name").GetString()).IsEqualTo("trimmed");
        await Assert.That(body.GetProperty("interval").GetInt32()).IsEqualTo(60);
        await Assert.That(body.GetProperty("timeout").GetInt32()).IsEqualTo(10);
        await Assert.That(body.GetProperty("retries").GetInt32()).IsEqualTo(0);
        var config = body.GetProperty("config");
        await Assert.That(config.GetProperty("method").GetString()).IsEqualTo("GET");
        // The default (any 2xx) reads back as null, as the original's clients expect.
        await Assert.That(config.GetProperty("expected_status").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(config.GetProperty("follow_redirects").GetBoolean()).IsTrue();
        await Assert.That(config.GetProperty("verify_tls").GetBoolean()).IsTrue();

        using var full = await client.PostJsonAsync("/api/v1/monitors", """
            {"name":"full","interval":10,"timeout":9,"retries":10,"enabled":false,
             "config":{"type":"http","url":"http://a.example/x?y=1","method":"post","expected_status":[200,"3xx","400-404"],
                       "headers":{"Authorization":"Bearer x","X-Trace":"1"},"body":{"type":"json","content":{"a":[1,2]}},
                       "keyword":"ok","follow_redirects":false,"verify_tls":false}}
            """);
        await Assert.That(full.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var stored = (await full.ReadJsonAsync()).GetProperty("config");
        await Assert.That(stored.GetProperty("method").GetString()).IsEqualTo("POST");
        await Assert.That(stored.GetProperty("expected_status").GetRawText()).IsEqualTo("""[200,"3xx","400-404"]""");
        await Assert.That(stored.GetProperty("body").GetRawText()).IsEqualTo("""{"type":"json","content":{"a":[1,2]}}""");
        await Assert.That(stored.GetProperty("headers").GetProperty("X-Trace").GetString()).IsEqualTo("1");

        using var form = await client.PostJsonAsync("/api/v1/monitors", """
            {"name":"form","enabled":false,"config":{"type":"http","url":"http://a.example/","method":"POST","body":{"type":"form","fields":{"a":"1 2","b":"&"}}}}
            """);
        await Assert.That(form.StatusCode).IsEqualTo(HttpStatusCode.Created);
    }
}
