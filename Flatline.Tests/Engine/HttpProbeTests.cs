using System.Diagnostics;
using System.Text;

namespace Flatline.Tests.Engine;

public class HttpProbeTests
{
    static HttpCheckSpec Spec(Uri url, int timeoutSeconds = 5) => new(
        url, HttpMethod.Get, [], null, StatusRanges.Default, null,
        FollowRedirects: true, VerifyTls: true, TimeSpan.FromSeconds(timeoutSeconds));

    static async Task<(ProbeOutcome Outcome, TimeSpan Took)> CheckAsync(HttpCheckSpec spec)
    {
        using var probe = new HttpProbe(TimeProvider.System);
        return await CheckAsync(probe, spec);
    }

    static async Task<(ProbeOutcome Outcome, TimeSpan Took)> CheckAsync(HttpProbe probe, HttpCheckSpec spec)
    {
        var stopwatch = Stopwatch.StartNew();
        var outcome = await probe.CheckAsync(spec, CancellationToken.None);
        return (outcome, stopwatch.Elapsed);
    }

    static DateTimeOffset Utc(DateTime value) => new(value.ToUniversalTime(), TimeSpan.Zero);

    // ---- what a healthy check reports

    [Test]
    public async Task A_healthy_target_is_up_with_its_status_and_a_latency()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url("/ok")));
        await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.StatusCode).IsEqualTo(200);
        await Assert.That(outcome.LatencyUs.HasValue).IsTrue();
        await Assert.That(outcome.LatencyUs!.Value).IsGreaterThan(0);
        await Assert.That(outcome.TlsExpiresAt.HasValue).IsFalse();
    }

    [Test]
    public async Task The_latency_runs_to_the_response_headers()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, took) = await CheckAsync(Spec(target.Url("/slow/300"), timeoutSeconds: 3));
        await Assert.That(outcome.Ok).IsTrue();
        // Server timers may fire a millisecond or so early by the stopwatch's reckoning.
        await Assert.That(outcome.LatencyUs!.Value).IsGreaterThanOrEqualTo(290_000);
        await Assert.That(outcome.LatencyUs!.Value).IsLessThanOrEqualTo((long)took.TotalMicroseconds);
    }

    // ---- what is sent

    [Test]
    public async Task Method_headers_and_a_json_body_arrive_exactly()
    {
        await using var target = await TargetServer.StartAsync();
        var json = """{"name":"flatline","n":[1,2,3],"ü":"ß"}""";
        var spec = Spec(target.Url("/echo")) with
        {
            Method = HttpMethod.Post,
            Headers = [new("X-Api-Key", "s3cret value"), new("Accept", "application/json"), new("Content-Language", "de")],
            Body = new HttpCheckBody(Encoding.UTF8.GetBytes(json), "application/json"),
        };
        var (outcome, _) = await CheckAsync(spec);
        await Assert.That(outcome.Ok).IsTrue();
        var echo = target.Echoes.Single();
        await Assert.That(echo.GetProperty("method").GetString()).IsEqualTo("POST");
        var headers = echo.GetProperty("headers");
        await Assert.That(headers.GetProperty("x-api-key").GetString()).IsEqualTo("s3cret value");
        await Assert.That(headers.GetProperty("accept").GetString()).IsEqualTo("application/json");
        await Assert.That(headers.GetProperty("content-type").GetString()).IsEqualTo("application/json");
        await Assert.That(headers.GetProperty("content-language").GetString()).IsEqualTo("de");
        await Assert.That(headers.GetProperty("content-length").GetString()).IsEqualTo(Encoding.UTF8.GetByteCount(json).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assert.That(echo.GetProperty("body").GetString()).IsEqualTo(json);
    }

    [Test]
    public async Task A_form_body_arrives_with_its_content_type()
    {
        await using var target = await TargetServer.StartAsync();
        var form = "user=ada&note=a+b%26c";
        var spec = Spec(target.Url("/echo")) with
        {
            Method = HttpMethod.Put,
            Body = new HttpCheckBody(Encoding.UTF8.GetBytes(form), "application/x-www-form-urlencoded"),
        };
        var (outcome, _) = await CheckAsync(spec);
        await Assert.That(outcome.Ok).IsTrue();
        var echo = target.Echoes.Single();
        await Assert.That(echo.GetProperty("method").GetString()).IsEqualTo("PUT");
        await Assert.That(echo.GetProperty("headers").GetProperty("content-type").GetString()).IsEqualTo("application/x-www-form-urlencoded");
        await Assert.That(echo.GetProperty("body").GetString()).IsEqualTo(form);
    }

    [Test]
    public async Task A_content_type_header_overrides_the_body_type_instead_of_doubling_it()
    {
        await using var target = await TargetServer.StartAsync();
        var spec = Spec(target.Url("/echo")) with
        {
            Method = HttpMethod.Post,
            Headers = [new("Content-Type", "application/vnd.custom+json")],
            Body = new HttpCheckBody("{}"u8.ToArray(), "application/json"),
        };
        await CheckAsync(spec);
        var echo = target.Echoes.Single();
        await Assert.That(echo.GetProperty("headers").GetProperty("content-type").GetString()).IsEqualTo("application/vnd.custom+json");
    }

    [Test]
    public async Task The_user_agent_names_flatline_and_its_version()
    {
        await using var target = await TargetServer.StartAsync();
        await CheckAsync(Spec(target.Url("/echo")));
        var echo = target.Echoes.Single();
        await Assert.That(echo.GetProperty("method").GetString()).IsEqualTo("GET");
        await Assert.That(echo.GetProperty("headers").GetProperty("user-agent").GetString()).IsEqualTo($"Flatline/{FlatlineApp.Version}");
        await Assert.That(echo.GetProperty("body").GetString()).IsEqualTo("");
    }

    [Test]
    public async Task A_user_agent_header_replaces_the_default_one()
    {
        await using var target = await TargetServer.StartAsync();
        await CheckAsync(Spec(target.Url("/echo")) with { Headers = [new("User-Agent", "curl/8.0")] });
        await Assert.That(target.Echoes.Single().GetProperty("headers").GetProperty("user-agent").GetString()).IsEqualTo("curl/8.0");
    }

    [Test]
    public async Task A_content_header_without_a_body_still_arrives()
    {
        await using var target = await TargetServer.StartAsync();
        await CheckAsync(Spec(target.Url("/echo")) with { Headers = [new("Content-Language", "fr")] });
        await Assert.That(target.Echoes.Single().GetProperty("headers").GetProperty("content-language").GetString()).IsEqualTo("fr");
    }

    [Test]
    public async Task No_cookies_and_no_compression_are_asked_for()
    {
        await using var target = await TargetServer.StartAsync();
        await CheckAsync(Spec(target.Url("/echo")));
        var headers = target.Echoes.Single().GetProperty("headers");
        await Assert.That(headers.TryGetProperty("accept-encoding", out _)).IsFalse();
        await Assert.That(headers.TryGetProperty("cookie", out _)).IsFalse();
    }

    // ---- status

    [Test]
    [Arguments(200, "", true, null)]
    [Arguments(204, "", true, null)]
    [Arguments(299, "", true, null)]
    [Arguments(503, "", false, "unexpected status 503 (expected 2xx)")]
    [Arguments(404, "404", true, null)]
    [Arguments(404, "200", false, "unexpected status 404 (expected 200)")]
    [Arguments(418, "4xx", true, null)]
    [Arguments(500, "4xx", false, "unexpected status 500 (expected 4xx)")]
    [Arguments(204, "200-204", true, null)]
    [Arguments(205, "200-204", false, "unexpected status 205 (expected 200-204)")]
    [Arguments(302, "200|301-302", true, null)]
    [Arguments(500, "200|301-302", false, "unexpected status 500 (expected 200, 301-302)")]
    public async Task Expected_status_takes_codes_classes_and_ranges(int code, string expected, bool ok, string? error)
    {
        await using var target = await TargetServer.StartAsync();
        var spec = Spec(target.Url($"/status/{code}")) with
        {
            FollowRedirects = false,
            ExpectedStatus = expected.Length == 0 ? StatusRanges.Default : StatusRanges.Create(expected.Split('|')),
        };
        var (outcome, _) = await CheckAsync(spec);
        await Assert.That(outcome.Ok).IsEqualTo(ok);
        await Assert.That(outcome.StatusCode).IsEqualTo(code);
        await Assert.That(outcome.Error).IsEqualTo(error);
        await Assert.That(outcome.LatencyUs.HasValue).IsTrue();
    }

    // ---- redirects

    [Test]
    public async Task A_redirect_is_reported_as_is_when_not_followed()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url("/status/301")) with { FollowRedirects = false });
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("unexpected status 301 (expected 2xx)");
    }

    [Test]
    [Arguments(1)]
    [Arguments(3)]
    [Arguments(10)]
    public async Task Redirects_are_followed_up_to_ten(int hops)
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url($"/redirect/{hops}")) with { Keyword = "all ok" });
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(outcome.StatusCode).IsEqualTo(200);
    }

    [Test]
    public async Task Eleven_redirects_are_too_many()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url("/redirect/11")));
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("too many redirects");
        await Assert.That(outcome.StatusCode).IsEqualTo(302);
    }

    [Test]
    public async Task A_redirect_loop_is_too_many_redirects()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, took) = await CheckAsync(Spec(target.Url("/loop"), timeoutSeconds: 2));
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("too many redirects");
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(2));
    }

    [Test]
    public async Task A_redirect_from_https_down_to_http_is_not_followed()
    {
        using var certificate = TestCertificates.Valid();
        await using var secure = await TargetServer.StartAsync(certificate);
        await using var plain = await TargetServer.StartAsync();
        var spec = Spec(secure.Url("/to?url=" + Uri.EscapeDataString(plain.Url("/ok").ToString()))) with { VerifyTls = false };
        var (outcome, _) = await CheckAsync(spec);
        await Assert.That(outcome.Error).IsEqualTo("redirect from https to http not followed");
        await Assert.That(outcome.StatusCode).IsEqualTo(302);
    }

    [Test]
    public async Task After_a_redirect_up_to_https_the_expiry_is_that_of_the_server_that_answered()
    {
        using var certificate = TestCertificates.Valid(days: 12);
        await using var secure = await TargetServer.StartAsync(certificate);
        await using var plain = await TargetServer.StartAsync();
        var spec = Spec(plain.Url("/to?url=" + Uri.EscapeDataString(secure.Url("/ok").ToString()))) with { VerifyTls = false };
        var (outcome, _) = await CheckAsync(spec);
        await Assert.That(outcome.Error).IsNull();
        await Assert.That(outcome.TlsExpiresAt).IsEqualTo(Utc(certificate.NotAfter));
    }

    // ---- keyword and body

    [Test]
    public async Task A_keyword_in_the_body_is_found()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url("/ok")) with { Keyword = "ok" });
        await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(outcome.Error).IsNull();
    }

    [Test]
    public async Task A_missing_keyword_fails_with_its_name()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url("/ok")) with { Keyword = "OK" });
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.StatusCode).IsEqualTo(200);
        await Assert.That(outcome.Error).IsEqualTo("keyword \"OK\" not found");
    }

    [Test]
    public async Task A_non_ascii_keyword_is_matched_as_utf8()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url("/keyword?at=1000&word=gr%C3%BC%C3%9Fe")) with { Keyword = "grüße" });
        await Assert.That(outcome.Error).IsNull();
    }

    [Test]
    [Arguments(0, true)]
    [Arguments(70_000, true)]
    [Arguments(1024 * 1024 - 6, true)]
    [Arguments(1024 * 1024 - 5, false)]
    [Arguments(2 * 1024 * 1024, false)]
    public async Task Only_the_first_mebibyte_is_searched(int offset, bool found)
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url($"/keyword?at={offset}&word=needle")) with { Keyword = "needle" });
        await Assert.That(outcome.Ok).IsEqualTo(found);
        await Assert.That(outcome.Error).IsEqualTo(found ? null : "keyword \"needle\" not found");
    }

    [Test]
    public async Task Without_a_keyword_an_endless_body_is_not_read()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, took) = await CheckAsync(Spec(target.Url("/endless"), timeoutSeconds: 5));
        await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task An_endless_body_stops_being_read_after_a_mebibyte()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, took) = await CheckAsync(Spec(target.Url("/endless"), timeoutSeconds: 10) with { Keyword = "needle" });
        await Assert.That(outcome.Error).IsEqualTo("keyword \"needle\" not found");
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task A_gzip_bomb_is_never_inflated()
    {
        await using var target = await TargetServer.StartAsync();
        var before = GC.GetTotalMemory(forceFullCollection: false);
        var (outcome, took) = await CheckAsync(Spec(target.Url("/gzip-bomb"), timeoutSeconds: 10) with { Keyword = "needle" });
        await Assert.That(outcome.StatusCode).IsEqualTo(200);
        await Assert.That(outcome.Error).IsEqualTo("keyword \"needle\" not found");
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(5));
        // Other tests run alongside, so this only catches inflating, which would need gigabytes.
        await Assert.That(GC.GetTotalMemory(forceFullCollection: false) - before).IsLessThan(TargetServer.GzipBombInflatedBytes / 8);
    }

    [Test]
    public async Task Huge_response_headers_are_refused()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, _) = await CheckAsync(Spec(target.Url("/huge-headers")));
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("response headers too large");
    }

    // ---- timeouts and cancellation

    [Test]
    public async Task A_hung_target_times_out_at_the_check_timeout()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, took) = await CheckAsync(Spec(target.Url("/hang"), timeoutSeconds: 1));
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("timeout after 1 s");
        await Assert.That(outcome.StatusCode.HasValue).IsFalse();
        await Assert.That(outcome.LatencyUs.HasValue).IsFalse();
        await Assert.That(took).IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(950));
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task A_trickling_body_is_cut_by_the_timeout()
    {
        await using var target = await TargetServer.StartAsync();
        var (outcome, took) = await CheckAsync(Spec(target.Url("/trickle"), timeoutSeconds: 1) with { Keyword = "needle" });
        await Assert.That(outcome.Error).IsEqualTo("timeout after 1 s");
        await Assert.That(outcome.StatusCode).IsEqualTo(200);
        await Assert.That(outcome.LatencyUs.HasValue).IsTrue();
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task The_callers_cancellation_escapes_as_an_exception()
    {
        await using var target = await TargetServer.StartAsync();
        using var probe = new HttpProbe(TimeProvider.System);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var stopwatch = Stopwatch.StartNew();
        Exception? caught = null;
        try
        {
            await probe.CheckAsync(Spec(target.Url("/hang"), timeoutSeconds: 10), cancel.Token);
        }
        catch (Exception e)
        {
            caught = e;
        }
        await Assert.That(caught is OperationCanceledException).IsTrue();
        await Assert.That(stopwatch.Elapsed).IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task A_hung_target_does_not_delay_checks_of_a_healthy_one()
    {
        await using var target = await TargetServer.StartAsync();
        using var probe = new HttpProbe(TimeProvider.System);
        var hung = Enumerable.Range(0, 20).Select(_ => CheckAsync(probe, Spec(target.Url("/hang"), timeoutSeconds: 5))).ToList();
        var healthy = Enumerable.Range(0, 20).Select(_ => CheckAsync(probe, Spec(target.Url("/ok"), timeoutSeconds: 5))).ToList();
        var stopwatch = Stopwatch.StartNew();
        var results = await Task.WhenAll(healthy);
        var healthyDone = stopwatch.Elapsed;
        foreach (var (outcome, _) in results) await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(healthyDone).IsLessThan(TimeSpan.FromSeconds(2));
        foreach (var (outcome, _) in await Task.WhenAll(hung)) await Assert.That(outcome.Error).IsEqualTo("timeout after 5 s");
    }

    // ---- connection failures

    /// <summary>A socket that misbehaves below HTTP: each way gets its own short error, within the timeout.</summary>
    [Test]
    [Arguments(RawTarget.Behaviour.Silent, "timeout after 1 s")]   // accepts and never answers
    [Arguments(RawTarget.Behaviour.Garbage, "invalid response")]   // answers with something that is not HTTP
    [Arguments(RawTarget.Behaviour.Reset, "connection reset")]
    public async Task A_target_that_misbehaves_below_http_gets_a_short_error(RawTarget.Behaviour behaviour, string error)
    {
        using var target = RawTarget.Start(behaviour);
        var (outcome, took) = await CheckAsync(Spec(target.Url, timeoutSeconds: 1));
        await Assert.That(outcome.Error).IsEqualTo(error);
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task A_port_with_nothing_listening_is_connection_refused()
    {
        var (outcome, took) = await CheckAsync(Spec(new Uri($"http://127.0.0.1:{RawTarget.UnusedPort()}/"), timeoutSeconds: 1));
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("connection refused");
        await Assert.That(outcome.StatusCode.HasValue).IsFalse();
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(3));
    }

    [Test]
    public async Task A_name_that_does_not_resolve_is_a_dns_failure()
    {
        var (outcome, took) = await CheckAsync(Spec(new Uri("http://flatline-test.invalid/"), timeoutSeconds: 1));
        await Assert.That(outcome.Error).IsEqualTo("DNS lookup failed");
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(3));
    }

    // ---- TLS

    [Test]
    public async Task A_self_signed_certificate_is_not_trusted_when_verifying()
    {
        using var certificate = TestCertificates.Valid();
        await using var target = await TargetServer.StartAsync(certificate);
        var (outcome, took) = await CheckAsync(Spec(target.Url("/ok"), timeoutSeconds: 2));
        await Assert.That(outcome.Ok).IsFalse();
        await Assert.That(outcome.Error).IsEqualTo("TLS: certificate not trusted");
        await Assert.That(outcome.TlsExpiresAt).IsEqualTo(Utc(certificate.NotAfter));
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(4));
    }

    [Test]
    public async Task Without_verifying_a_self_signed_target_is_up_and_its_expiry_recorded()
    {
        using var certificate = TestCertificates.Valid(days: 45);
        await using var target = await TargetServer.StartAsync(certificate);
        using var probe = new HttpProbe(TimeProvider.System);
        var spec = Spec(target.Url("/ok")) with { VerifyTls = false, Keyword = "all ok" };
        var (first, _) = await CheckAsync(probe, spec);
        await Assert.That(first.Error).IsNull();
        await Assert.That(first.TlsExpiresAt.HasValue).IsTrue();
        await Assert.That(first.TlsExpiresAt!.Value).IsEqualTo(Utc(certificate.NotAfter));
        // The second check rides the pooled connection, with no handshake, and still knows.
        var (second, _) = await CheckAsync(probe, spec);
        await Assert.That(second.TlsExpiresAt!.Value).IsEqualTo(Utc(certificate.NotAfter));
    }

    [Test]
    public async Task An_expired_certificate_is_reported_as_expired()
    {
        using var certificate = TestCertificates.Expired();
        await using var target = await TargetServer.StartAsync(certificate);
        var (outcome, _) = await CheckAsync(Spec(target.Url("/ok"), timeoutSeconds: 2));
        await Assert.That(outcome.Error).IsEqualTo("TLS: certificate expired");
        await Assert.That(outcome.TlsExpiresAt).IsEqualTo(Utc(certificate.NotAfter));
    }

    [Test]
    public async Task An_expired_certificate_passes_when_not_verifying()
    {
        using var certificate = TestCertificates.Expired();
        await using var target = await TargetServer.StartAsync(certificate);
        var (outcome, _) = await CheckAsync(Spec(target.Url("/ok"), timeoutSeconds: 2) with { VerifyTls = false });
        await Assert.That(outcome.Ok).IsTrue();
        await Assert.That(outcome.TlsExpiresAt).IsEqualTo(Utc(certificate.NotAfter));
    }

    [Test]
    public async Task A_certificate_for_another_name_is_a_name_mismatch()
    {
        using var certificate = TestCertificates.ForAnotherName();
        await using var target = await TargetServer.StartAsync(certificate);
        var (outcome, _) = await CheckAsync(Spec(target.Url("/ok"), timeoutSeconds: 2));
        await Assert.That(outcome.Error).IsEqualTo("TLS: certificate name mismatch");
    }

    [Test]
    public async Task Https_to_a_plain_http_server_is_a_failed_handshake()
    {
        await using var target = await TargetServer.StartAsync();
        var url = new UriBuilder(target.Url("/ok")) { Scheme = "https" }.Uri;
        var (outcome, took) = await CheckAsync(Spec(url, timeoutSeconds: 2));
        await Assert.That(outcome.Error).IsEqualTo("TLS: handshake failed");
        await Assert.That(took).IsLessThan(TimeSpan.FromSeconds(4));
    }

    [Test]
    public async Task Concurrent_checks_of_two_https_servers_each_get_their_own_expiry()
    {
        using var soon = TestCertificates.Valid(days: 3);
        using var later = TestCertificates.Valid(days: 300);
        await using var soonTarget = await TargetServer.StartAsync(soon);
        await using var laterTarget = await TargetServer.StartAsync(later);
        using var probe = new HttpProbe(TimeProvider.System);
        var checks = Enumerable.Range(0, 20)
            .Select(i => (Expected: i % 2 == 0 ? soon : later, Target: i % 2 == 0 ? soonTarget : laterTarget))
            .Select(async c => (c.Expected, (await CheckAsync(probe, Spec(c.Target.Url("/slow/50")) with { VerifyTls = false })).Outcome))
            .ToList();
        foreach (var (expected, outcome) in await Task.WhenAll(checks))
        {
            await Assert.That(outcome.Ok).IsTrue();
            await Assert.That(outcome.TlsExpiresAt).IsEqualTo(Utc(expected.NotAfter));
        }
    }
}
