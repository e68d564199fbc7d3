using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Flatline.Tests.Checks;

/// <summary>HTTP <c>assertions</c> and <c>max_response_ms</c>: the validator as pure code (field-level
/// keys), the probe against a real loopback server whose answer the test writes, and the API's 400s.</summary>
public sealed class HttpAssertionTests
{
    static readonly CheckTypes Registered = CheckTypes.Create(TimeProvider.System);

    static (MonitorConfig? Config, Dictionary<string, string[]> Errors) Validate(string assertions, string extra = "")
    {
        var errors = new Dictionary<string, string[]>();
        using var document = JsonDocument.Parse($$"""{"type":"http","url":"http://127.0.0.1/"{{extra}},"assertions":{{assertions}}}""");
        return (Registered.Validate(document.RootElement, errors), errors);
    }

    /// <summary>A target that answers a JSON document with a header of its own, after <paramref name="delayMs"/>.</summary>
    static Task<LoopbackServer> JsonTarget(string body = """{"status":"ok","data":{"items":[{"id":7,"name":"a b"}],"count":3},"odd key":true}""", int delayMs = 0) =>
        LoopbackServer.StartAsync(async context =>
        {
            if (delayMs > 0) await Task.Delay(delayMs);
            context.Response.Headers["X-Version"] = "2.4.1";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(context.Request.Path == "/text" ? new string('a', 40) + "!" : body);
        });

    static async Task<ProbeOutcome> Check(Uri url, string assertions)
    {
        var (config, errors) = Validate(assertions);
        await Assert.That(errors).IsEmpty();
        var http = (HttpMonitorConfig)config! with { Url = url.AbsoluteUri };
        var spec = Registered[http].Compile(http, TimeSpan.FromSeconds(5));
        return await Registered[http].Probe!.CheckAsync(spec, CancellationToken.None);
    }

    [Test]
    [Arguments("""[{"source":"headers","op":"eq","value":1}]""", "config.assertions[0].source")]
    [Arguments("""[{"op":"eq","value":1}]""", "config.assertions[0].source")]
    [Arguments("""[{"source":"status","op":"equals","value":200}]""", "config.assertions[0].op")]
    [Arguments("""[{"source":"status","op":"eq","value":200},{"source":"header","op":"exists"}]""", "config.assertions[1].path")]
    [Arguments("""[{"source":"status","op":"eq","value":200},{"source":"body","op":"contains","value":"x"},{"source":"json","op":"exists"}]""", "config.assertions[2].path")]
    [Arguments("""[{"source":"json","path":"status","op":"exists"}]""", "config.assertions[0].path")]
    [Arguments("""[{"source":"json","path":"$.a[x]","op":"exists"}]""", "config.assertions[0].path")]
    [Arguments("""[{"source":"json","path":"$..a","op":"exists"}]""", "config.assertions[0].path")]
    [Arguments("""[{"source":"json","path":"$['a","op":"exists"}]""", "config.assertions[0].path")]
    [Arguments("""[{"source":"header","path":"X Bad","op":"exists"}]""", "config.assertions[0].path")]
    [Arguments("""[{"source":"status","path":"$.a","op":"eq","value":200}]""", "config.assertions[0].path")]
    [Arguments("""[{"source":"body","op":"matches","value":"(unclosed"}]""", "config.assertions[0].value")]
    [Arguments("""[{"source":"body","op":"matches","value":7}]""", "config.assertions[0].value")]
    [Arguments("""[{"source":"status","op":"lt","value":"300"}]""", "config.assertions[0].value")]
    [Arguments("""[{"source":"status","op":"eq"}]""", "config.assertions[0].value")]
    [Arguments("""[{"source":"json","path":"$.a","op":"exists","value":1}]""", "config.assertions[0].value")]
    [Arguments("""[{"source":"json","path":"$.a","op":"eq","value":{"b":1}}]""", "config.assertions[0].value")]
    [Arguments("""[{"source":"body","op":"exists"}]""", "config.assertions[0].op")]
    [Arguments("""[7]""", "config.assertions[0]")]
    [Arguments("""{"source":"status"}""", "config.assertions")]
    public async Task A_bad_assertion_names_its_field(string assertions, string field)
    {
        var (_, errors) = Validate(assertions);
        await Assert.That(errors.Keys).Contains(field);
        await Assert.That(errors.Count).IsEqualTo(1);
    }

    [Test]
    [Arguments(",\"max_response_ms\":0", "config.max_response_ms")]
    [Arguments(",\"max_response_ms\":\"500\"", "config.max_response_ms")]
    [Arguments(",\"tls_expiry_warn_days\":-1", "config.tls_expiry_warn_days")]
    [Arguments(",\"tls_expiry_warn_days\":366", "config.tls_expiry_warn_days")]
    public async Task Bad_degraded_thresholds_name_their_field(string extra, string field)
    {
        var (_, errors) = Validate("[]", extra);
        await Assert.That(errors.Keys).IsEquivalentTo(new[] { field });
    }

    [Test]
    public async Task Good_assertions_read_back_as_sent()
    {
        var assertions = """[{"source":"status","op":"lt","value":300},{"source":"json","path":"$['odd key']","op":"exists"},{"source":"header","path":"X-Version","op":"matches","value":"^2\\."}]""";
        var (config, errors) = Validate(assertions, ",\"max_response_ms\":800,\"tls_expiry_warn_days\":30");
        await Assert.That(errors).IsEmpty();
        var json = JsonSerializer.Serialize(config!, FlatlineJson.Default.MonitorConfig);
        using var stored = JsonDocument.Parse(json);
        using var sent = JsonDocument.Parse(assertions);
        await Assert.That(JsonElement.DeepEquals(stored.RootElement.GetProperty("assertions"), sent.RootElement)).IsTrue();
        await Assert.That(json).EndsWith("\"max_response_ms\":800,\"tls_expiry_warn_days\":30}");
    }

    [Test]
    public async Task Assertions_that_hold_leave_the_check_up()
    {
        await using var target = await JsonTarget();
        var outcome = await Check(target.Url("/"), """
            [{"source":"status","op":"eq","value":200},
             {"source":"status","op":"lt","value":300},
             {"source":"header","path":"x-version","op":"matches","value":"^2\\.\\d+"},
             {"source":"header","path":"Content-Type","op":"contains","value":"json"},
             {"source":"body","op":"contains","value":"\"items\""},
             {"source":"json","path":"$.status","op":"eq","value":"ok"},
             {"source":"json","path":"$.data.items[0].id","op":"eq","value":7},
             {"source":"json","path":"$.data.items[0]['name']","op":"ne","value":"ab"},
             {"source":"json","path":"$.data.count","op":"gt","value":2},
             {"source":"json","path":"$['odd key']","op":"eq","value":true},
             {"source":"json","path":"$.data","op":"exists"},
             {"source":"response_time","op":"lt","value":5000}]
            """);
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.Ok).IsTrue();
    }

    [Test]
    public async Task Each_failing_assertion_is_named_in_the_error()
    {
        await using var target = await JsonTarget();
        var outcome = await Check(target.Url("/"), """
            [{"source":"status","op":"eq","value":200},
             {"source":"json","path":"$.status","op":"eq","value":"healthy"},
             {"source":"header","path":"X-Missing","op":"exists"},
             {"source":"json","path":"$.data.items[3]","op":"exists"},
             {"source":"json","path":"$.data.count","op":"lt","value":3}]
            """);
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.StatusCode).IsEqualTo(200);
        await Assert.That(outcome.Error).IsEqualTo(
            "4 assertions failed: json $.status eq \"healthy\" (got \"ok\"); header X-Missing exists (absent); "
            + "json $.data.items[3] exists (absent); json $.data.count lt 3 (got \"3\")");
    }

    [Test]
    public async Task A_body_that_is_not_json_fails_a_json_assertion_saying_so()
    {
        await using var target = await JsonTarget("<html>maintenance</html>");
        var outcome = await Check(target.Url("/"), """[{"source":"json","path":"$.status","op":"exists"}]""");
        await Assert.That(outcome.Error).IsEqualTo("assertion failed: json $.status exists (body is not JSON)");
    }

    [Test]
    public async Task A_keyword_and_body_assertions_read_the_same_body()
    {
        await using var target = await JsonTarget();
        var (config, _) = Validate("""[{"source":"body","op":"matches","value":"count\":\\s*3"}]""");
        var http = (HttpMonitorConfig)config! with { Url = target.Url("/").AbsoluteUri, Keyword = "items" };
        var outcome = await Registered[http].Probe!.CheckAsync(Registered[http].Compile(http, TimeSpan.FromSeconds(5)), CancellationToken.None);
        await Assert.That(outcome.Error).IsNull();

        var missing = http with { Keyword = "nowhere" };
        var failed = await Registered[http].Probe!.CheckAsync(Registered[http].Compile(missing, TimeSpan.FromSeconds(5)), CancellationToken.None);
        await Assert.That(failed.Error).IsEqualTo("keyword \"nowhere\" not found");
    }

    [Test]
    public async Task A_pattern_that_backtracking_engines_take_exponential_time_on_is_answered_at_once()
    {
        // ^(a+)+$ against forty a's and a '!' takes a backtracking engine some 2^40 steps.
        await using var target = await JsonTarget();
        var clock = Stopwatch.StartNew();
        var outcome = await Check(target.Url("/text"), """[{"source":"body","op":"matches","value":"^(a+)+$"}]""");
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("assertion failed: body matches \"^(a+)+$\" (not found in the body)");
        var holds = await Check(target.Url("/text"), """[{"source":"body","op":"matches","value":"^(a+)+!$"}]""");
        await Assert.That(holds.Error).IsNull();
        await Assert.That(clock.Elapsed).IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task The_api_refuses_bad_assertions_field_by_field_and_stores_nothing()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var api = server.CreateApiClient();
        var body = MonitorBody.Http("http://127.0.0.1:9/").Paused().WithConfig("assertions", System.Text.Json.Nodes.JsonNode.Parse("""
            [{"source":"status","op":"eq","value":200},{"source":"json","path":"nope","op":"exists"},{"source":"body","op":"matches","value":"[z-a]"}]
            """));
        var refused = await api.CreateMonitorAsync(body);
        await Assert.That(refused.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(refused.Problem.Errors.Keys).IsEquivalentTo(new[] { "config.assertions[1].path", "config.assertions[2].value" });
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM monitors")).IsEqualTo(0L);
    }
}
