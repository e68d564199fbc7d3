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

    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "Server URL")
    {
        Required = true,
        Help = "Your Gotify server.",
        Placeholder = "https://gotify.example.com",
    };

    static readonly ChannelField Token = new("token", ChannelFieldKind.String, "Application token")
    {
        Required = true,
        Secret = true,
        Help = "The token of an application created in Gotify (Apps → Create application).",
        MaxLength = 500,
    };

    public static readonly NotificationChannelType ChannelType = new("gotify", "Gotify", "A Gotify server.", [Url, Token],
        services => new GotifySender(services.GetRequiredService<SenderHttp>()));

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url), "/message") is not { } url) return Task.FromResult(SenderHttp.Misconfigured("gotify: url is not an http(s) URL"));
        if (config.Text(Token) is not { Length: > 0 } token) return Task.FromResult(SenderHttp.Misconfigured("gotify: token is missing"));
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
