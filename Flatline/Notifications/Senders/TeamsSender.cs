namespace Flatline;

/// <summary>Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is
/// received"): POST {url} with <c>{type: "message", attachments: [{contentType:
/// "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card}]}</c>, the shape the
/// Workflows template reads; the card is Adaptive Card 1.4 with the title (red for down, green for
/// recovery), the monitor's URL, the detail and, when PUBLIC_URL is set, an Open-URL action. The
/// workflow answers 202.</summary>
public sealed class TeamsSender(SenderHttp http) : INotificationSender
{
    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "Workflow URL")
    {
        Required = true,
        Secret = true,
        Help = "The HTTP POST URL of a Teams workflow made from the template \"Post to a channel when a webhook request is received\".",
        Placeholder = "https://prod-00.westus.logic.azure.com/workflows/…",
    };

    public static readonly NotificationChannelType ChannelType = new("teams", "Microsoft Teams", "A Teams channel through a Workflows webhook (Adaptive Card).", [Url],
        services => new TeamsSender(services.GetRequiredService<SenderHttp>()));

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url)) is not { } url) return Task.FromResult(SenderHttp.Misconfigured("teams: url is not an http(s) URL"));
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("type", "message");
            json.WriteStartArray("attachments");
            json.WriteStartObject();
            json.WriteString("contentType", "application/vnd.microsoft.card.adaptive");
            json.WriteNull("contentUrl");
            json.WriteStartObject("content");
            json.WriteString("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
            json.WriteString("type", "AdaptiveCard");
            json.WriteString("version", "1.4");
            json.WriteStartArray("body");
            TextBlock(json, AlertText.Title(notification), heading: true, notification.Kind switch
            {
                NotificationKind.Down => "Attention",
                NotificationKind.Up or NotificationKind.DegradedEnded => "Good",
                _ => "Default",
            });
            foreach (var line in AlertText.Body(notification)) TextBlock(json, line, heading: false, null);
            json.WriteEndArray();
            if (notification.MonitorLink is { } link)
            {
                json.WriteStartArray("actions");
                json.WriteStartObject();
                json.WriteString("type", "Action.OpenUrl");
                json.WriteString("title", AlertText.LinkLabel);
                json.WriteString("url", link.AbsoluteUri);
                json.WriteEndObject();
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        });
        return http.PostJsonAsync(url, body, null, cancellationToken);
    }

    static void TextBlock(System.Text.Json.Utf8JsonWriter json, string text, bool heading, string? color)
    {
        json.WriteStartObject();
        json.WriteString("type", "TextBlock");
        json.WriteString("text", text);
        if (heading)
        {
            json.WriteString("weight", "Bolder");
            json.WriteString("size", "Medium");
        }
        if (color is not null) json.WriteString("color", color);
        json.WriteBoolean("wrap", true);
        json.WriteEndObject();
    }
}
