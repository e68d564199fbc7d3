using System.Net;
using System.Text.Json;

namespace Flatline.Tests.Notifications;

public class ChannelApiTests
{
    static async Task<JsonElement> Create(HttpClient client, string json)
    {
        using var response = await client.PostJsonAsync("/api/v1/notification-channels", json);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return await response.ReadJsonAsync();
    }

    static string StoredConfig(FlatlineServer server, string id)
    {
        using var connection = server.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT config FROM notification_channels WHERE uid = $uid";
        command.Parameters.AddWithValue("$uid", id);
        return (string)command.ExecuteScalar()!;
    }

    [Test]
    [Arguments("""{"type":"slack","url":"https://hooks.slack.com/services/T0/B0/secret"}""", """{"type":"slack","url":"********"}""")]
    [Arguments("""{"type":"discord","url":"https://discord.com/api/webhooks/1/secret"}""", """{"type":"discord","url":"********"}""")]
    [Arguments("""{"type":"telegram","url":"https://api.telegram.org/bot123:ABC","chat_id":"-1001"}""", """{"type":"telegram","url":"********","chat_id":"-1001"}""")]
    [Arguments("""{"type":"telegram","url":"https://api.telegram.org/bot123:ABC","chat_id":42}""", """{"type":"telegram","url":"********","chat_id":"42"}""")]
    [Arguments("""{"type":"webhook","url":"https://example.com/hook","secret":"a-long-enough-secret"}""", """{"type":"webhook","url":"https://example.com/hook","secret":"********"}""")]
    [Arguments("""{"type":"webhook","url":"https://example.com/hook"}""", """{"type":"webhook","url":"https://example.com/hook"}""")]
    [Arguments("""{"type":"ntfy","url":"https://ntfy.sh","topic":"alerts","token":"tk_x"}""", """{"type":"ntfy","url":"https://ntfy.sh","topic":"alerts","token":"********"}""")]
    [Arguments("""{"type":"gotify","url":"https://push.example.com","token":"Axyz"}""", """{"type":"gotify","url":"https://push.example.com","token":"********"}""")]
    [Arguments("""{"type":"pagerduty","routing_key":"R0UT1NGKEY"}""", """{"type":"pagerduty","routing_key":"********"}""")]
    public async Task Every_type_is_created_and_its_secrets_are_masked_on_every_read(string config, string masked)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var created = await Create(client, $$"""{"name":"ops","config":{{config}}}""");
        await Assert.That(created.GetProperty("config").GetRawText()).IsEqualTo(masked);
        var id = created.GetProperty("id").GetString()!;
        await Assert.That((await (await client.GetAsync($"/api/v1/notification-channels/{id}")).ReadJsonAsync()).GetProperty("config").GetRawText()).IsEqualTo(masked);
        await Assert.That((await (await client.GetAsync("/api/v1/notification-channels")).ReadJsonAsync())[0].GetProperty("config").GetRawText()).IsEqualTo(masked);
    }

    [Test]
    [Arguments("""{"config":{"type":"slack","url":"https://x.example/"}}""", "name")]
    [Arguments("""{"name":"x"}""", "config")]
    [Arguments("""{"name":"x","config":{"type":"sms","url":"https://x.example/"}}""", "config.type")]
    [Arguments("""{"name":"x","config":{"type":"slack"}}""", "config.url")]
    [Arguments("""{"name":"x","config":{"type":"slack","url":"hooks.slack.com/x"}}""", "config.url")]
    [Arguments("""{"name":"x","config":{"type":"slack","url":"********"}}""", "config.url")]
    [Arguments("""{"name":"x","config":{"type":"telegram","url":"https://api.telegram.org/bot1:A"}}""", "config.chat_id")]
    [Arguments("""{"name":"x","config":{"type":"webhook","url":"https://x.example/","secret":"short"}}""", "config.secret")]
    [Arguments("""{"name":"x","config":{"type":"webhook","url":"https://x.example/","secret":"whsec_!!"}}""", "config.secret")]
    [Arguments("""{"name":"x","config":{"type":"ntfy","url":"https://ntfy.sh","topic":"a b"}}""", "config.topic")]
    [Arguments("""{"name":"x","config":{"type":"gotify","url":"https://push.example.com"}}""", "config.token")]
    [Arguments("""{"name":"x","config":{"type":"pagerduty"}}""", "config.routing_key")]
    [Arguments("""{"name":"x","config":{"type":"slack","url":7}}""", "config.url")]
    public async Task An_invalid_channel_is_refused_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.PostJsonAsync("/api/v1/notification-channels", body);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        await Assert.That(errors.TryGetProperty(field, out _)).IsTrue().Because(errors.ToString());
        await Assert.That(await client.GetStringAsync("/api/v1/notification-channels")).IsEqualTo("[]");
    }

    [Test]
    public async Task A_patch_that_omits_or_repeats_the_mask_keeps_the_secret_and_a_new_one_replaces_it()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var id = (await Create(client, """{"name":"hook","config":{"type":"webhook","url":"https://a.example/","secret":"first-secret-value"}}""")).GetProperty("id").GetString()!;

        using var renamed = await client.PatchJsonAsync($"/api/v1/notification-channels/{id}", """{"name":"renamed"}""");
        await Assert.That(renamed.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(StoredConfig(server, id)).Contains("first-secret-value");

        using var masked = await client.PatchJsonAsync($"/api/v1/notification-channels/{id}", """{"config":{"type":"webhook","url":"https://b.example/","secret":"********"}}""");
        await Assert.That(masked.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(StoredConfig(server, id)).Contains("first-secret-value");
        await Assert.That(StoredConfig(server, id)).Contains("https://b.example/");

        using var omitted = await client.PatchJsonAsync($"/api/v1/notification-channels/{id}", """{"config":{"url":"https://c.example/"}}""");
        await Assert.That(omitted.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(StoredConfig(server, id)).Contains("first-secret-value");

        using var replaced = await client.PatchJsonAsync($"/api/v1/notification-channels/{id}", """{"config":{"type":"webhook","secret":"second-secret-value"}}""");
        await Assert.That(replaced.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(StoredConfig(server, id)).Contains("second-secret-value");
        await Assert.That(await replaced.Content.ReadAsStringAsync()).DoesNotContain("second-secret-value");
    }

    [Test]
    public async Task Links_are_created_listed_updated_refused_twice_and_removed()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var channel = (await Create(client, """{"name":"hook","config":{"type":"webhook","url":"https://a.example/"}}""")).GetProperty("id").GetString()!;
        using var monitorResponse = await client.PostJsonAsync("/api/v1/monitors", """{"name":"m","enabled":false,"config":{"type":"http","url":"http://127.0.0.1:9/"}}""");
        var monitor = (await monitorResponse.ReadJsonAsync()).GetProperty("id").GetString()!;

        using var linked = await client.PostJsonAsync($"/api/v1/monitors/{monitor}/notification-channels", $$"""{"channel_id":"{{channel}}"}""");
        await Assert.That(linked.StatusCode).IsEqualTo(HttpStatusCode.Created);
        var link = await linked.ReadJsonAsync();
        await Assert.That(link.GetProperty("on_recovery").GetBoolean()).IsTrue();
        await Assert.That(Guid.Parse(link.GetProperty("id").GetString()!).Version).IsEqualTo(7);

        using var again = await client.PostJsonAsync($"/api/v1/monitors/{monitor}/notification-channels", $$"""{"channel_id":"{{channel}}","on_recovery":false}""");
        await Assert.That(again.StatusCode).IsEqualTo(HttpStatusCode.Conflict);

        using var updated = await client.PatchJsonAsync($"/api/v1/monitors/{monitor}/notification-channels/{channel}", """{"on_recovery":false}""");
        await Assert.That((await updated.ReadJsonAsync()).GetProperty("on_recovery").GetBoolean()).IsFalse();

        var list = await (await client.GetAsync($"/api/v1/monitors/{monitor}/notification-channels")).ReadJsonAsync();
        await Assert.That(list.GetArrayLength()).IsEqualTo(1);
        await Assert.That(list[0].GetProperty("channel_id").GetString()).IsEqualTo(channel);

        await Assert.That((await client.PostJsonAsync($"/api/v1/monitors/{monitor}/notification-channels", """{"channel_id":"nope"}""")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.PostJsonAsync($"/api/v1/monitors/nope/notification-channels", $$"""{"channel_id":"{{channel}}"}""")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.PostJsonAsync($"/api/v1/monitors/{monitor}/notification-channels", """{}""")).StatusCode).IsEqualTo(HttpStatusCode.BadRequest);

        await Assert.That((await client.DeleteAsync($"/api/v1/monitors/{monitor}/notification-channels/{channel}")).StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        await Assert.That((await client.DeleteAsync($"/api/v1/monitors/{monitor}/notification-channels/{channel}")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Unknown_channel_ids_get_404()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var missing = Guid.CreateVersion7();
        await Assert.That((await client.GetAsync($"/api/v1/notification-channels/{missing}")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.PatchJsonAsync($"/api/v1/notification-channels/{missing}", """{"name":"x"}""")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.DeleteAsync($"/api/v1/notification-channels/{missing}")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.PostAsync($"/api/v1/notification-channels/{missing}/test", null)).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        await Assert.That((await client.GetAsync($"/api/v1/notification-channels/{missing}/deliveries")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }
}
