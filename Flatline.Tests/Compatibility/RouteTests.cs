using System.Net;
using System.Text.Json.Nodes;

namespace Flatline.Tests.Compatibility;

/// <summary>Each route of SPEC §11 (but the sign-in routes, which the auth tests hold) answers as the
/// original's clients expect: with a caller, on a monitor, a linked channel and a free channel of the
/// test's own.</summary>
[ClassDataSource<SharedFlatlineServer>(Shared = SharedType.PerClass)]
public class RouteTests(SharedFlatlineServer shared)
{
    [Test]
    [Arguments("POST", "/api/v1/monitors", """{"name":"new","enabled":false,"config":{"type":"http","url":"http://127.0.0.1:9/"}}""", 201)]
    [Arguments("GET", "/api/v1/monitors", null, 200)]
    [Arguments("GET", "/api/v1/monitors/{monitor}", null, 200)]
    [Arguments("PATCH", "/api/v1/monitors/{monitor}", "{full}", 200)]
    [Arguments("PATCH", "/api/v1/monitors/{monitor}", """{"name":"partly"}""", 200)]
    [Arguments("DELETE", "/api/v1/monitors/{monitor}", null, 204)]
    [Arguments("GET", "/api/v1/monitors/{monitor}/checks", null, 200)]
    [Arguments("GET", "/api/v1/monitors/{monitor}/incidents", null, 200)]
    [Arguments("POST", "/api/v1/monitors/{monitor}/notifications", """{"channel_id":"{free}","on_recovery":true}""", 201)]
    [Arguments("GET", "/api/v1/monitors/{monitor}/notifications", null, 200)]
    [Arguments("DELETE", "/api/v1/monitors/{monitor}/notifications/{linked}", null, 204)]
    [Arguments("POST", "/api/v1/notification-channels", """{"name":"hook","config":{"type":"webhook","url":"https://hooks.example.com/a"}}""", 201)]
    [Arguments("GET", "/api/v1/notification-channels", null, 200)]
    [Arguments("GET", "/api/v1/notification-channels/{linked}", null, 200)]
    [Arguments("PATCH", "/api/v1/notification-channels/{linked}", """{"name":"renamed"}""", 200)]
    [Arguments("DELETE", "/api/v1/notification-channels/{linked}", null, 204)]
    public async Task Answers_as_listed(string method, string path, string? body, int status)
    {
        using var api = shared.Server.CreateApiClient();
        var monitor = (await api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Paused())).Expect(HttpStatusCode.Created);
        var linked = (await api.CreateNotificationChannelAsync(ChannelBody.Webhook(new Uri("https://hooks.example.com/linked")))).Value.Id;
        var free = (await api.CreateNotificationChannelAsync(ChannelBody.Webhook(new Uri("https://hooks.example.com/free")))).Value.Id;
        (await api.LinkMonitorChannelAsync(monitor.Value.Id, linked)).Expect(HttpStatusCode.Created);

        string Fill(string text) => text.Replace("{monitor}", monitor.Value.Id, StringComparison.Ordinal)
            .Replace("{linked}", linked, StringComparison.Ordinal).Replace("{free}", free, StringComparison.Ordinal);
        // The full body the original's UI sends: the monitor as read, changed.
        var full = JsonNode.Parse(monitor.Text)!.AsObject();
        full["interval"] = 120;
        var sent = body == "{full}" ? full.ToJsonString() : body is null ? null : Fill(body);

        var answer = await api.SendAsync(new HttpMethod(method), Fill(path), sent);
        await Assert.That((int)answer.Status).IsEqualTo(status).Because(answer.ToString());
        if (status != 204) await Assert.That(answer.MediaType).IsEqualTo("application/json");
    }

    [Test]
    public async Task The_stream_answers_with_events()
    {
        using var api = shared.Server.CreateApiClient();
        await using var stream = await api.OpenStreamAsync();
        await Assert.That(stream.Response.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(stream.Response.Content.Headers.ContentType!.MediaType).IsEqualTo("text/event-stream");
    }
}
