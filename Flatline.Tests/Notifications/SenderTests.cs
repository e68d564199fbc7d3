using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Flatline.Tests.Notifications;

/// <summary>Every sender against a real receiver: the exact request each service documents, and
/// how answers and failures are classified for the outbox.</summary>
public sealed partial class SenderTests
{
    static readonly HttpMessageInvoker Invoker = SenderHttp.CreateInvoker();

    static readonly DateTime Started = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    static readonly DateTime Resolved = Started + new TimeSpan(0, 5, 12);
    internal static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 10, 0, 123, TimeSpan.Zero);
    internal static readonly Uri Link = new("https://status.example.com/monitors/mon_1");
    internal const string MonitorUrl = "https://api.example.com/health?x=1&y=2";
    const string Error503 = "unexpected status 503 (expected 2xx)";

    internal static Notification Down(Uri? link = null, string name = "api") =>
        new("evt_down", NotificationKind.Down, "mon_1", name, MonitorUrl, "inc_1", Started, null, 503, Error503, Started, link);

    // Stored times come back with an unspecified kind; they are UTC all the same.
    internal static Notification Up(Uri? link = null) =>
        new("evt_up", NotificationKind.Up, "mon_1", "api", MonitorUrl, "inc_1", DateTime.SpecifyKind(Started, DateTimeKind.Unspecified),
            DateTime.SpecifyKind(Resolved, DateTimeKind.Unspecified), 200, null, Resolved, link);

    const string CertificateSoon = "TLS certificate expires in 3 days (2026-03-04)";

    internal static Notification Degraded() =>
        new("evt_degraded", NotificationKind.Degraded, "mon_1", "api", MonitorUrl, null, null, null, 200, CertificateSoon, Started, null);

    internal static Notification DegradedEnded() =>
        new("evt_degraded_ended", NotificationKind.DegradedEnded, "mon_1", "api", MonitorUrl, null, null, null, 200, CertificateSoon, Resolved, null);

    internal static Notification Test(Uri? link = null) =>
        new("evt_test", NotificationKind.Test, "", "", "", null, null, null, null, null, Now.UtcDateTime, link);

    internal static ChannelConfig Config(string type, params (string Name, string Value)[] values) =>
        new(type, values.Select(v => KeyValuePair.Create(v.Name, ChannelConfig.Json(v.Value))));

    internal static SenderHttp Http(TimeProvider? time = null, TimeSpan? timeout = null) =>
        new(Invoker, time ?? new FakeTimeProvider(Now), timeout);

    /// <summary>The JSON re-serialized the same way on both sides, so that a string comparison is
    /// an exact comparison of values (field order included) with a readable diff.</summary>
    internal static string Canonical(string json) => JsonNode.Parse(json)!.ToJsonString();

    internal static async Task<ReceivedRequest> SendAsync(Receiver receiver, INotificationSender sender, ChannelConfig config, Notification notification)
    {
        var result = await sender.SendAsync(config, notification, CancellationToken.None);
        await Assert.That(result.Error).IsNull();
        await Assert.That(result.Delivered).IsTrue();
        return receiver.Requests[^1];
    }

    internal static async Task AssertJsonPost(ReceivedRequest request, string path, string expectedJson)
    {
        await Assert.That(request.Method).IsEqualTo("POST");
        await Assert.That(request.Path).IsEqualTo(path);
        await Assert.That(request.Query).IsEqualTo("");
        await Assert.That(request.Header("Content-Type")).IsEqualTo("application/json");
        await Assert.That(request.Header("User-Agent")).IsEqualTo("Flatline/" + FlatlineApp.Version);
        await Assert.That(Canonical(request.BodyText)).IsEqualTo(Canonical(expectedJson));
    }

    // ---- slack

    [Test]
    public async Task Slack_gets_a_text_fallback_and_a_section_block_with_the_link_in_a_context_block()
    {
        await using var receiver = await Receiver.StartAsync();
        var sender = new SlackSender(Http());
        var config = Config("slack", ("url", receiver.Url("/services/T000/B000/XXX").AbsoluteUri));
        var request = await SendAsync(receiver, sender, config, Down(Link, name: "api <prod> & co"));
        await AssertJsonPost(request, "/services/T000/B000/XXX", """
            {"text":"api &lt;prod&gt; &amp; co is down: unexpected status 503 (expected 2xx)",
             "blocks":[
               {"type":"section","text":{"type":"mrkdwn","text":":red_circle: *api &lt;prod&gt; &amp; co is down*\nhttps://api.example.com/health?x=1&amp;y=2\nunexpected status 503 (expected 2xx)"}},
               {"type":"context","elements":[{"type":"mrkdwn","text":"<https://status.example.com/monitors/mon_1|Open in Flatline>"}]}]}
            """);
    }

    [Test]
    public async Task Slack_recovery_says_how_long_it_was_down_and_has_no_link_block_without_a_public_url()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("slack", ("url", receiver.Url("/hook").AbsoluteUri));
        var request = await SendAsync(receiver, new SlackSender(Http()), config, Up());
        await AssertJsonPost(request, "/hook", """
            {"text":"api is up: back up after 5 min 12 s",
             "blocks":[{"type":"section","text":{"type":"mrkdwn","text":":large_green_circle: *api is up*\nhttps://api.example.com/health?x=1&amp;y=2\nback up after 5 min 12 s"}}]}
            """);
    }

    // ---- discord

    [Test]
    public async Task Discord_gets_content_an_embed_with_the_down_colour_and_no_mentions_allowed()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("discord", ("url", receiver.Url("/api/webhooks/123/abc").AbsoluteUri));
        var request = await SendAsync(receiver, new DiscordSender(Http()), config, Down(Link, name: "@everyone *api*"));
        await AssertJsonPost(request, "/api/webhooks/123/abc", """
            {"content":"@everyone \\*api\\* is down: unexpected status 503 (expected 2xx)",
             "embeds":[{"title":"@everyone \\*api\\* is down",
                        "description":"https://api.example.com/health?x=1&y=2\nunexpected status 503 (expected 2xx)",
                        "url":"https://status.example.com/monitors/mon_1",
                        "color":15026253,
                        "timestamp":"2026-03-01T12:00:00Z"}],
             "allowed_mentions":{"parse":[]}}
            """);
    }

    [Test]
    public async Task Discord_recovery_is_green_and_without_a_link_when_there_is_no_public_url()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("discord", ("url", receiver.Url("/api/webhooks/1/t").AbsoluteUri));
        var request = await SendAsync(receiver, new DiscordSender(Http()), config, Up());
        await AssertJsonPost(request, "/api/webhooks/1/t", """
            {"content":"api is up: back up after 5 min 12 s",
             "embeds":[{"title":"api is up","description":"https://api.example.com/health?x=1&y=2\nback up after 5 min 12 s",
                        "color":3187820,"timestamp":"2026-03-01T12:05:12Z"}],
             "allowed_mentions":{"parse":[]}}
            """);
    }

    // ---- telegram

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [Test]
    public async Task Telegram_escapes_a_hostile_monitor_name_for_html_and_down_alerts_are_not_silent()
    {
        await using var receiver = await Receiver.StartAsync();
        const string hostile = "<b>&\"x_*[]";
        var config = Config("telegram", ("url", receiver.Root + "/bot123:ABC-def"), ("chat_id", "-1001234567890"));
        var request = await SendAsync(receiver, new TelegramSender(Http()), config, Down(Link, name: hostile));
        await AssertJsonPost(request, "/bot123:ABC-def/sendMessage", """
            {"chat_id":-1001234567890,
             "text":"<b>&lt;b&gt;&amp;&quot;x_*[] is down</b>\nhttps://api.example.com/health?x=1&amp;y=2\nunexpected status 503 (expected 2xx)\n<a href=\"https://status.example.com/monitors/mon_1\">Open in Flatline</a>",
             "parse_mode":"HTML","disable_web_page_preview":true,"disable_notification":false}
            """);
        // What Telegram shows: the markup gone, the entities decoded, the name as it was typed.
        var shown = WebUtility.HtmlDecode(Tags().Replace(request.Json().GetProperty("text").GetString()!, ""));
        await Assert.That(shown.Split('\n')[0]).IsEqualTo(hostile + " is down");
        await Assert.That(shown.Split('\n')[1]).IsEqualTo(MonitorUrl);
    }

    [Test]
    public async Task Telegram_429_is_retried_after_the_wait_its_body_names_and_a_header_still_wins()
    {
        // Telegram's own shape of a flood-control answer: no Retry-After header, the wait in parameters.
        const string flood = """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}""";
        await using var receiver = await Receiver.StartAsync();
        var config = Config("telegram", ("url", receiver.Root + "/bot1:x"), ("chat_id", "42"));
        var sender = new TelegramSender(Http());

        receiver.Answer(429, body: flood);
        var result = await sender.SendAsync(config, Down(Link), CancellationToken.None);
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.RetryAfter).IsEqualTo(TimeSpan.FromSeconds(35));
        await Assert.That(result.Error).IsEqualTo("HTTP 429: " + flood);

        receiver.Answer(429, retryAfter: "7", body: flood);
        await Assert.That((await sender.SendAsync(config, Down(Link), CancellationToken.None)).RetryAfter).IsEqualTo(TimeSpan.FromSeconds(7));

        // Not Telegram's shape, or cut short: no wait read, the outbox's own backoff applies.
        receiver.Answer(429, body: """{"ok":false,"parameters":{"retry_after":"soon"}}""");
        await Assert.That((await sender.SendAsync(config, Down(Link), CancellationToken.None)).RetryAfter).IsNull();
        receiver.Answer(429, body: """{"ok":false,"parameters":{"retry_""");
        await Assert.That((await sender.SendAsync(config, Down(Link), CancellationToken.None)).RetryAfter).IsNull();
    }

    [Test]
    public async Task Telegram_recovery_is_silent_and_a_test_is_not_and_a_channel_name_stays_a_string()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("telegram", ("url", receiver.Root + "/bot1:x"), ("chat_id", "@flatline_alerts"));
        var sender = new TelegramSender(Http());
        var up = (await SendAsync(receiver, sender, config, Up())).Json();
        await Assert.That(up.GetProperty("chat_id").GetString()).IsEqualTo("@flatline_alerts");
        await Assert.That(up.GetProperty("disable_notification").GetBoolean()).IsTrue();
        await Assert.That(up.GetProperty("text").GetString())
            .IsEqualTo("<b>api is up</b>\nhttps://api.example.com/health?x=1&amp;y=2\nback up after 5 min 12 s");
        var test = (await SendAsync(receiver, sender, config, Test())).Json();
        await Assert.That(test.GetProperty("disable_notification").GetBoolean()).IsFalse();
        await Assert.That(test.GetProperty("text").GetString())
            .IsEqualTo("<b>Test notification from Flatline</b>\nThis is a test. If you can read it, Flatline's alerts reach you here.");
    }

    // ---- webhook

    [Test]
    public async Task Webhook_down_body_is_the_versioned_document_and_unsigned_without_a_secret()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("webhook", ("url", receiver.Url("/hooks/flatline").AbsoluteUri));
        var request = await SendAsync(receiver, new WebhookSender(Http()), config, Down(Link));
        await AssertJsonPost(request, "/hooks/flatline", """
            {"version":1,"event":"monitor.down",
             "monitor":{"id":"mon_1","name":"api","url":"https://api.example.com/health?x=1&y=2"},
             "incident":{"id":"inc_1","started_at":"2026-03-01T12:00:00Z","resolved_at":null},
             "check":{"status_code":503,"error":"unexpected status 503 (expected 2xx)","checked_at":"2026-03-01T12:00:00Z"},
             "sent_at":"2026-03-01T12:10:00.123Z"}
            """);
        await Assert.That(request.Header("webhook-id")).IsNull();
        await Assert.That(request.Header("webhook-timestamp")).IsNull();
        await Assert.That(request.Header("webhook-signature")).IsNull();
        // Only the documented fields: nothing of the monitor's own request rides along.
        var root = request.Json();
        await Assert.That(string.Join(",", root.EnumerateObject().Select(p => p.Name))).IsEqualTo("version,event,monitor,incident,check,sent_at");
        await Assert.That(string.Join(",", root.GetProperty("monitor").EnumerateObject().Select(p => p.Name))).IsEqualTo("id,name,url");
    }

    [Test]
    public async Task Webhook_up_and_test_bodies_carry_the_resolution_and_a_null_incident()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("webhook", ("url", receiver.Url("/h").AbsoluteUri));
        var sender = new WebhookSender(Http());
        var up = await SendAsync(receiver, sender, config, Up());
        await Assert.That(Canonical(up.BodyText)).IsEqualTo(Canonical("""
            {"version":1,"event":"monitor.up",
             "monitor":{"id":"mon_1","name":"api","url":"https://api.example.com/health?x=1&y=2"},
             "incident":{"id":"inc_1","started_at":"2026-03-01T12:00:00Z","resolved_at":"2026-03-01T12:05:12Z"},
             "check":{"status_code":200,"error":null,"checked_at":"2026-03-01T12:05:12Z"},
             "sent_at":"2026-03-01T12:10:00.123Z"}
            """));
        var test = await SendAsync(receiver, sender, config, Test());
        await Assert.That(Canonical(test.BodyText)).IsEqualTo(Canonical("""
            {"version":1,"event":"test","monitor":{"id":"","name":"","url":""},"incident":null,
             "check":{"status_code":null,"error":null,"checked_at":"2026-03-01T12:10:00.123Z"},
             "sent_at":"2026-03-01T12:10:00.123Z"}
            """));
    }

    [Test]
    public async Task Webhook_degraded_and_its_end_are_their_own_events_without_an_incident()
    {
        await using var receiver = await Receiver.StartAsync();
        var sender = new WebhookSender(Http());
        var config = Config("webhook", ("url", receiver.Url("/hook").AbsoluteUri));
        var began = (await SendAsync(receiver, sender, config, Degraded())).Json();
        var ended = (await SendAsync(receiver, sender, config, DegradedEnded())).Json();
        await Assert.That(began.GetProperty("event").GetString()).IsEqualTo("monitor.degraded");
        await Assert.That(ended.GetProperty("event").GetString()).IsEqualTo("monitor.degraded_ended");
        await Assert.That(ended.GetProperty("incident").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(ended.GetProperty("monitor").GetProperty("id").GetString()).IsEqualTo("mon_1");
        await Assert.That(ended.GetProperty("check").GetProperty("error").GetString()).IsEqualTo(CertificateSoon);
    }

    [Test]
    public async Task The_end_of_a_degraded_spell_looks_like_a_recovery_where_senders_mark_one()
    {
        await using var receiver = await Receiver.StartAsync();
        var slack = await SendAsync(receiver, new SlackSender(Http()), Config("slack", ("url", receiver.Url("/s").AbsoluteUri)), DegradedEnded());
        await Assert.That(slack.BodyText).Contains(":large_green_circle: *api is no longer degraded*");
        var discord = await SendAsync(receiver, new DiscordSender(Http()), Config("discord", ("url", receiver.Url("/d").AbsoluteUri)), DegradedEnded());
        await Assert.That(discord.Json().GetProperty("embeds")[0].GetProperty("color").GetInt32()).IsEqualTo(DiscordSender.UpColour);
        var telegram = await SendAsync(receiver, new TelegramSender(Http()), Config("telegram", ("url", receiver.Root + "/bot1:x"), ("chat_id", "42")), DegradedEnded());
        await Assert.That(telegram.Json().GetProperty("disable_notification").GetBoolean()).IsTrue();
        var ntfy = await SendAsync(receiver, new NtfySender(Http()), Config("ntfy", ("url", receiver.Root), ("topic", "alerts")), DegradedEnded());
        await Assert.That(ntfy.Json().GetProperty("tags")[0].GetString()).IsEqualTo("white_check_mark");
    }

    [Test]
    public async Task Webhook_with_a_whsec_secret_is_signed_the_standard_webhooks_way()
    {
        await using var receiver = await Receiver.StartAsync();
        var key = RandomNumberGenerator.GetBytes(24);
        var config = Config("webhook", ("url", receiver.Url("/h").AbsoluteUri), ("secret", "whsec_" + Convert.ToBase64String(key)));
        var request = await SendAsync(receiver, new WebhookSender(Http()), config, Down());
        await Assert.That(request.Header("webhook-id")).IsEqualTo("evt_down");
        await Assert.That(request.Header("webhook-timestamp")).IsEqualTo(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assert.That(request.Header("webhook-signature")).IsEqualTo("v1," + Signature(key, request));
    }

    [Test]
    public async Task Webhook_with_a_plain_secret_signs_with_its_utf8_bytes()
    {
        await using var receiver = await Receiver.StartAsync();
        const string secret = "correct horse battery staple ü";
        var config = Config("webhook", ("url", receiver.Url("/h").AbsoluteUri), ("secret", secret));
        var request = await SendAsync(receiver, new WebhookSender(Http()), config, Up());
        await Assert.That(request.Header("webhook-id")).IsEqualTo("evt_up");
        await Assert.That(request.Header("webhook-signature")).IsEqualTo("v1," + Signature(Encoding.UTF8.GetBytes(secret), request));
    }

    [Test]
    public async Task Webhook_with_a_whsec_secret_that_is_not_base64_is_refused_without_sending()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("webhook", ("url", receiver.Url("/h").AbsoluteUri), ("secret", "whsec_not base64!"));
        var result = await new WebhookSender(Http()).SendAsync(config, Down(), CancellationToken.None);
        await Assert.That(result.Delivered).IsFalse();
        await Assert.That(result.Retry).IsFalse();
        await Assert.That(receiver.Requests.Count).IsEqualTo(0);
    }

    /// <summary>Recomputed here from the raw bytes received, as a Standard Webhooks receiver does.</summary>
    static string Signature(byte[] key, ReceivedRequest request)
    {
        var signed = Encoding.UTF8.GetBytes($"{request.Header("webhook-id")}.{request.Header("webhook-timestamp")}.").Concat(request.Body).ToArray();
        return Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    // ---- ntfy

    [Test]
    public async Task Ntfy_gets_a_json_publish_at_the_root_with_high_priority_the_click_link_and_the_token()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("ntfy", ("url", receiver.Root), ("topic", "alerts"), ("token", "tk_secret"));
        var request = await SendAsync(receiver, new NtfySender(Http()), config, Down(Link));
        await AssertJsonPost(request, "/", """
            {"topic":"alerts","title":"api is down","message":"https://api.example.com/health?x=1&y=2\nunexpected status 503 (expected 2xx)",
             "priority":5,"tags":["rotating_light"],"click":"https://status.example.com/monitors/mon_1"}
            """);
        await Assert.That(request.Header("Authorization")).IsEqualTo("Bearer tk_secret");
    }

    [Test]
    public async Task Ntfy_recovery_has_default_priority_no_click_without_a_public_url_and_no_token_header_without_a_token()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("ntfy", ("url", receiver.Root + "/"), ("topic", "alerts"));
        var request = await SendAsync(receiver, new NtfySender(Http()), config, Up());
        await AssertJsonPost(request, "/", """
            {"topic":"alerts","title":"api is up","message":"https://api.example.com/health?x=1&y=2\nback up after 5 min 12 s",
             "priority":3,"tags":["white_check_mark"]}
            """);
        await Assert.That(request.Header("Authorization")).IsNull();
    }

    // ---- gotify

    [Test]
    public async Task Gotify_gets_a_message_with_the_key_header_priority_8_and_the_click_url()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("gotify", ("url", receiver.Root + "/"), ("token", "AppToken.1"));
        var request = await SendAsync(receiver, new GotifySender(Http()), config, Down(Link));
        await AssertJsonPost(request, "/message", """
            {"title":"api is down","message":"https://api.example.com/health?x=1&y=2\nunexpected status 503 (expected 2xx)","priority":8,
             "extras":{"client::display":{"contentType":"text/plain"},
                       "client::notification":{"click":{"url":"https://status.example.com/monitors/mon_1"}}}}
            """);
        await Assert.That(request.Header("X-Gotify-Key")).IsEqualTo("AppToken.1");
    }

    [Test]
    public async Task Gotify_recovery_has_priority_4_and_no_click_without_a_public_url()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("gotify", ("url", receiver.Root), ("token", "t"));
        var request = await SendAsync(receiver, new GotifySender(Http()), config, Up());
        await AssertJsonPost(request, "/message", """
            {"title":"api is up","message":"https://api.example.com/health?x=1&y=2\nback up after 5 min 12 s","priority":4,
             "extras":{"client::display":{"contentType":"text/plain"}}}
            """);
    }

    // ---- pagerduty

    [Test]
    public async Task PagerDuty_down_triggers_with_the_incident_as_dedup_key()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(202, body: """{"status":"success","message":"Event processed","dedup_key":"inc_1"}""");
        var sender = new PagerDutySender(Http(), receiver.Url("/v2/enqueue"));
        var request = await SendAsync(receiver, sender, Config("pagerduty", ("routing_key", "R0UT1NGKEY")), Down(Link));
        await AssertJsonPost(request, "/v2/enqueue", """
            {"routing_key":"R0UT1NGKEY","event_action":"trigger","dedup_key":"inc_1",
             "payload":{"summary":"api is down: unexpected status 503 (expected 2xx)","source":"api.example.com","severity":"critical",
                        "timestamp":"2026-03-01T12:00:00Z","component":"api",
                        "custom_details":{"monitor_id":"mon_1","monitor_name":"api","monitor_url":"https://api.example.com/health?x=1&y=2",
                                          "status_code":503,"error":"unexpected status 503 (expected 2xx)","checked_at":"2026-03-01T12:00:00Z"}},
             "client":"Flatline","client_url":"https://status.example.com/monitors/mon_1",
             "links":[{"href":"https://status.example.com/monitors/mon_1","text":"Open in Flatline"}]}
            """);
    }

    [Test]
    public async Task PagerDuty_recovery_resolves_the_same_dedup_key_with_nothing_else()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(202);
        var sender = new PagerDutySender(Http(), receiver.Url("/v2/enqueue"));
        var request = await SendAsync(receiver, sender, Config("pagerduty", ("routing_key", "R0UT1NGKEY")), Up(Link));
        await AssertJsonPost(request, "/v2/enqueue", """{"routing_key":"R0UT1NGKEY","event_action":"resolve","dedup_key":"inc_1"}""");
    }

    [Test]
    public async Task PagerDuty_degraded_triggers_a_warning_keyed_by_the_monitor_and_its_end_resolves_that_key()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(202);
        var sender = new PagerDutySender(Http(), receiver.Url("/v2/enqueue"));
        var config = Config("pagerduty", ("routing_key", "k"));
        var trigger = (await SendAsync(receiver, sender, config, Degraded())).Json();
        await Assert.That(trigger.GetProperty("event_action").GetString()).IsEqualTo("trigger");
        await Assert.That(trigger.GetProperty("dedup_key").GetString()).IsEqualTo("degraded:mon_1");
        await Assert.That(trigger.GetProperty("payload").GetProperty("severity").GetString()).IsEqualTo("warning");
        await Assert.That(trigger.GetProperty("payload").GetProperty("summary").GetString()).IsEqualTo($"api is degraded: {CertificateSoon}");
        var resolve = await SendAsync(receiver, sender, config, DegradedEnded());
        await AssertJsonPost(resolve, "/v2/enqueue", """{"routing_key":"k","event_action":"resolve","dedup_key":"degraded:mon_1"}""");
    }

    [Test]
    public async Task PagerDuty_test_triggers_an_info_event_keyed_by_the_event_id()
    {
        await using var receiver = await Receiver.StartAsync();
        var sender = new PagerDutySender(Http(), receiver.Url("/v2/enqueue"));
        var request = await SendAsync(receiver, sender, Config("pagerduty", ("routing_key", "k")), Test());
        await AssertJsonPost(request, "/v2/enqueue", """
            {"routing_key":"k","event_action":"trigger","dedup_key":"evt_test",
             "payload":{"summary":"Test notification from Flatline","source":"flatline","severity":"info","timestamp":"2026-03-01T12:10:00.123Z",
                        "custom_details":{"monitor_id":"","monitor_name":"","monitor_url":"","status_code":null,"error":null,"checked_at":"2026-03-01T12:10:00.123Z"}},
             "client":"Flatline"}
            """);
    }

    [Test]
    public async Task PagerDuty_summaries_are_cut_to_its_limit_of_1024_characters()
    {
        await using var receiver = await Receiver.StartAsync();
        var sender = new PagerDutySender(Http(), receiver.Url("/v2/enqueue"));
        var notification = Down() with { Error = new string('x', 2000) };
        var request = await SendAsync(receiver, sender, Config("pagerduty", ("routing_key", "k")), notification);
        var summary = request.Json().GetProperty("payload").GetProperty("summary").GetString()!;
        await Assert.That(summary.Length).IsEqualTo(1024);
        await Assert.That(summary).StartsWith("api is down: xxx");
        await Assert.That(summary).EndsWith("x…");
        await Assert.That(request.Json().GetProperty("payload").GetProperty("custom_details").GetProperty("error").GetString()).IsEqualTo(notification.Error);
    }

    [Test]
    public async Task PagerDuty_goes_to_the_events_api_v2_by_default()
    {
        await Assert.That(PagerDutySender.DefaultEndpoint.AbsoluteUri).IsEqualTo("https://events.pagerduty.com/v2/enqueue");
    }

    // ---- the wording

    [Test]
    public async Task Downtime_reads_the_way_people_say_it()
    {
        await Assert.That(AlertText.Duration(TimeSpan.FromSeconds(45.9))).IsEqualTo("45 s");
        await Assert.That(AlertText.Duration(TimeSpan.FromMinutes(5))).IsEqualTo("5 min");
        await Assert.That(AlertText.Duration(new TimeSpan(0, 5, 12))).IsEqualTo("5 min 12 s");
        await Assert.That(AlertText.Duration(new TimeSpan(3, 7, 59))).IsEqualTo("3 h 7 min");
        await Assert.That(AlertText.Duration(new TimeSpan(2, 4, 0, 0))).IsEqualTo("2 d 4 h");
        await Assert.That(AlertText.Duration(TimeSpan.FromSeconds(-3))).IsEqualTo("0 s");
    }

    [Test]
    public async Task The_plain_message_names_the_monitor_says_what_happened_and_links_only_when_there_is_a_public_url()
    {
        await Assert.That(AlertText.Plain(Down(Link))).IsEqualTo(
            "api is down\nhttps://api.example.com/health?x=1&y=2\nunexpected status 503 (expected 2xx)\nOpen in Flatline: https://status.example.com/monitors/mon_1");
        await Assert.That(AlertText.Plain(Down())).IsEqualTo("api is down\nhttps://api.example.com/health?x=1&y=2\nunexpected status 503 (expected 2xx)");
        await Assert.That(AlertText.Plain(Up())).Contains("back up after 5 min 12 s");
        await Assert.That(AlertText.Plain(Up())).DoesNotContain("Open in Flatline");
        await Assert.That(AlertText.Plain(Degraded())).IsEqualTo($"api is degraded\nhttps://api.example.com/health?x=1&y=2\n{CertificateSoon}");
        await Assert.That(AlertText.Plain(DegradedEnded())).IsEqualTo(
            $"api is no longer degraded\nhttps://api.example.com/health?x=1&y=2\nback to normal, was: {CertificateSoon}");
        await Assert.That(AlertText.Summary(DegradedEnded() with { Error = null })).IsEqualTo("api is no longer degraded: back to normal");
        await Assert.That(AlertText.Plain(Test(Link))).IsEqualTo(
            "Test notification from Flatline\nThis is a test. If you can read it, Flatline's alerts reach you here.\nOpen in Flatline: https://status.example.com/monitors/mon_1");
    }

    // ---- how answers are classified

    static async Task<DeliveryResult> PostAsync(Uri url, SenderHttp? http = null) =>
        await (http ?? Http()).PostJsonAsync(url, """{"a":1}"""u8.ToArray(), null, CancellationToken.None);

    [Test]
    public async Task A_2xx_answer_is_delivered()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(204);
        var result = await PostAsync(receiver.Url("/x"));
        await Assert.That(result.Delivered).IsTrue();
        await Assert.That(result.StatusCode).IsEqualTo(204);
        await Assert.That(result.Retry).IsFalse();
        await Assert.That(result.Error).IsNull();
    }

    [Test]
    public async Task A_500_may_be_retried_and_says_what_the_server_said()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(500, body: "  oops:\n  database   down \n");
        var result = await PostAsync(receiver.Url("/x"));
        await Assert.That(result.Delivered).IsFalse();
        await Assert.That(result.StatusCode).IsEqualTo(500);
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.RetryAfter.HasValue).IsFalse();
        await Assert.That(result.Error).IsEqualTo("HTTP 500: oops: database down");
    }

    [Test]
    public async Task A_429_with_retry_after_seconds_is_retried_after_them()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(429, retryAfter: "7");
        var result = await PostAsync(receiver.Url("/x"));
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.StatusCode).IsEqualTo(429);
        await Assert.That(result.RetryAfter.HasValue).IsTrue();
        await Assert.That(result.RetryAfter!.Value).IsEqualTo(TimeSpan.FromSeconds(7));
    }

    [Test]
    public async Task A_429_with_retry_after_as_an_http_date_is_retried_at_that_time()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(429, retryAfter: (Now + TimeSpan.FromSeconds(90)).ToString("R"));
        var result = await PostAsync(receiver.Url("/x"));
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.RetryAfter.HasValue).IsTrue();
        // The header has whole seconds; Now is 123 ms past one.
        await Assert.That(result.RetryAfter!.Value).IsEqualTo(TimeSpan.FromSeconds(90) - TimeSpan.FromMilliseconds(123));
    }

    [Test]
    public async Task A_503_with_a_retry_after_in_the_past_may_be_retried_at_once()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(503, retryAfter: (Now - TimeSpan.FromMinutes(1)).ToString("R"));
        var result = await PostAsync(receiver.Url("/x"));
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.RetryAfter).IsEqualTo(TimeSpan.Zero);
    }

    [Test]
    [Arguments(400, "invalid_payload")]
    [Arguments(404, "no_service")]
    [Arguments(401, "")]
    public async Task Other_4xx_answers_are_final(int status, string body)
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(status, retryAfter: "5", body: body);
        var result = await PostAsync(receiver.Url("/x"));
        await Assert.That(result.Delivered).IsFalse();
        await Assert.That(result.Retry).IsFalse();
        await Assert.That(result.RetryAfter.HasValue).IsFalse();
        await Assert.That(result.StatusCode).IsEqualTo(status);
        await Assert.That(result.Error).IsEqualTo(body.Length > 0 ? $"HTTP {status}: {body}" : $"HTTP {status}");
    }

    [Test]
    public async Task A_redirect_is_final_and_not_followed()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(302);
        var result = await PostAsync(receiver.Url("/x"));
        await Assert.That(result.Retry).IsFalse();
        await Assert.That(result.StatusCode).IsEqualTo(302);
        await Assert.That(receiver.Requests.Count).IsEqualTo(1);
    }

    [Test]
    public async Task Only_the_start_of_a_huge_error_body_is_read()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(502, body: new string('e', 1_000_000));
        var result = await PostAsync(receiver.Url("/x"));
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.Error).IsEqualTo("HTTP 502: " + new string('e', 200));
    }

    [Test]
    public async Task An_HttpClient_as_the_shared_client_reads_no_more_of_an_error_body_either()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(503, body: new string('e', 1_000_000));
        using var client = new HttpClient { MaxResponseContentBufferSize = 64 * 1024 };
        var result = await PostAsync(receiver.Url("/x"), new SenderHttp(client, TimeProvider.System));
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.Error).IsEqualTo("HTTP 503: " + new string('e', 200));
    }

    [Test]
    public async Task A_refused_connection_may_be_retried()
    {
        var result = await PostAsync(new Uri($"http://127.0.0.1:{RawTarget.UnusedPort()}/x"));
        await Assert.That(result.Delivered).IsFalse();
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.StatusCode.HasValue).IsFalse();
        await Assert.That(result.Error).IsEqualTo("connection refused");
    }

    [Test]
    public async Task A_receiver_that_hangs_times_out_and_may_be_retried()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Hang();
        var stopwatch = Stopwatch.StartNew();
        var result = await PostAsync(receiver.Url("/x"), Http(TimeProvider.System, TimeSpan.FromSeconds(1)));
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.Error).IsEqualTo("timeout after 1 s");
        await Assert.That(stopwatch.Elapsed).IsLessThan(TimeSpan.FromSeconds(5));
        await Assert.That(receiver.Requests.Count).IsEqualTo(1);
    }

    [Test]
    public async Task The_timeout_is_10_s_unless_given()
    {
        await Assert.That(SenderHttp.DefaultTimeout).IsEqualTo(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task The_callers_cancellation_is_not_a_delivery_result()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Hang();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.That(async () => await Http(TimeProvider.System).PostJsonAsync(receiver.Url("/x"), [], null, cancel.Token))
            .Throws<OperationCanceledException>();
    }

    [Test]
    public async Task A_channel_without_a_usable_url_fails_for_good_without_a_request()
    {
        var sender = new SlackSender(Http());
        var result = await sender.SendAsync(Config("slack", ("url", "not a url")), Down(), CancellationToken.None);
        await Assert.That(result.Delivered).IsFalse();
        await Assert.That(result.Retry).IsFalse();
        await Assert.That(result.Error).IsEqualTo("slack: url is not an http(s) URL");
    }

    [Test]
    public async Task Every_type_has_its_sender()
    {
        using var services = new ServiceCollection().AddSingleton(Http()).BuildServiceProvider();
        var types = NotificationChannelTypes.BuiltIn;
        await Assert.That(string.Join(",", types.Select(t => t.Type)))
            .IsEqualTo("slack,discord,telegram,webhook,ntfy,gotify,pagerduty,email,teams,matrix,pushover,mattermost,google_chat");
        await Assert.That(string.Join(",", types.Select(t => t.CreateSender(services).GetType().Name)))
            .IsEqualTo("SlackSender,DiscordSender,TelegramSender,WebhookSender,NtfySender,GotifySender,PagerDutySender,EmailSender,TeamsSender,MatrixSender,PushoverSender,MattermostSender,GoogleChatSender");
    }
}
