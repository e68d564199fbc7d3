namespace Flatline;

/// <summary>Gotify: POST {url}/message with <c>X-Gotify-Key: {token}</c> (a header, so the token
/// stays out of URLs and access logs) and <c>{title, message, priority, extras}</c>. Priority 8 for
/// down (Gotify's clients sound and pop up from 8), 4 for recovery and tests (a plain notification
/// with sound). <c>extras</c> marks the message as plain text and, when PUBLIC_URL is set, makes
/// tapping the notification open the monitor page.</summary>
public sealed class GotifySender(SenderHttp http) : INotificationSender
{
    public const int DownPriority = 8;
    public const int DefaultPriority = 4;

    public string Type => "gotify";

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Url, "/message") is not { } url) return Task.FromResult(SenderHttp.Misconfigured("gotify: url is not an http(s) URL"));
        if (config.Token is not { Length: > 0 } token) return Task.FromResult(SenderHttp.Misconfigured("gotify: token is missing"));
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("title", AlertText.Title(notification));
            json.WriteString("message", string.Join('\n', AlertText.Body(notification)));
            json.WriteNumber("priority", notification.Kind == NotificationKind.Down ? DownPriority : DefaultPriority);
            json.WriteStartObject("extras");
            json.WriteStartObject("client::display");
            json.WriteString("contentType", "text/plain");
            json.WriteEndObject();
            if (notification.MonitorLink is { } link)
            {
                json.WriteStartObject("client::notification");
                json.WriteStartObject("click");
                json.WriteString("url", link.AbsoluteUri);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        });
        return http.PostJsonAsync(url, body, [("X-Gotify-Key", token)], cancellationToken);
    }
}
