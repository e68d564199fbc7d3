using System.Net;
using System.Text.Json;

namespace Flatline.Tests.StatusPages;

/// <summary>The owner's API for status pages and announcements: field-level 400s that store nothing,
/// a write-only password, partial PATCHes, and 404 for unknown ids.</summary>
public sealed class StatusPageApiTests
{
    internal static async Task<string> Monitor(HttpClient client, string name, string url = "http://127.0.0.1:9/secret-path")
    {
        using var response = await client.PostJsonAsync("/api/v1/monitors",
            "{\"name\":" + JsonSerializer.Serialize(name) + ",\"enabled\":false,\"config\":{\"type\":\"http\",\"url\":\"" + url + "\",\"headers\":{\"X-Api-Key\":\"s3cr3t-header\"}}}");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created);
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    internal static async Task<JsonElement> Page(HttpClient client, string json)
    {
        using var response = await client.PostJsonAsync("/api/v1/status-pages", json);
        var body = await response.ReadJsonAsync();
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Created).Because(body.ToString());
        return body;
    }

    [Test]
    public async Task A_page_is_created_read_changed_and_deleted_with_its_sections_in_order()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var api = await Monitor(client, "API");
        var web = await Monitor(client, "Website");

        var page = await Page(client, $$"""
            {"slug":"acme","title":"  Acme status ","description":"Our services","footer":"© Acme",
             "sections":[{"name":"Core","monitors":["{{web}}","{{api}}"]},{"name":"Empty","monitors":[]}],"password":"a secret phrase"}
            """);
        var id = page.GetProperty("id").GetString();
        await Assert.That(page.GetProperty("title").GetString()).IsEqualTo("Acme status");
        await Assert.That(page.GetProperty("show_urls").GetBoolean()).IsFalse();
        await Assert.That(page.GetProperty("has_password").GetBoolean()).IsTrue();
        await Assert.That(page.TryGetProperty("password", out _)).IsFalse();
        await Assert.That(page.GetProperty("url").GetString()).IsEqualTo("/status/acme");
        await Assert.That(page.GetProperty("sections")[0].GetProperty("monitors")[0].GetString()).IsEqualTo(web);
        await Assert.That(page.GetProperty("sections")[1].GetProperty("name").GetString()).IsEqualTo("Empty");
        // Stored hashed, as the owner's password is.
        await Assert.That(server.Scalar<string>("SELECT password_hash FROM status_pages")).StartsWith("pbkdf2-sha256$");

        using (var patch = await client.PatchJsonAsync($"/api/v1/status-pages/{id}", """{"show_urls":true,"password":null,"custom_domain":"Status.Example.COM."}"""))
        {
            var changed = await patch.ReadJsonAsync();
            await Assert.That(patch.StatusCode).IsEqualTo(HttpStatusCode.OK).Because(changed.ToString());
            await Assert.That(changed.GetProperty("show_urls").GetBoolean()).IsTrue();
            await Assert.That(changed.GetProperty("has_password").GetBoolean()).IsFalse();
            await Assert.That(changed.GetProperty("custom_domain").GetString()).IsEqualTo("status.example.com");
            // What the PATCH left out stays.
            await Assert.That(changed.GetProperty("sections")[0].GetProperty("monitors").GetArrayLength()).IsEqualTo(2);
            await Assert.That(changed.GetProperty("footer").GetString()).IsEqualTo("© Acme");
        }

        var list = await (await client.GetAsync("/api/v1/status-pages")).ReadJsonAsync();
        await Assert.That(list.GetArrayLength()).IsEqualTo(1);
        // A deleted monitor leaves the page.
        await client.DeleteAsync($"/api/v1/monitors/{api}");
        var read = await (await client.GetAsync($"/api/v1/status-pages/{id}")).ReadJsonAsync();
        await Assert.That(read.GetProperty("sections")[0].GetProperty("monitors").GetArrayLength()).IsEqualTo(1);

        using (var delete = await client.DeleteAsync($"/api/v1/status-pages/{id}")) await Assert.That(delete.StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        using (var again = await client.DeleteAsync($"/api/v1/status-pages/{id}")) await Assert.That(again.StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        using (var gone = await client.GetAsync($"/api/v1/status-pages/{id}")) await Assert.That(gone.StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Bad_pages_get_400_naming_each_field_and_store_nothing()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var monitor = await Monitor(client, "API");
        using var response = await client.PostJsonAsync("/api/v1/status-pages", $$"""
            {"slug":"Bad Slug","title":"","logo_url":"https://cdn.example.com/logo.png","custom_domain":"https://x.example/",
             "show_urls":"yes","password":"short",
             "sections":[{"name":"A","monitors":["{{monitor}}","{{Guid.CreateVersion7()}}","{{monitor}}"]},{"monitors":[]}]}
            """);
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "slug", "title", "logo_url", "custom_domain", "show_urls", "password", "sections[0].monitors[1]", "sections[0].monitors[2]", "sections[1].name" })
            await Assert.That(errors.TryGetProperty(field, out _)).IsTrue().Because($"{field} in {errors}");
        await Assert.That(errors.TryGetProperty("sections[0].monitors[0]", out _)).IsFalse();
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM status_pages")).IsEqualTo(0L);

        await Page(client, """{"slug":"taken","title":"One"}""");
        using var taken = await client.PostJsonAsync("/api/v1/status-pages", """{"slug":"taken","title":"Two"}""");
        await Assert.That(taken.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That((await taken.ReadJsonAsync()).GetProperty("errors").GetProperty("slug")[0].GetString()).IsEqualTo("is taken by another page");
        using var data = await client.PostJsonAsync("/api/v1/status-pages", """{"slug":"logo","title":"Logo","logo_url":"data:image/png;base64,iVBORw0KGgo="}""");
        await Assert.That(data.StatusCode).IsEqualTo(HttpStatusCode.Created);
        using var missing = await client.PatchJsonAsync($"/api/v1/status-pages/{Guid.CreateVersion7()}", """{"title":"x"}""");
        await Assert.That(missing.StatusCode).IsEqualTo(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Announcements_keep_their_updates_in_order_and_resolve_into_history()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var client = server.CreateClient();
        var page = (await Page(client, """{"slug":"news","title":"News"}""")).GetProperty("id").GetString();

        using var bad = await client.PostJsonAsync($"/api/v1/status-pages/{page}/announcements",
            """{"title":"x","severity":"huge","updates":[{"status":"thinking","message":""}]}""");
        await Assert.That(bad.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
        var errors = (await bad.ReadJsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "severity", "updates[0].status", "updates[0].message" })
            await Assert.That(errors.TryGetProperty(field, out _)).IsTrue().Because(errors.ToString());
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM announcements")).IsEqualTo(0L);

        using var created = await client.PostJsonAsync($"/api/v1/status-pages/{page}/announcements",
            """{"title":"Slow logins","severity":"minor","updates":[{"status":"investigating","message":"Looking into it","at":"2026-01-02T10:00:00Z"}]}""");
        var announcement = await created.ReadJsonAsync();
        await Assert.That(created.StatusCode).IsEqualTo(HttpStatusCode.Created).Because(announcement.ToString());
        var aid = announcement.GetProperty("id").GetString();
        await Assert.That(announcement.GetProperty("resolved").GetBoolean()).IsFalse();

        using var update = await client.PostJsonAsync($"/api/v1/status-pages/{page}/announcements/{aid}/updates", """{"status":"resolved","message":"Fixed"}""");
        var resolved = await update.ReadJsonAsync();
        await Assert.That(update.StatusCode).IsEqualTo(HttpStatusCode.OK).Because(resolved.ToString());
        await Assert.That(resolved.GetProperty("updates").GetArrayLength()).IsEqualTo(2);
        await Assert.That(resolved.GetProperty("updates")[0].GetProperty("at").GetString()).IsEqualTo("2026-01-02T10:00:00Z");
        await Assert.That(resolved.GetProperty("updates")[1].GetProperty("status").GetString()).IsEqualTo("resolved");
        await Assert.That(resolved.GetProperty("resolved").GetBoolean()).IsTrue();

        using var patch = await client.PatchJsonAsync($"/api/v1/status-pages/{page}/announcements/{aid}", """{"severity":"major"}""");
        var patched = await patch.ReadJsonAsync();
        await Assert.That(patched.GetProperty("severity").GetString()).IsEqualTo("major");
        await Assert.That(patched.GetProperty("title").GetString()).IsEqualTo("Slow logins");

        var list = await (await client.GetAsync($"/api/v1/status-pages/{page}/announcements")).ReadJsonAsync();
        await Assert.That(list.GetArrayLength()).IsEqualTo(1);
        using (var other = await client.PostJsonAsync($"/api/v1/status-pages/{page}/announcements/{Guid.CreateVersion7()}/updates", """{"status":"resolved","message":"x"}"""))
            await Assert.That(other.StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        using (var delete = await client.DeleteAsync($"/api/v1/status-pages/{page}/announcements/{aid}"))
            await Assert.That(delete.StatusCode).IsEqualTo(HttpStatusCode.NoContent);
        await Assert.That(server.Scalar<long>("SELECT count(*) FROM announcement_updates")).IsEqualTo(0L);
    }

    [Test]
    public async Task The_status_page_api_needs_a_caller()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var anonymous = server.CreateAnonymousClient();
        using var response = await anonymous.GetAsync("/api/v1/status-pages");
        await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
    }
}
