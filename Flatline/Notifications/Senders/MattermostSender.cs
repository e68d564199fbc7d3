namespace Flatline;

/// <summary>Mattermost incoming webhook: POST {url} with <c>{text}</c> in Mattermost's Markdown: the
/// title in bold after an emoji, the monitor's URL and the detail, and the link when PUBLIC_URL is
/// set. Markdown characters in the name and the detail are escaped, so a monitor name cannot format
/// the message or make a link.</summary>
public sealed class MattermostSender(SenderHttp http) : INotificationSender
{
    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "Webhook URL")
    {
        Required = true,
        Secret = true,
        Help = "An incoming webhook of your Mattermost (Integrations → Incoming Webhooks → Add).",
        Placeholder = "https://mattermost.example.com/hooks/…",
    };

    public static readonly NotificationChannelType ChannelType = new("mattermost", "Mattermost", "A Mattermost incoming webhook.", [Url],
        services => new MattermostSender(services.GetRequiredService<SenderHttp>()));

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url)) is not { } url) return Task.FromResult(SenderHttp.Misconfigured("mattermost: url is not an http(s) URL"));
        var emoji = notification.Kind switch
        {
            NotificationKind.Down => ":red_circle:",
            NotificationKind.Up or NotificationKind.DegradedEnded => ":large_green_circle:",
            _ => ":information_source:",
        };
        var lines = new List<string> { $"{emoji} **{Escape(AlertText.Title(notification))}**" };
        if (notification.MonitorUrl is { Length: > 0 } target) lines.Add(target);
        lines.Add(Escape(AlertText.Detail(notification)));
        if (notification.MonitorLink is { } link) lines.Add($"[{AlertText.LinkLabel}]({link.AbsoluteUri.Replace(")", "%29", StringComparison.Ordinal)})");
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("text", string.Join('\n', lines));
            json.WriteEndObject();
        });
        return http.PostJsonAsync(url, body, null, cancellationToken);
    }

    /// <summary>A backslash before each character Markdown gives a meaning (and before @, which mentions).</summary>
    internal static string Escape(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if ("\\`*_[]()<>#|~@".Contains(c)) escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
