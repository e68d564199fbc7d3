using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Reliability;

/// <summary>Random and mutated requests to every write endpoint: never a 5xx, and a rejected
/// request never changes the data.</summary>
public class FuzzTests
{
    const int Seed = 20_251_010;
    const int Requests = 3000;
    static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(150);

    static readonly string[] Strings =
    [
        "", " ", "x", "'; DROP TABLE monitors; --", "\" OR 1=1 --", "1; DELETE FROM api_tokens", "%00", "\0", "\u0001\u001f\u007f",
        "ünïcödé ✓ 日本語 🚀", "\ud83d", "\u202e\u200b", "<script>alert(1)</script>", "../../../../etc/passwd", "http://", "ftp://x/",
        "file:///etc/passwd", "http://127.0.0.1:1/", "https://[::1]:99999/", "javascript:alert(1)", "2xx", "999", "-1", "1e309", "NaN",
        "null", "true", "{}", "[]", "\\", "\r\n\r\nX: y", "GET", "TRACE", "webhook", "slack", "telegram", "ntfy", "gotify", "pagerduty",
        "json", "form", "application/json", "${jndi:ldap://x}", "%s%s%n", "whsec_", "whsec_!!!", "********",
    ];

    static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/xml", "application/json; charset=latin1", "",
    ];

    [Test]
    public async Task Thousands_of_hostile_writes_never_get_a_5xx_and_rejected_ones_change_nothing()
    {
        await using var target = await TargetServer.StartAsync();
        await using var server = await FlatlineServer.StartAsync();
        // Created on first use, it generates the session signing key (kept in meta): do that now,
        // so that the first rejected sign-in is not blamed for it.
        server.Services.GetRequiredService<Sessions>();
        using var api = server.CreateApiClient();
        var client = api.Http;
        var ownTokenId = api.TokenId!;

        // A few real things to aim at.
        var monitors = new List<string>();
        var channels = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            monitors.Add(await CreateMonitorAsync(api, target, i));
            channels.Add(await CreateChannelAsync(api, i));
        }
        await Assert.That((await api.LinkMonitorChannelAsync(monitors[0], channels[0])).Status).IsEqualTo(HttpStatusCode.Created);

        var random = new Random(Seed);
        var statuses = new SortedDictionary<int, int>();
        var failures = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        var sent = 0;
        for (; sent < Requests && stopwatch.Elapsed < TimeLimit; sent++)
        {
            var (method, path, body, contentType) = NextRequest(random, target, monitors, channels, ownTokenId);
            var before = Snapshot(server.Database);
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                if (contentType.Length > 0) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var text = await response.Content.ReadAsStringAsync();
            var shown = body is null ? "" : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
            if (status >= 500) failures.Add($"#{sent} {method} {path} [{contentType}] {shown} → {status} {text}");
            else if (status >= 400 && Snapshot(server.Database) != before)
                failures.Add($"#{sent} {method} {path} [{contentType}] {shown} → {status} but the data changed");
            if (status is 200 or 201)
            {
                // Keep aiming at what exists: new ids join the pools, deleted ones drop out.
                var id = TryId(text);
                if (id is not null && method == HttpMethod.Post && path == "/api/v1/monitors") monitors.Add(id);
                if (id is not null && method == HttpMethod.Post && path == "/api/v1/notification-channels") channels.Add(id);
            }
            if (status == 204 && method == HttpMethod.Delete)
            {
                monitors.RemoveAll(m => path.EndsWith("/monitors/" + m, StringComparison.Ordinal));
                channels.RemoveAll(c => path.EndsWith("/notification-channels/" + c, StringComparison.Ordinal));
            }
            if (monitors.Count == 0) monitors.Add(await CreateMonitorAsync(api, target, sent));
            if (channels.Count == 0) channels.Add(await CreateChannelAsync(api, sent));
            if (failures.Count >= 20) break;
        }
        Console.WriteLine($"fuzz: {sent} requests in {stopwatch.Elapsed.TotalSeconds:F1} s, statuses {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        await Assert.That(failures).IsEmpty().Because(string.Join("\n", failures));
        await Assert.That(sent).IsGreaterThanOrEqualTo(2000);
        // The mix really exercised both sides.
        await Assert.That(statuses.Where(s => s.Key < 300).Sum(s => s.Value)).IsGreaterThan(50);
        await Assert.That(statuses.Where(s => s.Key >= 400).Sum(s => s.Value)).IsGreaterThan(1000);
        await Assert.That((await api.GetHealthAsync()).Status).IsEqualTo(HttpStatusCode.OK);
    }

    // The seeds stay JSON nodes of their own, in a fixed field order, because the seeded mutations pick fields by position.

    static async Task<string> CreateMonitorAsync(FlatlineClient api, TargetServer target, int n) =>
        (await api.SendAsync(HttpMethod.Post, "/api/v1/monitors", MonitorJson(target.Url("/ok").ToString(), n).ToJsonString(), FlatlineJson.Default.MonitorView))
            .Expect(HttpStatusCode.Created).Value.Id;

    static async Task<string> CreateChannelAsync(FlatlineClient api, int n) =>
        (await api.SendAsync(HttpMethod.Post, "/api/v1/notification-channels", ChannelJson(n).ToJsonString(), FlatlineJson.Default.NotificationChannel))
            .Expect(HttpStatusCode.Created).Value.Id;

    static string? TryId(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject o && o["id"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    static JsonObject MonitorJson(string url, int n) => new()
    {
        ["name"] = $"fuzz {n}",
        ["interval"] = 600,
        ["timeout"] = 5,
        ["retries"] = 1,
        ["enabled"] = true,
        ["config"] = new JsonObject
        {
            ["type"] = "http",
            ["url"] = url,
            ["method"] = "GET",
            ["expected_status"] = new JsonArray(200, "2xx", "300-399"),
            ["headers"] = new JsonObject { ["X-Test"] = "1" },
            ["keyword"] = "ok",
            ["follow_redirects"] = true,
            ["verify_tls"] = true,
        },
    };

    static JsonObject ChannelJson(int n) => new()
    {
        ["name"] = $"hook {n}",
        ["config"] = new JsonObject { ["type"] = "webhook", ["url"] = "http://127.0.0.1:9/hook", ["secret"] = "a-long-enough-secret" },
    };

    static (HttpMethod Method, string Path, byte[]? Body, string ContentType) NextRequest(
        Random random, TargetServer target, List<string> monitors, List<string> channels, string ownTokenId)
    {
        string Pick(IReadOnlyList<string> ids) => random.Next(6) == 0 ? RandomId(random) : ids[random.Next(ids.Count)];
        var monitor = Pick(monitors);
        var channel = Pick(channels);
        var (method, path, document) = random.Next(14) switch
        {
            0 or 1 => (HttpMethod.Post, "/api/v1/monitors", (JsonNode?)MonitorJson(target.Url("/ok").ToString(), random.Next(1000))),
            2 => (HttpMethod.Put, $"/api/v1/monitors/{monitor}", MonitorJson(target.Url("/ok").ToString(), random.Next(1000))),
            3 => (HttpMethod.Patch, $"/api/v1/monitors/{monitor}", new JsonObject { ["name"] = "renamed", ["enabled"] = random.Next(2) == 0, ["interval"] = 900 }),
            4 => (HttpMethod.Delete, $"/api/v1/monitors/{(random.Next(4) == 0 ? monitor : RandomId(random))}", null),
            5 or 6 => (HttpMethod.Post, "/api/v1/notification-channels", ChannelJson(random.Next(1000))),
            7 => (HttpMethod.Patch, $"/api/v1/notification-channels/{channel}", ChannelJson(random.Next(1000))),
            8 => (HttpMethod.Delete, $"/api/v1/notification-channels/{(random.Next(4) == 0 ? channel : RandomId(random))}", null),
            9 => (HttpMethod.Post, $"/api/v1/monitors/{monitor}/notification-channels", new JsonObject { ["channel_id"] = channel, ["on_recovery"] = false }),
            10 => (random.Next(2) == 0 ? HttpMethod.Patch : HttpMethod.Delete, $"/api/v1/monitors/{monitor}/notification-channels/{channel}", new JsonObject { ["on_recovery"] = true }),
            11 => random.Next(3) == 0
                ? (HttpMethod.Delete, $"/api/v1/tokens/{RandomIdExcept(random, ownTokenId)}", null)
                : (HttpMethod.Post, "/api/v1/tokens", new JsonObject { ["name"] = "t", ["read_only"] = random.Next(2) == 0 }),
            12 => (HttpMethod.Post, "/auth/setup", new JsonObject { ["token"] = RandomId(random), ["name"] = "owner", ["password"] = "correct horse battery" }),
            _ => (HttpMethod.Post, "/auth/login", new JsonObject { ["name"] = "owner", ["password"] = "wrong wrong wrong" }),
        };
        if (method == HttpMethod.Delete && random.Next(3) != 0) return (method, path, null, "");

        byte[]? body = null;
        if (document is not null)
        {
            // A quarter stay valid, so that the data keeps changing under the rejected ones.
            var mutations = random.Next(4) == 0 ? 0 : 1 + random.Next(3);
            for (var i = 0; i < mutations; i++) document = Mutate(random, document);
            body = Encoding.UTF8.GetBytes(document?.ToJsonString() ?? "null");
            if (random.Next(8) == 0) body = MangleBytes(random, body);
        }
        else if (random.Next(4) == 0) body = Encoding.UTF8.GetBytes(RandomValue(random, 0)?.ToJsonString() ?? "null");
        var contentType = random.Next(6) == 0 ? ContentTypes[random.Next(ContentTypes.Length)] : "application/json";
        return (method, path, body, contentType);
    }

    static string RandomId(Random random) => random.Next(5) switch
    {
        0 => Guid.CreateVersion7().ToString(),
        1 => Uri.EscapeDataString(Strings[random.Next(Strings.Length)]) is { Length: > 0 } s ? s : "x",
        2 => new string('a', random.Next(1, 3000)),
        3 => random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "%27%20OR%201%3D1",
    };

    static string RandomIdExcept(Random random, string except)
    {
        var id = RandomId(random);
        return id == except ? "x" : id;
    }

    static JsonNode? Mutate(Random random, JsonNode? node)
    {
        if (node is not JsonObject obj || obj.Count == 0 || random.Next(10) == 0) return RandomValue(random, 0);
        var keys = obj.Select(p => p.Key).ToList();
        var key = keys[random.Next(keys.Count)];
        switch (random.Next(6))
        {
            case 0:
                obj.Remove(key);
                break;
            case 1:
                obj[key] = RandomValue(random, 0);
                break;
            case 2:
                obj[RandomString(random)] = RandomValue(random, 0);
                break;
            case 3 when obj[key] is JsonObject child:
                obj[key] = Mutate(random, child);
                break;
            case 4:
                obj[key] = RandomString(random);
                break;
            default:
                obj[key] = random.Next(3) switch { 0 => null, 1 => new JsonArray(), _ => new JsonObject() };
                break;
        }
        return obj;
    }

    static JsonNode? RandomValue(Random random, int depth) => random.Next(depth > 2 ? 6 : 9) switch
    {
        0 => null,
        1 => random.Next(2) == 0,
        2 => random.Next(4) switch { 0 => long.MaxValue, 1 => -random.Next(), 2 => random.Next(1000), _ => 1e300 * random.NextDouble() },
        3 or 4 or 5 => RandomString(random),
        6 => new JsonArray(Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1)).ToArray()),
        7 => Nested(random.Next(2, 200)),
        _ => RandomObject(random, depth),
    };

    static JsonObject RandomObject(Random random, int depth)
    {
        var obj = new JsonObject();
        for (var i = random.Next(4); i > 0; i--) obj[RandomString(random)] = RandomValue(random, depth + 1);
        return obj;
    }

    static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }

    static string RandomString(Random random) => random.Next(12) switch
    {
        0 => new string('x', random.Next(1000, 300_000)),
        1 => string.Concat(Enumerable.Range(0, random.Next(1, 50)).Select(_ => (char)random.Next(0, 0xD800))),
        2 => new string('é', random.Next(100, 5000)),
        _ => Strings[random.Next(Strings.Length)],
    };

    static byte[] MangleBytes(Random random, byte[] body)
    {
        var copy = body.ToList();
        switch (random.Next(4))
        {
            case 0:
                return [.. copy.Take(random.Next(copy.Count + 1))];
            case 1:
                for (var i = 0; i < 5 && copy.Count > 0; i++) copy[random.Next(copy.Count)] = (byte)random.Next(256);
                return [.. copy];
            case 2:
                return [0xEF, 0xBB, 0xBF, .. copy, .. "}}}"u8.ToArray()];
            default:
                return [.. copy, .. copy];
        }
    }

    /// <summary>Everything the API may change, minus what the engine writes as checks run.</summary>
    static string Snapshot(Database database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT json_group_array(json_array(uid, name, config, interval_s, timeout_s, retries, enabled, revision, created_at, updated_at)) FROM (SELECT * FROM monitors ORDER BY id)
            UNION ALL SELECT json_group_array(json_array(uid, name, type, config, created_at, updated_at)) FROM (SELECT * FROM notification_channels ORDER BY id)
            UNION ALL SELECT json_group_array(json_array(uid, monitor_id, channel_id, on_recovery, created_at)) FROM (SELECT * FROM monitor_channels ORDER BY id)
            UNION ALL SELECT json_group_array(json_array(uid, name, hex(hash), read_only, created_at)) FROM (SELECT * FROM api_tokens ORDER BY id)
            UNION ALL SELECT json_group_array(json_array(uid, issuer, subject, name, password_hash, is_owner)) FROM (SELECT * FROM users ORDER BY id)
            UNION ALL SELECT json_group_array(json_array(jti, user_id, revoked_at)) FROM (SELECT * FROM sessions ORDER BY jti)
            UNION ALL SELECT json_group_array(json_array(key, value)) FROM (SELECT * FROM meta WHERE key NOT IN ('healthz', 'writer_batch') ORDER BY key)
            UNION ALL SELECT count(*) FROM incidents WHERE resolution = 'paused'
            """;
        using var reader = command.ExecuteReader();
        var text = new StringBuilder();
        while (reader.Read()) text.Append(reader.GetValue(0)).Append('\n');
        return text.ToString();
    }
}
