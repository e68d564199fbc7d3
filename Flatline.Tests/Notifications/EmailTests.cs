using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Notifications;

/// <summary>The email channel against a real SMTP server (Debian's aiosmtpd on 127.0.0.1): STARTTLS
/// and implicit TLS on a certificate from a CA made for the test, AUTH PLAIN and LOGIN, refusals, and
/// servers that answer 451, stall or hang up in the middle of a message, through the real outbox.
/// Each message is read back as the server's own parser sees it.</summary>
public class EmailTests
{
    static ChannelConfig Email(int port, string security, string host = "127.0.0.1", string? user = null, string? password = null,
        string from = "alerts@example.com", params string[] to)
    {
        var json = new JsonObject { ["type"] = "email", ["host"] = host, ["port"] = port, ["security"] = security };
        if (user is not null) json["username"] = user;
        if (password is not null) json["password"] = password;
        json["from"] = from;
        json["to"] = new JsonArray([.. (to.Length == 0 ? ["ops@example.com"] : to).Select(address => (JsonNode?)address)]);
        return JsonSerializer.Deserialize(json.ToJsonString(), FlatlineJson.Default.ChannelConfig)!;
    }

    /// <param name="time">The fake clock of the sender tests (fixed Date headers) unless given.</param>
    static EmailSender Sender(X509Certificate2? root = null, TimeProvider? time = null) =>
        new(SenderTests.Http(time), root is null ? null : new X509Certificate2Collection(root));

    [Test]
    public async Task Over_starttls_with_auth_plain_the_message_arrives_with_both_parts_encoded_headers_and_a_stuffed_dot_line()
    {
        using var authority = new TestCertificateAuthority();
        using var certificate = authority.Issue();
        await using var smtp = await SmtpServer.StartAsync(new() { Security = "starttls", Certificate = certificate, User = "alerts", Password = "pässwörd 1" });
        var config = Email(smtp.Port, "starttls", host: "localhost", user: "alerts", password: "pässwörd 1", from: "Flatline Wächter <alerts@example.com>",
            to: ["ops@example.com", "\"Zoë Ökonom\" <zoe@example.org>"]);
        // A detail line that is a lone dot would end DATA early without dot-stuffing.
        var notification = SenderTests.Down(SenderTests.Link, name: "Zürich API ✓ <prod>") with { Error = "." };

        var result = await Sender(authority.Root).SendAsync(config, notification, CancellationToken.None);
        await Assert.That(result.Error).IsNull().Because(smtp.Output);
        await Assert.That(result.Delivered).IsTrue();
        await Assert.That(result.StatusCode).IsEqualTo(250);

        var mail = smtp.Messages.Single();
        await Assert.That(mail.Tls).IsTrue();
        await Assert.That(mail.Auth).IsEqualTo("PLAIN:alerts");
        await Assert.That(mail.MailFrom).IsEqualTo("alerts@example.com");
        await Assert.That(string.Join(",", mail.RcptTos)).IsEqualTo("ops@example.com,zoe@example.org");
        await Assert.That(mail.Header("Subject")).IsEqualTo("Zürich API ✓ <prod> is down: .");
        await Assert.That(mail.Header("From")).IsEqualTo("Flatline Wächter <alerts@example.com>");
        await Assert.That(mail.Header("To")).IsEqualTo("ops@example.com, Zoë Ökonom <zoe@example.org>");
        await Assert.That(mail.Header("Message-ID")).IsEqualTo("<evt_down@example.com>");
        await Assert.That(mail.Header("Date")).IsEqualTo("Sun, 01 Mar 2026 12:10:00 +0000");
        await Assert.That(mail.Header("MIME-Version")).IsEqualTo("1.0");
        await Assert.That(mail.Header("Auto-Submitted")).IsEqualTo("auto-generated");
        await Assert.That(mail.ContentType).IsEqualTo("multipart/alternative");

        var parts = mail.Parts;
        await Assert.That(parts.Count).IsEqualTo(2);
        await Assert.That((parts[0].Type, parts[0].Charset, parts[0].Encoding)).IsEqualTo(("text/plain", "utf-8", "quoted-printable"));
        await Assert.That(parts[0].Text.Replace("\r\n", "\n", StringComparison.Ordinal)).IsEqualTo(AlertText.Plain(notification));
        await Assert.That((parts[1].Type, parts[1].Charset)).IsEqualTo(("text/html", "utf-8"));
        await Assert.That(parts[1].Text).Contains("<h2 style=\"margin:0 0 8px;color:#b91c1c\">Zürich API ✓ &lt;prod&gt; is down</h2>");
        await Assert.That(parts[1].Text).Contains("<p style=\"margin:0 0 8px\">https://api.example.com/health?x=1&amp;y=2</p>");
        await Assert.That(parts[1].Text).Contains("<a href=\"https://status.example.com/monitors/mon_1\">Open in Flatline</a>");

        // On the wire: ASCII only, the subject and names as RFC 2047 words, no line over 78.
        await Assert.That(mail.Raw.All(c => c < 128)).IsTrue();
        await Assert.That(mail.Raw).Contains("\r\nSubject: =?utf-8?B?");
        await Assert.That(mail.Raw).Contains("From: =?utf-8?B?");
        await Assert.That(mail.Raw.Split("\r\n").Max(l => l.Length)).IsLessThanOrEqualTo(78);
    }

    [Test]
    public async Task Over_implicit_tls_with_auth_login_every_recipient_but_the_refused_one_gets_it_and_the_refusal_is_reported()
    {
        using var authority = new TestCertificateAuthority();
        using var certificate = authority.Issue();
        await using var smtp = await SmtpServer.StartAsync(new()
        {
            Security = "tls", Certificate = certificate, User = "alerts", Password = "secret", WithoutMechanisms = ["PLAIN"], Refuse = ["gone@example.org"],
        });
        var config = Email(smtp.Port, "tls", user: "alerts", password: "secret", to: ["a@example.com", "gone@example.org", "b@example.com"]);

        var result = await Sender(authority.Root).SendAsync(config, SenderTests.Up(), CancellationToken.None);
        await Assert.That(result.Delivered).IsTrue().Because(smtp.Output);
        await Assert.That(result.Error).IsEqualTo("refused: gone@example.org (550 5.1.1 no such user here)");
        var mail = smtp.Messages.Single();
        await Assert.That(mail.Tls).IsTrue();
        await Assert.That(mail.Auth).IsEqualTo("LOGIN:alerts");
        await Assert.That(string.Join(",", mail.RcptTos)).IsEqualTo("a@example.com,b@example.com");
        await Assert.That(mail.Header("Subject")).IsEqualTo("api is up: back up after 5 min 12 s");
        await Assert.That(mail.Raw).Contains("\r\nSubject: api is up: back up after 5 min 12 s\r\n");
        await Assert.That(mail.Parts[0].Text).Contains("back up after 5 min 12 s");
    }

    [Test]
    public async Task A_certificate_from_a_ca_nobody_trusts_fails_the_attempt_before_any_credential_is_sent()
    {
        using var authority = new TestCertificateAuthority();
        using var certificate = authority.Issue();
        await using var smtp = await SmtpServer.StartAsync(new() { Security = "starttls", Certificate = certificate, User = "alerts", Password = "secret" });
        var result = await Sender(time: TimeProvider.System).SendAsync(Email(smtp.Port, "starttls", host: "localhost", user: "alerts", password: "secret"), SenderTests.Down(), CancellationToken.None);
        await Assert.That(result.Delivered).IsFalse();
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.Error).IsEqualTo("TLS: certificate not trusted");
        await Assert.That(smtp.Messages.Count).IsEqualTo(0);
    }

    [Test]
    public async Task A_wrong_password_is_a_final_5xx()
    {
        using var authority = new TestCertificateAuthority();
        using var certificate = authority.Issue();
        await using var smtp = await SmtpServer.StartAsync(new() { Security = "starttls", Certificate = certificate, User = "alerts", Password = "secret" });
        var result = await Sender(authority.Root).SendAsync(Email(smtp.Port, "starttls", user: "alerts", password: "wrong"), SenderTests.Down(), CancellationToken.None);
        await Assert.That(result.Delivered).IsFalse();
        await Assert.That(result.Retry).IsFalse();
        await Assert.That(result.StatusCode).IsEqualTo(535);
        await Assert.That(smtp.Messages.Count).IsEqualTo(0);
    }

    [Test]
    public async Task A_550_for_the_message_is_final_and_says_what_the_server_said()
    {
        await using var smtp = await SmtpServer.StartAsync(new() { Behaviour = "reject" });
        var result = await Sender().SendAsync(Email(smtp.Port, "none"), SenderTests.Down(), CancellationToken.None);
        await Assert.That(result.Delivered).IsFalse();
        await Assert.That(result.Retry).IsFalse();
        await Assert.That(result.StatusCode).IsEqualTo(550);
        await Assert.That(result.Error).IsEqualTo("SMTP 550: 5.7.1 message refused");
    }

    [Test]
    public async Task Starttls_is_never_skipped_when_the_server_does_not_offer_it_and_a_dead_port_may_be_retried()
    {
        await using var smtp = await SmtpServer.StartAsync(new());
        var plain = await Sender().SendAsync(Email(smtp.Port, "starttls"), SenderTests.Down(), CancellationToken.None);
        await Assert.That(plain.Delivered).IsFalse();
        await Assert.That(plain.Retry).IsFalse();
        await Assert.That(plain.Error).IsEqualTo("the server does not offer STARTTLS");
        await Assert.That(smtp.Messages.Count).IsEqualTo(0);

        var refused = await Sender().SendAsync(Email(RawTarget.UnusedPort(), "none"), SenderTests.Down(), CancellationToken.None);
        await Assert.That(refused.Retry).IsTrue();
        await Assert.That(refused.Error).IsEqualTo("connection refused");
    }

    [Test]
    public async Task The_message_keeps_to_mime_line_limits_and_folds_a_long_utf8_subject_into_whole_character_words()
    {
        var notification = SenderTests.Down(name: string.Concat(Enumerable.Repeat("Überwachung 🚨 ", 12))) with { Error = new string('x', 300) + " = end" };
        var message = EmailSender.Compose(notification, EmailSender.Mailbox.Parse("Flatline Überwachung für das Rechenzentrum <alerts@example.com>")!,
            [EmailSender.Mailbox.Parse("ops@example.com")!, EmailSender.Mailbox.Parse("Zoë Ökonom-Überall von und zu Müllerhausen <zoe.oekonom@example.org>")!],
            SenderTests.Now);
        var lines = message.Split("\r\n");
        await Assert.That(lines.Max(l => l.Length)).IsLessThanOrEqualTo(78);
        var subject = lines.SkipWhile(l => !l.StartsWith("Subject: ", StringComparison.Ordinal)).TakeWhile((l, i) => i == 0 || l.StartsWith(' ')).ToList();
        await Assert.That(subject.Count).IsGreaterThan(3);
        var decoded = string.Concat(subject.Select(l => l.Replace("Subject: ", "", StringComparison.Ordinal).Trim()).Select(word =>
        {
            CheckWord(word);
            return Encoding.UTF8.GetString(Convert.FromBase64String(word["=?utf-8?B?".Length..^2]));
        }));
        await Assert.That(decoded).IsEqualTo(AlertText.Summary(notification));
        await Assert.That(EmailSender.Compose(notification, EmailSender.Mailbox.Parse("a@example.com")!, [EmailSender.Mailbox.Parse("b@example.com")!], SenderTests.Now))
            .Contains("Content-Type: multipart/alternative; boundary=\"=_flatline_evt_down\"");

        static void CheckWord(string word)
        {
            if (!word.StartsWith("=?utf-8?B?", StringComparison.Ordinal) || !word.EndsWith("?=", StringComparison.Ordinal) || word.Length > 75)
                throw new InvalidOperationException("not an encoded word of at most 75 characters: " + word);
        }
    }

    [Test]
    public async Task Dot_stuffing_doubles_a_leading_dot_on_every_line_and_ends_with_the_lone_dot()
    {
        await Assert.That(SmtpSession.DotStuffed(".a\r\nb\r\n.\r\n..c\r\n")).IsEqualTo("..a\r\nb\r\n..\r\n...c\r\n.");
        await Assert.That(SmtpSession.DotStuffed("no end")).IsEqualTo("no end\r\n.");
    }

    // ---- through the real server and its outbox

    [Test]
    [Arguments("busy-once", "SMTP 451: 4.3.0 try again later")]
    [Arguments("stall-once", "timeout after 2 s")]
    [Arguments("cut-once", "connection closed")]
    public async Task A_failed_attempt_is_retried_by_the_outbox_and_the_alert_arrives_exactly_once(string behaviour, string firstError)
    {
        await using var smtp = await SmtpServer.StartAsync(new() { Behaviour = behaviour });
        await using var target = await TargetServer.StartAsync();
        target.HealthStatus = 503;
        var clock = new FakeClock();
        // A stalled server holds an attempt for the whole limit, in real time: 2 s here rather than 10.
        await using var server = await FlatlineServer.StartAsync(time: clock,
            services: s => s.AddSingleton(new SenderHttp(SenderHttp.CreateInvoker(), TimeProvider.System, TimeSpan.FromSeconds(2))));
        using var client = server.CreateClient();
        using var created = await client.PostJsonAsync("/api/v1/notification-channels", $$$"""
            {"name":"mail","config":{"type":"email","host":"127.0.0.1","port":{{{smtp.Port}}},"security":"none","from":"Flatline <alerts@example.com>","to":["ops@example.com"]}}
            """);
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var channel = (await created.ReadJsonAsync()).GetProperty("id").GetString()!;
        await AlertTimingTests.WatchAsync(client, target, channel);

        await clock.AdvanceUntilAsync(() => smtp.Messages.Count >= 1, TimeSpan.FromSeconds(1));
        await clock.AdvanceAsync(TimeSpan.FromMinutes(1), 30);
        var mail = smtp.Messages.Single();
        await Assert.That(mail.Header("Subject")).IsEqualTo("api is down: unexpected status 503 (expected 2xx)");

        var attempts = await OutboxTests.Deliveries(client, channel);
        await Assert.That(attempts.GetArrayLength()).IsEqualTo(2).Because(attempts.ToString());
        await Assert.That(attempts[1].GetProperty("delivered").GetBoolean()).IsFalse();
        await Assert.That(attempts[1].GetProperty("error").GetString()).IsEqualTo(firstError);
        await Assert.That(attempts[0].GetProperty("delivered").GetBoolean()).IsTrue();
        await Assert.That(attempts[0].GetProperty("status_code").GetInt32()).IsEqualTo(250);
        await Assert.That(attempts[0].GetProperty("state").GetString()).IsEqualTo("delivered");
        // The same event both times, so the Message-ID too.
        await Assert.That(attempts[0].GetProperty("event_id").GetString()).IsEqualTo(attempts[1].GetProperty("event_id").GetString());
        await Assert.That(mail.Header("Message-ID")).IsEqualTo($"<{attempts[0].GetProperty("event_id").GetString()}@example.com>");
    }

    [Test]
    public async Task A_test_send_reports_the_smtp_outcome_and_reads_show_the_password_masked()
    {
        await using var smtp = await SmtpServer.StartAsync(new());
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var created = await client.PostJsonAsync("/api/v1/notification-channels", $$$"""
            {"name":"mail","config":{"type":"email","host":"localhost","port":{{{smtp.Port}}},"security":"none","username":"u","password":"hunter22","from":"alerts@example.com","to":["ops@example.com"]}}
            """);
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var channel = await created.ReadJsonAsync();
        await Assert.That(channel.GetProperty("config").GetProperty("password").GetString()).IsEqualTo("********");
        var id = channel.GetProperty("id").GetString()!;
        var listed = await (await client.GetAsync("/api/v1/notification-channels")).ReadJsonAsync();
        await Assert.That(listed.ToString()).DoesNotContain("hunter22");

        // The server offers no AUTH without TLS: a final failure, reported and logged.
        var outcome = await (await client.PostAsync($"/api/v1/notification-channels/{id}/test", null)).ReadJsonAsync();
        await Assert.That(outcome.GetProperty("delivered").GetBoolean()).IsFalse();
        await Assert.That(outcome.GetProperty("error").GetString()).IsEqualTo("the server offers neither AUTH PLAIN nor AUTH LOGIN");

        using var patched = await client.PatchJsonAsync($"/api/v1/notification-channels/{id}", """{"config":{"username":"","password":""}}""");
        await Assert.That(patched.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var sent = await (await client.PostAsync($"/api/v1/notification-channels/{id}/test", null)).ReadJsonAsync();
        await Assert.That(sent.GetProperty("delivered").GetBoolean()).IsTrue();
        await Assert.That(sent.GetProperty("status_code").GetInt32()).IsEqualTo(250);
        await Assert.That(smtp.Messages.Single().Header("Subject")).IsEqualTo("Test notification from Flatline");
        var log = await OutboxTests.Deliveries(client, id);
        await Assert.That(log.GetArrayLength()).IsEqualTo(2);
        await Assert.That(log[0].GetProperty("event").GetString()).IsEqualTo("test");
    }
}
