namespace Flatline;

/// <summary>Google Chat incoming webhook: POST {url} (the space's webhook URL with its key and token)
/// with a <c>cardsV2</c> message: a card whose header is the title and the monitor's URL, a text
/// paragraph with the detail and, when PUBLIC_URL is set, a button that opens the monitor page;
/// <c>fallbackText</c> is the one-line summary that notifications show. Text paragraphs read a
/// little HTML, so the detail is escaped; the header is plain text.</summary>
public sealed class GoogleChatSender(SenderHttp http) : INotificationSender
{
    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "Webhook URL")
    {
        Required = true,
        Secret = true,
        Help = "The webhook of a Google Chat space (Apps & integrations → Webhooks), with its key and token.",
        Placeholder = "https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…",
    };

    public static readonly NotificationChannelType ChannelType = new("google_chat", "Google Chat", "A Google Chat space webhook (a card).", [Url],
        services => new GoogleChatSender(services.GetRequiredService<SenderHttp>()));

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url)) is not { } url) return Task.FromResult(SenderHttp.Misconfigured("google_chat: url is not an http(s) URL"));
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("fallbackText", AlertText.Summary(notification));
            json.WriteStartArray("cardsV2");
            json.WriteStartObject();
            json.WriteString("cardId", "flatline-" + notification.EventId);
            json.WriteStartObject("card");
            json.WriteStartObject("header");
            json.WriteString("title", AlertText.Title(notification));
            if (notification.MonitorUrl is { Length: > 0 } target) json.WriteString("subtitle", target);
            json.WriteEndObject();
            json.WriteStartArray("sections");
            json.WriteStartObject();
            json.WriteStartArray("widgets");
            json.WriteStartObject();
            json.WriteStartObject("textParagraph");
            json.WriteString("text", AlertText.EscapeHtml(AlertText.Detail(notification)));
            json.WriteEndObject();
            json.WriteEndObject();
            if (notification.MonitorLink is { } link)
            {
                json.WriteStartObject();
                json.WriteStartObject("buttonList");
                json.WriteStartArray("buttons");
                json.WriteStartObject();
                json.WriteString("text", AlertText.LinkLabel);
                json.WriteStartObject("onClick");
                json.WriteStartObject("openLink");
                json.WriteString("url", link.AbsoluteUri);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        });
        return http.PostJsonAsync(url, body, null, cancellationToken);
    }
}
