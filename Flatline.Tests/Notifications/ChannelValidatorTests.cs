using System.Text.Json;

namespace Flatline.Tests.Notifications;

/// <summary>The field-driven validator and masking as pure code: every built-in type, and every
/// field kind through the test-only relay type.</summary>
public class ChannelValidatorTests
{
    static readonly NotificationChannelTypes Types = new([.. NotificationChannelTypes.BuiltIn, RelayChannel.Type(new RelaySender())]);

    static (string Name, ChannelConfig Config)? Validate(string body, out Dictionary<string, string[]> errors, ChannelConfig? stored = null)
    {
        using var document = JsonDocument.Parse(body);
        return ChannelValidator.Validate(document.RootElement, stored is null ? null : ("stored", stored), Types, out errors);
    }

    /// <summary>The config a valid body gives, as stored.</summary>
    static string Stored(string config, ChannelConfig? stored = null)
    {
        var valid = Validate($$"""{"name":"ops","config":{{config}}}""", out var errors, stored);
        if (valid is null) throw new InvalidOperationException(string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        return Json(valid.Value.Config);
    }

    static ChannelConfig Parse(string json) => JsonSerializer.Deserialize(json, FlatlineJson.Default.ChannelConfig)!;

    static string Json(ChannelConfig config) => JsonSerializer.Serialize(config, FlatlineJson.Default.ChannelConfig);

    static string Masked(string json) => Json(Types.Masked(Parse(json)));

    /// <summary>The one message for <paramref name="field"/>, checking it is the only error.</summary>
    static async Task<string> ErrorFor(string body, string field, ChannelConfig? stored = null)
    {
        await Assert.That(Validate(body, out var errors, stored)).IsNull();
        await Assert.That(string.Join(",", errors.Keys)).IsEqualTo(field);
        return errors[field].Single();
    }

    [Test]
    [Arguments("""{"type":"slack","url":" https://hooks.slack.com/services/T0/B0/x "}""", """{"type":"slack","url":"https://hooks.slack.com/services/T0/B0/x"}""", """{"type":"slack","url":"********"}""")]
    [Arguments("""{"type":"discord","url":"https://discord.com/api/webhooks/1/t"}""", """{"type":"discord","url":"https://discord.com/api/webhooks/1/t"}""", """{"type":"discord","url":"********"}""")]
    [Arguments("""{"chat_id":-1001,"url":"https://api.telegram.org/bot1:A","type":"telegram"}""", """{"type":"telegram","url":"https://api.telegram.org/bot1:A","chat_id":"-1001"}""", """{"type":"telegram","url":"********","chat_id":"-1001"}""")]
    [Arguments("""{"type":"webhook","url":"https://a.example/h","secret":"a-long-enough-secret"}""", """{"type":"webhook","url":"https://a.example/h","secret":"a-long-enough-secret"}""", """{"type":"webhook","url":"https://a.example/h","secret":"********"}""")]
    [Arguments("""{"type":"webhook","url":"https://a.example/h","secret":""}""", """{"type":"webhook","url":"https://a.example/h"}""", """{"type":"webhook","url":"https://a.example/h"}""")]
    [Arguments("""{"type":"ntfy","url":"https://ntfy.sh","topic":"alerts_1-x","token":"tk_x","extra":"ignored"}""", """{"type":"ntfy","url":"https://ntfy.sh","topic":"alerts_1-x","token":"tk_x"}""", """{"type":"ntfy","url":"https://ntfy.sh","topic":"alerts_1-x","token":"********"}""")]
    [Arguments("""{"type":"gotify","url":"https://push.example.com","token":"Axyz"}""", """{"type":"gotify","url":"https://push.example.com","token":"Axyz"}""", """{"type":"gotify","url":"https://push.example.com","token":"********"}""")]
    [Arguments("""{"type":"pagerduty","routing_key":"R0UT1NGKEY"}""", """{"type":"pagerduty","routing_key":"R0UT1NGKEY"}""", """{"type":"pagerduty","routing_key":"********"}""")]
    [Arguments("""{"type":"relay","host":"smtp.example.com","port":587,"security":"starttls","password":"p","to":[" a@example.com ","","b@example.com"],"html":false}""",
        """{"type":"relay","host":"smtp.example.com","port":587,"security":"starttls","password":"p","to":["a@example.com","b@example.com"],"html":false}""",
        """{"type":"relay","host":"smtp.example.com","port":587,"security":"starttls","password":"********","to":["a@example.com","b@example.com"],"html":false}""")]
    [Arguments("""{"type":"email","host":"127.0.0.1","port":2525,"security":"none","from":"alerts@example.com","to":["ops@example.com"]}""", """{"type":"email","host":"127.0.0.1","port":2525,"security":"none","from":"alerts@example.com","to":["ops@example.com"]}""", """{"type":"email","host":"127.0.0.1","port":2525,"security":"none","from":"alerts@example.com","to":["ops@example.com"]}""")]
    [Arguments("""{"type":"email","host":"mail.lan","security":"none","allow_plaintext":true,"username":"u","password":"p","from":"a@example.com","to":["z@example.org"],"delay_minutes":3,"remind_every_minutes":60}""", """{"type":"email","host":"mail.lan","security":"none","username":"u","password":"p","from":"a@example.com","to":["z@example.org"],"allow_plaintext":true,"delay_minutes":3,"remind_every_minutes":60}""", """{"type":"email","host":"mail.lan","security":"none","username":"u","password":"********","from":"a@example.com","to":["z@example.org"],"allow_plaintext":true,"delay_minutes":3,"remind_every_minutes":60}""")]
    [Arguments("""{"type":"matrix","homeserver":"https://matrix.org","room_id":"!abc:matrix.org","access_token":"syt_x"}""", """{"type":"matrix","homeserver":"https://matrix.org","room_id":"!abc:matrix.org","access_token":"syt_x"}""", """{"type":"matrix","homeserver":"https://matrix.org","room_id":"!abc:matrix.org","access_token":"********"}""")]
    [Arguments("""{"type":"pushover","token":"azGDORePK8gMaC0QOYAMyEEuzJnyUi","user":"uQiRzpo4DXghDmr9QzzfQu27cmVRsG","priority":2,"retry":30,"expire":10800}""", """{"type":"pushover","token":"azGDORePK8gMaC0QOYAMyEEuzJnyUi","user":"uQiRzpo4DXghDmr9QzzfQu27cmVRsG","priority":2,"retry":30,"expire":10800}""", """{"type":"pushover","token":"********","user":"********","priority":2,"retry":30,"expire":10800}""")]
    [Arguments("""{"type":"teams","url":"https://prod.logic.azure.com/workflows/1?sig=x"}""", """{"type":"teams","url":"https://prod.logic.azure.com/workflows/1?sig=x"}""", """{"type":"teams","url":"********"}""")]
    [Arguments("""{"type":"mattermost","url":"https://mm.example.com/hooks/x"}""", """{"type":"mattermost","url":"https://mm.example.com/hooks/x"}""", """{"type":"mattermost","url":"********"}""")]
    [Arguments("""{"type":"google_chat","url":"https://chat.googleapis.com/v1/spaces/A/messages?key=k"}""", """{"type":"google_chat","url":"https://chat.googleapis.com/v1/spaces/A/messages?key=k"}""", """{"type":"google_chat","url":"********"}""")]
    public async Task A_valid_config_is_stored_in_field_order_trimmed_and_read_back_masked(string config, string stored, string masked)
    {
        await Assert.That(Stored(config)).IsEqualTo(stored);
        await Assert.That(Masked(stored)).IsEqualTo(masked);
    }

    [Test]
    public async Task Rows_stored_before_the_field_declarations_read_and_write_back_the_same()
    {
        // What the flat record wrote: type first, the set fields in its order, nulls left out.
        foreach (var row in new[]
        {
            """{"type":"telegram","url":"https://api.telegram.org/bot1:A","chat_id":"42"}""",
            """{"type":"webhook","url":"https://a.example/","secret":"first-secret-value"}""",
            """{"type":"ntfy","url":"https://ntfy.sh","topic":"alerts"}""",
            """{"type":"pagerduty","routing_key":"K"}""",
        })
            await Assert.That(Json(Parse(row))).IsEqualTo(row);
        var telegram = Parse("""{"type":"telegram","url":"https://api.telegram.org/bot1:A","chat_id":"42"}""");
        await Assert.That(telegram.Text(new ChannelField("chat_id", ChannelFieldKind.String, "Chat ID"))).IsEqualTo("42");
    }

    [Test]
    public async Task A_value_without_a_declaration_is_masked_since_nothing_says_it_is_not_secret()
    {
        await Assert.That(Masked("""{"type":"slack","url":"https://x.example/","old":"s3cret"}""")).IsEqualTo("""{"type":"slack","url":"********","old":"********"}""");
        await Assert.That(Masked("""{"type":"gone","url":"https://x.example/"}""")).IsEqualTo("""{"type":"gone","url":"********"}""");
    }

    [Test]
    public async Task Every_required_field_of_every_type_is_named_when_missing()
    {
        var checkedFields = 0;
        foreach (var type in Types.All)
        {
            foreach (var field in type.Fields.Where(f => f.Required))
            {
                await Assert.That(Validate($$$"""{"name":"x","config":{"type":"{{{type.Type}}}"}}""", out var errors)).IsNull();
                await Assert.That(errors[$"config.{field.Name}"]).IsEquivalentTo(new[] { "is required" }).Because($"{type.Type}.{field.Name}");
                checkedFields++;
            }
        }
        await Assert.That(checkedFields).IsEqualTo(25);
    }

    [Test]
    [Arguments("""{"config":{"type":"slack","url":"https://x.example/"}}""", "name", "is required and must be 1-200 characters")]
    [Arguments("""{"name":"x"}""", "config", "is required")]
    [Arguments("""{"name":"x","config":[]}""", "config", "must be an object with a \"type\"")]
    [Arguments("""{"name":"x","config":{"type":"sms"}}""", "config.type", "must be one of slack, discord, telegram, webhook, ntfy, gotify, pagerduty, email, teams, matrix, pushover, mattermost, google_chat, relay")]
    [Arguments("""{"name":"x","config":{"type":"slack","url":"hooks.slack.com/x"}}""", "config.url", "must be an absolute http or https URL of at most 2048 characters")]
    [Arguments("""{"name":"x","config":{"type":"slack","url":"ftp://x.example/"}}""", "config.url", "must be an absolute http or https URL of at most 2048 characters")]
    [Arguments("""{"name":"x","config":{"type":"slack","url":7}}""", "config.url", "must be a string")]
    [Arguments("""{"name":"x","config":{"type":"slack","url":"********"}}""", "config.url", "is the mask; send the real value")]
    [Arguments("""{"name":"x","config":{"type":"telegram","url":"https://api.telegram.org/bot1:A","chat_id":true}}""", "config.chat_id", "must be a string")]
    [Arguments("""{"name":"x","config":{"type":"webhook","url":"https://x.example/","secret":"short"}}""", "config.secret", "must be 16-512 characters (or whsec_ and base64)")]
    [Arguments("""{"name":"x","config":{"type":"webhook","url":"https://x.example/","secret":"whsec_!!"}}""", "config.secret", "a whsec_ secret must be base64 after the prefix")]
    [Arguments("""{"name":"x","config":{"type":"webhook","url":"https://x.example/","secret":"whsec_AAAA"}}""", "config.secret", "a whsec_ secret must hold at least 24 bytes")]
    [Arguments("""{"name":"x","config":{"type":"webhook","url":"********"}}""", "config.url", "must be an absolute http or https URL of at most 2048 characters")]
    [Arguments("""{"name":"x","config":{"type":"ntfy","url":"https://ntfy.sh","topic":"a b"}}""", "config.topic", "must be 1-64 letters, digits, - or _")]
    [Arguments("""{"name":"x","config":{"type":"pagerduty","routing_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}""", "config.routing_key", "must be at most 100 characters")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"tls","to":["a@b"],"port":0}}""", "config.port", "must be from 1 to 65535")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"tls","to":["a@b"],"port":"25"}}""", "config.port", "must be an integer")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"tls","to":["a@b"],"port":2.5}}""", "config.port", "must be an integer")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"ssl","to":["a@b"]}}""", "config.security", "must be one of starttls, tls, none")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"tls","to":"a@b"}}""", "config.to", "must be a list of strings")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"tls","to":["a@b",3]}}""", "config.to", "must be a list of strings")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"tls","to":["a@b","nobody"]}}""", "config.to", "item 2 must be an email address")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"tls","to":[" "]}}""", "config.to", "is required")]
    [Arguments("""{"name":"x","config":{"type":"relay","host":"h","security":"tls","to":["a@b"],"html":"yes"}}""", "config.html", "must be true or false")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp example","security":"starttls","from":"a@example.com","to":["ops@example.com"]}}""", "config.host", "must be a host name or an IP address")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp.example.com:587","security":"starttls","from":"a@example.com","to":["ops@example.com"]}}""", "config.host", "must be a host name or an IP address")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp.example.com","security":"starttls","from":"a@example.com","to":["ops@example.com"],"port":70000}}""", "config.port", "must be from 1 to 65535")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp.example.com","security":"starttls","from":"nobody","to":["ops@example.com"]}}""", "config.from", "must be an email address (ASCII, name@example.com), optionally after a name: Name <name@example.com>")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp.example.com","security":"starttls","from":"Ops\r\nBcc: x@y.z <a@example.com>","to":["ops@example.com"]}}""", "config.from", "must be an email address (ASCII, name@example.com), optionally after a name: Name <name@example.com>")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp.example.com","security":"starttls","from":"a@example.com","to":["ops@example.com","Ops <ops@@example.com>"]}}""", "config.to", "item 2 must be an email address (ASCII, name@example.com), optionally after a name: Name <name@example.com>")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp.example.com","security":"none","from":"a@example.com","to":["ops@example.com"]}}""", "config.security", "may be none only for a server on this machine (localhost, 127.0.0.1, ::1) unless allow_plaintext is true")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp.example.com","security":"starttls","from":"a@example.com","to":["ops@example.com"],"username":"alerts"}}""", "config.password", "is required when username is set")]
    [Arguments("""{"name":"x","config":{"type":"email","host":"smtp.example.com","security":"starttls","from":"a@example.com","to":["ops@example.com"],"password":"hunter22"}}""", "config.username", "is required when password is set")]
    [Arguments("""{"name":"x","config":{"type":"pushover","token":"azGDORePK8gMaC0QOYAMyEEuzJnyUi","user":"uQiRzpo4DXghDmr9QzzfQu27cmVRsG","priority":2,"expire":600}}""", "config.retry", "is required when priority is 2")]
    [Arguments("""{"name":"x","config":{"type":"pushover","token":"azGDORePK8gMaC0QOYAMyEEuzJnyUi","user":"uQiRzpo4DXghDmr9QzzfQu27cmVRsG","priority":2,"retry":10,"expire":600}}""", "config.retry", "must be from 30 to 10800")]
    [Arguments("""{"name":"x","config":{"type":"pushover","token":"azGDORePK8gMaC0QOYAMyEEuzJnyUi","user":"uQiRzpo4DXghDmr9QzzfQu27cmVRsG","priority":2,"retry":30,"expire":20000}}""", "config.expire", "must be from 30 to 10800")]
    [Arguments("""{"name":"x","config":{"type":"pushover","token":"short","user":"uQiRzpo4DXghDmr9QzzfQu27cmVRsG"}}""", "config.token", "must be the 30 letters and digits Pushover gives")]
    [Arguments("""{"name":"x","config":{"type":"pushover","token":"azGDORePK8gMaC0QOYAMyEEuzJnyUi","user":"uQiRzpo4DXghDmr9QzzfQu27cmVRsG","priority":3}}""", "config.priority", "must be from -2 to 2")]
    [Arguments("""{"name":"x","config":{"type":"matrix","homeserver":"https://matrix.org","room_id":"#ops:matrix.org","access_token":"t"}}""", "config.room_id", "must be a room id like !abc:matrix.org")]
    [Arguments("""{"name":"x","config":{"type":"slack","url":"https://x.example/","delay_minutes":0}}""", "config.delay_minutes", "must be from 1 to 10080")]
    [Arguments("""{"name":"x","config":{"type":"gotify","url":"https://x.example/","token":"t","remind_every_minutes":10081}}""", "config.remind_every_minutes", "must be from 1 to 10080")]
    public async Task A_bad_field_is_named_with_what_is_wrong(string body, string field, string message)
    {
        await Assert.That(await ErrorFor(body, field)).IsEqualTo(message);
    }

    [Test]
    public async Task Several_bad_fields_are_all_named_at_once()
    {
        await Assert.That(Validate("""{"name":"","config":{"type":"relay","port":-1,"to":[]}}""", out var errors)).IsNull();
        await Assert.That(errors.Keys.Order().ToArray()).IsEquivalentTo(new[] { "config.host", "config.port", "config.security", "config.to", "name" });
    }

    [Test]
    public async Task A_list_holds_at_most_100_items()
    {
        var to = string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"a{i}@b\""));
        await Assert.That(await ErrorFor($$$"""{"name":"x","config":{"type":"relay","host":"h","security":"none","to":[{{{to}}}]}}""", "config.to")).IsEqualTo("must hold at most 100 items");
    }

    /// <summary>For every type with a secret: a PATCH that omits it or repeats the mask keeps it, a
    /// new value replaces it, and the mask is never taken for a value without a stored one.</summary>
    [Test]
    [Arguments("slack", """{"type":"slack","url":"https://hooks.slack.com/services/A"}""", "url", "https://hooks.slack.com/services/B", "")]
    [Arguments("discord", """{"type":"discord","url":"https://discord.com/api/webhooks/1/a"}""", "url", "https://discord.com/api/webhooks/2/b", "")]
    [Arguments("telegram", """{"type":"telegram","url":"https://api.telegram.org/bot1:A","chat_id":"5"}""", "url", "https://api.telegram.org/bot2:B", "chat_id")]
    [Arguments("webhook", """{"type":"webhook","url":"https://a.example/","secret":"first-secret-value"}""", "secret", "second-secret-value", "url")]
    [Arguments("ntfy", """{"type":"ntfy","url":"https://ntfy.sh","topic":"alerts","token":"tk_first"}""", "token", "tk_second", "topic")]
    [Arguments("gotify", """{"type":"gotify","url":"https://push.example.com","token":"first"}""", "token", "second", "url")]
    [Arguments("pagerduty", """{"type":"pagerduty","routing_key":"FIRST"}""", "routing_key", "SECOND", "")]
    [Arguments("relay", """{"type":"relay","host":"h","security":"tls","password":"first","to":["a@b"]}""", "password", "second", "host")]
    public async Task A_patch_keeps_a_secret_it_omits_or_masks_and_replaces_it_with_a_new_one(string type, string stored, string secret, string newValue, string other)
    {
        var current = Parse(stored);
        var kept = current[secret]!.Value.GetString();

        await Assert.That(Parse(Stored($$"""{"type":"{{type}}"}""", current))[secret]!.Value.GetString()).IsEqualTo(kept);
        await Assert.That(Parse(Stored($$"""{"type":"{{type}}","{{secret}}":"********"}""", current))[secret]!.Value.GetString()).IsEqualTo(kept);
        await Assert.That(Parse(Stored($$"""{"{{secret}}":"********"}""", current))[secret]!.Value.GetString()).IsEqualTo(kept);
        await Assert.That(Parse(Stored($$"""{"type":"{{type}}","{{secret}}":null}""", current))[secret]!.Value.GetString()).IsEqualTo(kept);
        await Assert.That(Parse(Stored($$"""{"type":"{{type}}","{{secret}}":"{{newValue}}"}""", current))[secret]!.Value.GetString()).IsEqualTo(newValue);

        // The other fields are kept alongside when omitted, so a PATCH of one field changes only it.
        if (other.Length > 0)
            await Assert.That(Parse(Stored($$"""{"{{secret}}":"{{newValue}}"}""", current))[other]!.Value.GetRawText()).IsEqualTo(current[other]!.Value.GetRawText());

        // The mask keeps nothing when there is nothing of this type to keep.
        await Assert.That(Validate($$$"""{"name":"x","config":{"type":"{{{type}}}","{{{secret}}}":"********"}}""", out var created)).IsNull();
        await Assert.That(created[$"config.{secret}"]).IsEquivalentTo(new[] { "is the mask; send the real value" });
        var otherType = type == "pagerduty" ? "slack" : "pagerduty";
        await Assert.That(Validate($$$"""{"config":{"type":"{{{type}}}","{{{secret}}}":"********"}}""", out var errors, Parse($$$"""{"type":"{{{otherType}}}","url":"https://x.example/","routing_key":"K"}"""))).IsNull();
        await Assert.That(errors[$"config.{secret}"]).IsEquivalentTo(new[] { "is the mask; send the real value" });
    }

    [Test]
    public async Task A_patch_without_config_keeps_it_and_one_without_a_name_keeps_the_name()
    {
        var current = Parse("""{"type":"pagerduty","routing_key":"KEY"}""");
        var renamed = Validate("""{"name":"  new name "}""", out _, current)!.Value;
        await Assert.That(renamed.Name).IsEqualTo("new name");
        await Assert.That(Json(renamed.Config)).IsEqualTo("""{"type":"pagerduty","routing_key":"KEY"}""");
        var reconfigured = Validate("""{"config":{"routing_key":"OTHER"}}""", out _, current)!.Value;
        await Assert.That(reconfigured.Name).IsEqualTo("stored");
        await Assert.That(Json(reconfigured.Config)).IsEqualTo("""{"type":"pagerduty","routing_key":"OTHER"}""");
    }

    [Test]
    public async Task A_sender_reads_each_kind_typed()
    {
        var config = Parse(Stored("""{"type":"relay","host":"smtp.example.com","port":2525,"security":"tls","to":["a@example.com"],"html":true}"""));
        await Assert.That(config.Text(RelayChannel.Host)).IsEqualTo("smtp.example.com");
        await Assert.That(config.Integer(RelayChannel.Port)).IsEqualTo(2525L);
        await Assert.That(config.Text(RelayChannel.Security)).IsEqualTo("tls");
        await Assert.That(config.Texts(RelayChannel.To)!.ToArray()).IsEquivalentTo(new[] { "a@example.com" });
        await Assert.That(config.Flag(RelayChannel.Html)!.Value).IsTrue();
        await Assert.That(config.Text(RelayChannel.Password)).IsNull();
        await Assert.That(config.Integer(RelayChannel.Host)).IsNull();
    }
}
