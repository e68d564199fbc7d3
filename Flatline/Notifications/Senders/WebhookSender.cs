using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Flatline;

/// <summary>Generic webhook: POST {url}, <c>Content-Type: application/json</c>, with the versioned
/// body of SPEC §6 and nothing of the monitor's own request (headers, body). Each attempt is sent
/// at its own time: <c>sent_at</c> and <c>webhook-timestamp</c> are the attempt's, while
/// <c>webhook-id</c> (the event id) stays the same across retries so receivers can deduplicate.</summary>
/// <remarks>With a <c>secret</c> the request is signed the Standard Webhooks way:
/// <c>webhook-signature: v1,base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"))</c>,
/// with the timestamp in Unix seconds. The key is the base64 after <c>whsec_</c> when the secret
/// has that prefix (as Standard Webhooks libraries generate them), and otherwise the secret's UTF-8
/// bytes.</remarks>
public sealed class WebhookSender(SenderHttp http) : INotificationSender
{
    public const int BodyVersion = 1;
    const string KeyPrefix = "whsec_";

    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "URL")
    {
        Required = true,
        Help = "Receives a JSON POST for every event (the webhook payload in the API docs).",
        Placeholder = "https://example.com/flatline",
    };

    static readonly ChannelField Secret = new("secret", ChannelFieldKind.String, "Signing secret")
    {
        Secret = true,
        Help = "Signs requests the Standard Webhooks way: 16-512 characters, or whsec_ and base64 of at least 24 bytes.",
        Rule = SecretRule,
    };

    public static readonly NotificationChannelType ChannelType = new("webhook", "Webhook", "Your endpoint, receiving the versioned webhook payload.", [Url, Secret],
        services => new WebhookSender(services.GetRequiredService<SenderHttp>()));

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url)) is not { } url) return Task.FromResult(SenderHttp.Misconfigured("webhook: url is not an http(s) URL"));
        byte[]? key = null;
        if (config.Text(Secret) is { Length: > 0 } secret && !TryReadSigningKey(secret, out key))
            return Task.FromResult(SenderHttp.Misconfigured("webhook: secret starts with whsec_ but the rest is not base64"));

        var now = http.Time.GetUtcNow();
        // Milliseconds, like every other time Flatline shows.
        var body = Body(notification, Timestamps.FromMs(now.ToUnixTimeMilliseconds()));
        if (key is null) return http.PostJsonAsync(url, body, null, cancellationToken);

        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var headers = new[]
        {
            ("webhook-id", notification.EventId),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", "v1," + Sign(key, notification.EventId, timestamp, body)),
        };
        return http.PostJsonAsync(url, body, headers, cancellationToken);
    }

    /// <summary>A secret too short to resist guessing, or a <c>whsec_</c> one that cannot sign, is refused up front.</summary>
    static string? SecretRule(string secret)
    {
        if (!secret.StartsWith(KeyPrefix, StringComparison.Ordinal))
            return secret.Length is >= 16 and <= 512 ? null : "must be 16-512 characters (or whsec_ and base64)";
        if (!TryReadSigningKey(secret, out var key)) return "a whsec_ secret must be base64 after the prefix";
        return key.Length >= 24 ? null : "a whsec_ secret must hold at least 24 bytes";
    }

    /// <summary>The key a secret signs with, or false for a <c>whsec_</c> secret that is not base64.</summary>
    public static bool TryReadSigningKey(string secret, out byte[] key)
    {
        if (!secret.StartsWith(KeyPrefix, StringComparison.Ordinal))
        {
            key = Encoding.UTF8.GetBytes(secret);
            return true;
        }
        var encoded = secret[KeyPrefix.Length..];
        var buffer = new byte[encoded.Length];
        if (encoded.Length > 0 && Convert.TryFromBase64String(encoded, buffer, out var length))
        {
            key = buffer[..length];
            return true;
        }
        key = [];
        return false;
    }

    internal static string Sign(byte[] key, string id, string timestamp, byte[] body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content, prefix.Length);
        return Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// <summary>Every <c>event</c> a body may name, notices included, for the OpenAPI document.</summary>
    public static readonly string[] Events =
    [
        "monitor.down", "monitor.up", "monitor.degraded", "monitor.degraded_ended", "test",
        "maintenance.started", "maintenance.ended", "connectivity.lost", "connectivity.regained",
    ];

    internal static byte[] Body(Notification notification, DateTime sentAt) => SenderHttp.Json(json =>
    {
        json.WriteStartObject();
        json.WriteNumber("version", BodyVersion);
        json.WriteString("event", notification.Kind switch
        {
            NotificationKind.Down => "monitor.down",
            NotificationKind.Up => "monitor.up",
            NotificationKind.Notice => notification.Event ?? "notice",
            NotificationKind.Degraded => "monitor.degraded",
            NotificationKind.DegradedEnded => "monitor.degraded_ended",
            _ => "test",
        });
        if (notification.Kind == NotificationKind.Notice)
        {
            json.WriteNull("monitor");
        }
        else
        {
            json.WriteStartObject("monitor");
            json.WriteString("id", notification.MonitorId);
            json.WriteString("name", notification.MonitorName);
            json.WriteString("url", notification.MonitorUrl);
            json.WriteEndObject();
        }
        if (notification.IncidentId is { } incidentId)
        {
            json.WriteStartObject("incident");
            json.WriteString("id", incidentId);
            SenderHttp.WriteTime(json, "started_at", notification.IncidentStartedAt);
            SenderHttp.WriteTime(json, "resolved_at", notification.IncidentResolvedAt);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("incident");
        }
        json.WriteStartObject("check");
        if (notification.StatusCode is { } status) json.WriteNumber("status_code", status);
        else json.WriteNull("status_code");
        json.WriteString("error", notification.Error);
        SenderHttp.WriteTime(json, "checked_at", notification.CheckedAt);
        json.WriteEndObject();
        SenderHttp.WriteTime(json, "sent_at", sentAt);
        json.WriteEndObject();
    });
}
