namespace Flatline;

/// <summary>Slack incoming webhook: POST {url} with <c>text</c> (the notification preview and the
/// fallback) and one mrkdwn <c>section</c> block, plus a <c>context</c> block with the link when
/// PUBLIC_URL is set. Blocks rather than attachments: attachments are legacy, and a coloured bar is
/// all they would add (the emoji says it). Slack's mrkdwn needs only &amp;, &lt; and &gt; escaped;
/// that is also what keeps a monitor name from forming a link or an @channel mention.</summary>
public sealed class SlackSender(SenderHttp http) : INotificationSender
{
    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "Webhook URL")
    {
        Required = true,
        Secret = true,
        Help = "The incoming-webhook URL of your Slack app (Incoming Webhooks → Add New Webhook).",
        Placeholder = "https://hooks.slack.com/services/…",
    };

    public static readonly NotificationChannelType ChannelType = new("slack", "Slack", "A Slack incoming webhook.", [Url],
        services => new SlackSender(services.GetRequiredService<SenderHttp>()));

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url)) is not { } url) return Task.FromResult(SenderHttp.Misconfigured("slack: url is not an http(s) URL"));
        var emoji = notification.Kind switch
        {
            NotificationKind.Down => ":red_circle:",
            NotificationKind.Up or NotificationKind.DegradedEnded => ":large_green_circle:",
            NotificationKind.Degraded => ":large_yellow_circle:",
            _ => ":information_source:",
        };
        var section = $"{emoji} *{Escape(AlertText.Title(notification))}*\n{string.Join('\n', AlertText.Body(notification).Select(Escape))}";
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("text", Escape(AlertText.Summary(notification)));
            json.WriteStartArray("blocks");
            json.WriteStartObject();
            json.WriteString("type", "section");
            json.WriteStartObject("text");
            json.WriteString("type", "mrkdwn");
            json.WriteString("text", section);
            json.WriteEndObject();
            json.WriteEndObject();
            if (notification.MonitorLink is { } link)
            {
                json.WriteStartObject();
                json.WriteString("type", "context");
                json.WriteStartArray("elements");
                json.WriteStartObject();
                json.WriteString("type", "mrkdwn");
                // In <url|label> a '|' or '>' of the URL would end it early; AbsoluteUri escapes neither.
                json.WriteString("text", $"<{Escape(link.AbsoluteUri).Replace("|", "%7C", StringComparison.Ordinal)}|{AlertText.LinkLabel}>");
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
        return http.PostJsonAsync(url, body, null, cancellationToken);
    }

    internal static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
