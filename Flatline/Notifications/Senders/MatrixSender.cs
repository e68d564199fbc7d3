using System.Text.RegularExpressions;

namespace Flatline;

/// <summary>Matrix client-server API: PUT {homeserver}/_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}
/// with <c>Authorization: Bearer {access_token}</c> and an <c>m.text</c> message (plain <c>body</c>
/// and an HTML <c>formatted_body</c>). The transaction id is the event id, the same on every retry,
/// so the homeserver answers a repeat with the event it already made and a retry never posts twice.
/// A 429 names its wait in the body (<c>retry_after_ms</c>), which is honoured.</summary>
public sealed partial class MatrixSender(SenderHttp http) : INotificationSender
{
    static readonly ChannelField Homeserver = new("homeserver", ChannelFieldKind.Url, "Homeserver URL")
    {
        Required = true,
        Help = "The client-server API base of the bot's homeserver.",
        Placeholder = "https://matrix.org",
    };

    static readonly ChannelField Room = new("room_id", ChannelFieldKind.String, "Room ID")
    {
        Required = true,
        Help = "The room's internal id, !…:server (Room settings → Advanced); the bot must have joined it.",
        Placeholder = "!abcdefghijkl:matrix.org",
        MaxLength = 255,
        Pattern = RoomPattern(),
        PatternRule = "must be a room id like !abc:matrix.org",
    };

    static readonly ChannelField AccessToken = new("access_token", ChannelFieldKind.String, "Access token")
    {
        Required = true,
        Secret = true,
        Help = "The access token of the bot's account.",
        MaxLength = 1000,
    };

    public static readonly NotificationChannelType ChannelType = new("matrix", "Matrix", "A Matrix room, posted to by a bot account.", [Homeserver, Room, AccessToken],
        services => new MatrixSender(services.GetRequiredService<SenderHttp>()));

    [GeneratedRegex(@"^![\x21-\x39\x3B-\x7E]+:[A-Za-z0-9.\-\[\]:]+$")]
    private static partial Regex RoomPattern();

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (config.Text(Room) is not { Length: > 0 } room) return Task.FromResult(SenderHttp.Misconfigured("matrix: room_id is missing"));
        if (config.Text(AccessToken) is not { Length: > 0 } token) return Task.FromResult(SenderHttp.Misconfigured("matrix: access_token is missing"));
        var path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/{Uri.EscapeDataString(TransactionId(notification))}";
        if (SenderHttp.Endpoint(config.Text(Homeserver), path) is not { } url) return Task.FromResult(SenderHttp.Misconfigured("matrix: homeserver is not an http(s) URL"));
        var lines = AlertText.Body(notification).ToList();
        var html = $"<b>{AlertText.EscapeHtml(AlertText.Title(notification))}</b><br>{string.Join("<br>", lines.Select(AlertText.EscapeHtml))}";
        if (notification.MonitorLink is { } link) html += $"<br><a href=\"{AlertText.EscapeHtml(link.AbsoluteUri)}\">{AlertText.LinkLabel}</a>";
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("msgtype", "m.text");
            json.WriteString("body", AlertText.Plain(notification));
            json.WriteString("format", "org.matrix.custom.html");
            json.WriteString("formatted_body", html);
            json.WriteEndObject();
        });
        return http.SendAsync(HttpMethod.Put, url, body, "application/json", [("Authorization", "Bearer " + token)], cancellationToken, RetryAfterInBody);
    }

    /// <summary>Unique per event and stable across its retries: the outbox's event id.</summary>
    internal static string TransactionId(Notification notification) => "flatline-" + notification.EventId;

    /// <summary>Matrix's rate limit answer: <c>{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":2000}</c>.</summary>
    internal static TimeSpan? RetryAfterInBody(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var answer = System.Text.Json.JsonDocument.Parse(body);
            return answer.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && answer.RootElement.TryGetProperty("retry_after_ms", out var ms)
                && ms.TryGetInt64(out var wait) && wait >= 0
                ? TimeSpan.FromMilliseconds(wait) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
