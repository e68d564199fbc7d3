using Microsoft.AspNetCore.WebUtilities;

namespace Flatline.Tests.Notifications;

/// <summary>Teams, Matrix, Pushover, Mattermost and Google Chat against a real receiver: each one's
/// documented request, exactly.</summary>
public sealed partial class SenderTests
{
    // ---- teams

    [Test]
    public async Task Teams_gets_a_workflows_message_with_an_adaptive_card_and_the_link_as_an_action()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(202);
        var config = Config("teams", ("url", receiver.Url("/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=S1G").AbsoluteUri));
        var request = await SendAsync(receiver, new TeamsSender(Http()), config, Down(Link));
        await Assert.That(request.Query).IsEqualTo("?api-version=2016-06-01&sig=S1G");
        request = request with { Query = "" };
        await AssertJsonPost(request, "/workflows/abc/triggers/manual/paths/invoke", """
            {"type":"message",
             "attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
               "content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4",
                 "body":[{"type":"TextBlock","text":"api is down","weight":"Bolder","size":"Medium","color":"Attention","wrap":true},
                         {"type":"TextBlock","text":"https://api.example.com/health?x=1&y=2","wrap":true},
                         {"type":"TextBlock","text":"unexpected status 503 (expected 2xx)","wrap":true}],
                 "actions":[{"type":"Action.OpenUrl","title":"Open in Flatline","url":"https://status.example.com/monitors/mon_1"}]}}]}
            """);
    }

    [Test]
    public async Task Teams_recovery_is_green_and_has_no_action_without_a_public_url()
    {
        await using var receiver = await Receiver.StartAsync();
        var request = await SendAsync(receiver, new TeamsSender(Http()), Config("teams", ("url", receiver.Url("/hook").AbsoluteUri)), Up());
        var content = request.Json().GetProperty("attachments")[0].GetProperty("content");
        await Assert.That(content.GetProperty("body")[0].GetProperty("color").GetString()).IsEqualTo("Good");
        await Assert.That(content.GetProperty("body")[2].GetProperty("text").GetString()).IsEqualTo("back up after 5 min 12 s");
        await Assert.That(content.TryGetProperty("actions", out _)).IsFalse();
    }

    // ---- matrix

    [Test]
    public async Task Matrix_puts_an_m_room_message_with_the_event_id_as_transaction_id_and_the_bearer_token()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(200, body: """{"event_id":"$e1"}""");
        var config = Config("matrix", ("homeserver", receiver.Root + "/"), ("room_id", "!room:example.org"), ("access_token", "syt_secret"));
        var sender = new MatrixSender(Http());
        var request = await SendAsync(receiver, sender, config, Down(Link, name: "api <prod>"));
        await Assert.That(request.Method).IsEqualTo("PUT");
        await Assert.That(request.Path).IsEqualTo("/_matrix/client/v3/rooms/!room:example.org/send/m.room.message/flatline-evt_down");
        await Assert.That(request.Header("Authorization")).IsEqualTo("Bearer syt_secret");
        await Assert.That(request.Header("Content-Type")).IsEqualTo("application/json");
        await Assert.That(Canonical(request.BodyText)).IsEqualTo(Canonical("""
            {"msgtype":"m.text",
             "body":"api <prod> is down\nhttps://api.example.com/health?x=1&y=2\nunexpected status 503 (expected 2xx)\nOpen in Flatline: https://status.example.com/monitors/mon_1",
             "format":"org.matrix.custom.html",
             "formatted_body":"<b>api &lt;prod&gt; is down</b><br>https://api.example.com/health?x=1&amp;y=2<br>unexpected status 503 (expected 2xx)<br><a href=\"https://status.example.com/monitors/mon_1\">Open in Flatline</a>"}
            """));

        // A retry of the same event goes to the same transaction; another event to its own.
        var again = await SendAsync(receiver, sender, config, Down(Link, name: "api <prod>"));
        await Assert.That(again.Path).IsEqualTo(request.Path);
        var recovery = await SendAsync(receiver, sender, config, Up());
        await Assert.That(recovery.Path).EndsWith("/flatline-evt_up");
    }

    [Test]
    public async Task Matrix_rate_limit_is_retried_after_the_retry_after_ms_of_its_body()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(429, body: """{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2500}""");
        var config = Config("matrix", ("homeserver", receiver.Root), ("room_id", "!r:h"), ("access_token", "t"));
        var result = await new MatrixSender(Http()).SendAsync(config, Down(), CancellationToken.None);
        await Assert.That(result.Retry).IsTrue();
        await Assert.That(result.RetryAfter).IsEqualTo(TimeSpan.FromMilliseconds(2500));
    }

    // ---- pushover

    const string PushoverToken = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    const string PushoverUser = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

    static ChannelConfig Pushover(long? priority = null, long? retry = null, long? expire = null) =>
        new("pushover", new[]
        {
            KeyValuePair.Create("token", ChannelConfig.Json(PushoverToken)),
            KeyValuePair.Create("user", ChannelConfig.Json(PushoverUser)),
        }.Concat(new[] { ("priority", priority), ("retry", retry), ("expire", expire) }
            .Where(v => v.Item2 is not null)
            .Select(v => KeyValuePair.Create(v.Item1, System.Text.Json.JsonDocument.Parse(v.Item2!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).RootElement.Clone()))));

    [Test]
    public async Task Pushover_gets_the_documented_form_fields_and_emergency_priority_brings_retry_and_expire()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Answer(200, body: """{"status":1,"request":"647d2300-702c-4b38-8b2f-d56326ae460b"}""");
        var sender = new PushoverSender(Http(), receiver.Url("/1/messages.json"));
        var request = await SendAsync(receiver, sender, Pushover(priority: 2, retry: 60, expire: 3600), Down(Link));
        await Assert.That(request.Method).IsEqualTo("POST");
        await Assert.That(request.Path).IsEqualTo("/1/messages.json");
        await Assert.That(request.Header("Content-Type")).IsEqualTo("application/x-www-form-urlencoded");
        var form = QueryHelpers.ParseQuery(request.BodyText);
        await Assert.That(string.Join(",", form.Keys)).IsEqualTo("token,user,title,message,priority,retry,expire,url,url_title");
        await Assert.That(form["token"].ToString()).IsEqualTo(PushoverToken);
        await Assert.That(form["user"].ToString()).IsEqualTo(PushoverUser);
        await Assert.That(form["title"].ToString()).IsEqualTo("api is down");
        await Assert.That(form["message"].ToString()).IsEqualTo("https://api.example.com/health?x=1&y=2\nunexpected status 503 (expected 2xx)");
        await Assert.That(form["priority"].ToString()).IsEqualTo("2");
        await Assert.That(form["retry"].ToString()).IsEqualTo("60");
        await Assert.That(form["expire"].ToString()).IsEqualTo("3600");
        await Assert.That(form["url"].ToString()).IsEqualTo("https://status.example.com/monitors/mon_1");
        await Assert.That(form["url_title"].ToString()).IsEqualTo("Open in Flatline");
    }

    [Test]
    public async Task Pushover_recovery_goes_at_normal_priority_without_emergency_fields_and_long_text_is_cut_to_its_limits()
    {
        await using var receiver = await Receiver.StartAsync();
        var sender = new PushoverSender(Http(), receiver.Url("/1/messages.json"));
        var up = QueryHelpers.ParseQuery((await SendAsync(receiver, sender, Pushover(priority: 2, retry: 30, expire: 10800), Up())).BodyText);
        await Assert.That(string.Join(",", up.Keys)).IsEqualTo("token,user,title,message,priority");
        await Assert.That(up["priority"].ToString()).IsEqualTo("0");
        await Assert.That(up["message"].ToString()).EndsWith("back up after 5 min 12 s");

        var quiet = QueryHelpers.ParseQuery((await SendAsync(receiver, sender, Pushover(priority: -1), Down() with { Error = new string('e', 3000) }, "x")).BodyText);
        await Assert.That(quiet["priority"].ToString()).IsEqualTo("-1");
        await Assert.That(quiet["message"].ToString().Length).IsEqualTo(1024);
        await Assert.That(quiet["title"].ToString().Length).IsLessThanOrEqualTo(250);
        await Assert.That(PushoverSender.DefaultEndpoint.AbsoluteUri).IsEqualTo("https://api.pushover.net/1/messages.json");
    }

    static Task<ReceivedRequest> SendAsync(Receiver receiver, INotificationSender sender, ChannelConfig config, Notification notification, string name) =>
        SendAsync(receiver, sender, config, notification with { MonitorName = name });

    // ---- mattermost

    [Test]
    public async Task Mattermost_gets_markdown_text_with_the_name_escaped_and_the_link()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("mattermost", ("url", receiver.Url("/hooks/xyz").AbsoluteUri));
        var request = await SendAsync(receiver, new MattermostSender(Http()), config, Down(Link, name: "*api* [prod]"));
        await AssertJsonPost(request, "/hooks/xyz", """
            {"text":":red_circle: **\\*api\\* \\[prod\\] is down**\nhttps://api.example.com/health?x=1&y=2\nunexpected status 503 \\(expected 2xx\\)\n[Open in Flatline](https://status.example.com/monitors/mon_1)"}
            """);
    }

    // ---- google chat

    [Test]
    public async Task Google_chat_gets_a_cards_v2_message_with_a_fallback_text_and_an_open_link_button()
    {
        await using var receiver = await Receiver.StartAsync();
        var config = Config("google_chat", ("url", receiver.Url("/v1/spaces/AAA/messages?key=K&token=T").AbsoluteUri));
        var request = await SendAsync(receiver, new GoogleChatSender(Http()), config, Down(Link, name: "api <prod>") with { Error = "a < b & c" });
        await Assert.That(request.Query).IsEqualTo("?key=K&token=T");
        await AssertJsonPost(request with { Query = "" }, "/v1/spaces/AAA/messages", """
            {"fallbackText":"api <prod> is down: a < b & c",
             "cardsV2":[{"cardId":"flatline-evt_down",
               "card":{"header":{"title":"api <prod> is down","subtitle":"https://api.example.com/health?x=1&y=2"},
                       "sections":[{"widgets":[
                         {"textParagraph":{"text":"a &lt; b &amp; c"}},
                         {"buttonList":{"buttons":[{"text":"Open in Flatline","onClick":{"openLink":{"url":"https://status.example.com/monitors/mon_1"}}}]}}]}]}}]}
            """);
    }

    [Test]
    public async Task Google_chat_test_message_has_no_subtitle_and_no_button_without_a_public_url()
    {
        await using var receiver = await Receiver.StartAsync();
        var request = await SendAsync(receiver, new GoogleChatSender(Http()), Config("google_chat", ("url", receiver.Url("/m").AbsoluteUri)), Test());
        var card = request.Json().GetProperty("cardsV2")[0].GetProperty("card");
        await Assert.That(card.GetProperty("header").TryGetProperty("subtitle", out _)).IsFalse();
        await Assert.That(card.GetProperty("sections")[0].GetProperty("widgets").GetArrayLength()).IsEqualTo(1);
    }

    // ---- reminders read as reminders

    [Test]
    public async Task A_reminder_says_still_down_and_for_how_long()
    {
        var reminder = Down() with { ReminderAt = Started + TimeSpan.FromMinutes(30) };
        await Assert.That(AlertText.Title(reminder)).IsEqualTo("api is still down");
        await Assert.That(AlertText.Summary(reminder)).IsEqualTo("api is still down: unexpected status 503 (expected 2xx) (down for 30 min)");
    }
}
