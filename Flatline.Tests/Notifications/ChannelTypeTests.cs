using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Notifications;

/// <summary>GET /api/v1/notification-channel-types, and what registering one more type brings.</summary>
public class ChannelTypeTests
{
    static string Texts(JsonElement list) => string.Join(",", list.EnumerateArray().Select(item => item.GetString()));

    [Test]
    public async Task The_types_are_listed_in_registration_order_with_their_fields()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.GetAsync("/api/v1/notification-channel-types");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var types = await response.ReadJsonAsync();

        await Assert.That(string.Join(",", types.EnumerateArray().Select(t => t.GetProperty("type").GetString())))
            .IsEqualTo("slack,discord,telegram,webhook,ntfy,gotify,pagerduty,email,teams,matrix,pushover,mattermost,google_chat");
        foreach (var type in types.EnumerateArray())
        {
            await Assert.That(string.Join(",", type.EnumerateObject().Select(p => p.Name))).IsEqualTo("type,label,description,fields");
            foreach (var field in type.GetProperty("fields").EnumerateArray())
                await Assert.That(string.Join(",", field.EnumerateObject().Select(p => p.Name))).IsEqualTo("name,kind,label,required,secret,help,placeholder,options");
        }
        await Assert.That(types[0].GetRawText()).IsEqualTo("""
            {"type":"slack","label":"Slack","description":"A Slack incoming webhook.","fields":[{"name":"url","kind":"url","label":"Webhook URL","required":true,"secret":true,"help":"The incoming-webhook URL of your Slack app (Incoming Webhooks → Add New Webhook).","placeholder":"https://hooks.slack.com/services/…","options":null},{"name":"delay_minutes","kind":"integer","label":"Alert only after (minutes)","required":false,"secret":false,"help":"Send the down alert only when the monitor is still down this many minutes later; a shorter outage sends nothing, not even its recovery.","placeholder":null,"options":null},{"name":"remind_every_minutes","kind":"integer","label":"Remind every (minutes)","required":false,"secret":false,"help":"Repeat the down alert this often while the monitor stays down; reminders stop at recovery.","placeholder":null,"options":null}]}
            """);
        var fields = types.EnumerateArray().ToDictionary(t => t.GetProperty("type").GetString()!,
            t => string.Join(" ", t.GetProperty("fields").EnumerateArray().Select(f =>
                $"{f.GetProperty("name").GetString()}:{f.GetProperty("kind").GetString()}{(f.GetProperty("required").GetBoolean() ? "!" : "")}{(f.GetProperty("secret").GetBoolean() ? "*" : "")}")));
        // Every type ends with the same two timing fields.
        const string timing = " delay_minutes:integer remind_every_minutes:integer";
        await Assert.That(fields.Values.All(f => f.EndsWith(timing, StringComparison.Ordinal))).IsTrue();
        await Assert.That(fields["telegram"]).IsEqualTo("url:url!* chat_id:string!" + timing);
        await Assert.That(fields["webhook"]).IsEqualTo("url:url! secret:string*" + timing);
        await Assert.That(fields["ntfy"]).IsEqualTo("url:url! topic:string! token:string*" + timing);
        await Assert.That(fields["gotify"]).IsEqualTo("url:url! token:string!*" + timing);
        await Assert.That(fields["pagerduty"]).IsEqualTo("routing_key:string!*" + timing);
        await Assert.That(fields["email"])
            .IsEqualTo("host:string! port:integer security:enum! username:string password:string* from:string! to:string_list! allow_plaintext:boolean" + timing);
        await Assert.That(fields["teams"]).IsEqualTo("url:url!*" + timing);
        await Assert.That(fields["matrix"]).IsEqualTo("homeserver:url! room_id:string! access_token:string!*" + timing);
        await Assert.That(fields["pushover"]).IsEqualTo("token:string!* user:string!* priority:integer retry:integer expire:integer" + timing);
        await Assert.That(fields["mattermost"]).IsEqualTo("url:url!*" + timing);
        await Assert.That(fields["google_chat"]).IsEqualTo("url:url!*" + timing);

        using var anonymous = server.CreateAnonymousClient();
        await Assert.That((await anonymous.GetAsync("/api/v1/notification-channel-types")).StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task A_registered_type_is_listed_validated_masked_documented_and_sent_to_with_nothing_else_changed()
    {
        var relay = new RelaySender();
        await using var server = await RelayServer.StartAsync(relay);
        using var client = server.CreateClient();

        var types = await (await client.GetAsync("/api/v1/notification-channel-types")).ReadJsonAsync();
        var listed = types[types.GetArrayLength() - 1];
        await Assert.That(listed.GetProperty("type").GetString()).IsEqualTo("relay");
        await Assert.That(string.Join(",", listed.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("kind").GetString())))
            .IsEqualTo("string,integer,enum,string,string_list,boolean,integer,integer");
        await Assert.That(Texts(listed.GetProperty("fields")[2].GetProperty("options"))).IsEqualTo("starttls,tls,none");

        using var refused = await client.PostJsonAsync("/api/v1/notification-channels",
            """{"name":"mail","config":{"type":"relay","host":"smtp.example.com","port":70000,"security":"tls","to":["ops@example.com","nobody"]}}""");
        await Assert.That(refused.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        var errors = (await refused.ReadJsonAsync()).GetProperty("errors");
        await Assert.That(string.Join(",", errors.EnumerateObject().Select(e => e.Name).Order())).IsEqualTo("config.port,config.to");

        using var created = await client.PostJsonAsync("/api/v1/notification-channels",
            """{"name":"mail","config":{"type":"relay","host":"smtp.example.com","port":2525,"security":"tls","password":"hunter22","to":["ops@example.com"],"html":true}}""");
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var channel = await created.ReadJsonAsync();
        await Assert.That(channel.GetProperty("config").GetRawText())
            .IsEqualTo("""{"type":"relay","host":"smtp.example.com","port":2525,"security":"tls","password":"********","to":["ops@example.com"],"html":true}""");
        var id = channel.GetProperty("id").GetString()!;

        using var patched = await client.PatchJsonAsync($"/api/v1/notification-channels/{id}", """{"config":{"port":465,"password":"********"}}""");
        await Assert.That(patched.StatusCode).IsEqualTo(HttpStatusCode.OK);

        var sent = await (await client.PostAsync($"/api/v1/notification-channels/{id}/test", null)).ReadJsonAsync();
        await Assert.That(sent.GetProperty("delivered").GetBoolean()).IsTrue();
        var config = relay.Sent.Single().Config;
        await Assert.That(config.Integer(RelayChannel.Port)).IsEqualTo(465L);
        await Assert.That(config.Text(RelayChannel.Password)).IsEqualTo("hunter22");
        await Assert.That(config.Texts(RelayChannel.To)!.Single()).IsEqualTo("ops@example.com");

        // The document names it in the channel config union, with its fields' schemas.
        var schemas = (await (await client.GetAsync("/openapi/v1.json")).ReadJsonAsync()).GetProperty("components").GetProperty("schemas");
        await Assert.That(schemas.GetProperty("ChannelConfig").GetProperty("discriminator").GetProperty("mapping").GetProperty("relay").GetString())
            .IsEqualTo("#/components/schemas/RelayChannelConfig");
        var properties = schemas.GetProperty("RelayChannelConfig").GetProperty("properties");
        await Assert.That(Texts(properties.GetProperty("type").GetProperty("enum"))).IsEqualTo("relay");
        await Assert.That(properties.GetProperty("port").GetProperty("maximum").GetRawText()).IsEqualTo("65535");
        await Assert.That(Texts(properties.GetProperty("security").GetProperty("enum"))).IsEqualTo("starttls,tls,none");
        await Assert.That(properties.GetProperty("to").GetProperty("items").GetProperty("pattern").GetString()).IsEqualTo("^[^@\\s]+@[^@\\s]+$");
        await Assert.That(properties.GetProperty("html").GetProperty("type").GetString()).IsEqualTo("boolean");
    }

    [Test]
    public async Task A_test_send_to_a_sender_that_throws_reports_and_logs_the_failure()
    {
        var relay = new RelaySender().Throw(new NotSupportedException("nope"));
        await using var server = await RelayServer.StartAsync(relay);
        using var client = server.CreateClient();
        using var created = await client.PostJsonAsync("/api/v1/notification-channels",
            """{"name":"mail","config":{"type":"relay","host":"smtp.example.com","security":"none","to":["ops@example.com"]}}""");
        var id = (await created.ReadJsonAsync()).GetProperty("id").GetString()!;

        using var response = await client.PostAsync($"/api/v1/notification-channels/{id}/test", null);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.OK);
        var result = await response.ReadJsonAsync();
        await Assert.That(result.GetProperty("delivered").GetBoolean()).IsFalse();
        await Assert.That(result.GetProperty("error").GetString()).IsEqualTo("the relay sender failed (NotSupportedException)");
        var log = await (await client.GetAsync($"/api/v1/notification-channels/{id}/deliveries")).ReadJsonAsync();
        await Assert.That(log.GetArrayLength()).IsEqualTo(1);
        await Assert.That(log[0].GetProperty("state").GetString()).IsEqualTo("failed");

        // The next test goes through.
        var again = await (await client.PostAsync($"/api/v1/notification-channels/{id}/test", null)).ReadJsonAsync();
        await Assert.That(again.GetProperty("delivered").GetBoolean()).IsTrue();
    }
}
