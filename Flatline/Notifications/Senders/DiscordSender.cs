using System.Text;

namespace Flatline;

/// <summary>Discord webhook: POST {url} with <c>content</c> (the one-line summary, which is what push
/// notifications show) and one embed (title, the monitor's URL and the detail, the link to the
/// monitor page as the title's link, a colour per kind, the check time), and
/// <c>allowed_mentions: {parse: []}</c> so that no name or error can ping @everyone or a role.
/// Text from monitors is markdown-escaped with backslashes; the monitor's URL is left as it is so
/// that Discord links it.</summary>
public sealed class DiscordSender(SenderHttp http) : INotificationSender
{
    public const int DownColour = 0xE5484D;
    public const int DegradedColour = 0xF5A524;
    public const int UpColour = 0x30A46C;
    public const int TestColour = 0x5B8DEF;

    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "Webhook URL")
    {
        Required = true,
        Secret = true,
        Help = "The channel's webhook (Edit Channel → Integrations → Webhooks → Copy Webhook URL).",
        Placeholder = "https://discord.com/api/webhooks/…",
    };

    public static readonly NotificationChannelType ChannelType = new("discord", "Discord", "A Discord webhook.", [Url],
        services => new DiscordSender(services.GetRequiredService<SenderHttp>()));

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url)) is not { } url) return Task.FromResult(SenderHttp.Misconfigured("discord: url is not an http(s) URL"));
        var description = notification.MonitorUrl is { Length: > 0 } monitorUrl
            ? $"{monitorUrl}\n{Escape(AlertText.Detail(notification))}"
            : Escape(AlertText.Detail(notification));
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("content", Escape(AlertText.Summary(notification)));
            json.WriteStartArray("embeds");
            json.WriteStartObject();
            json.WriteString("title", Escape(AlertText.Title(notification)));
            json.WriteString("description", description);
            if (notification.MonitorLink is { } link) json.WriteString("url", link.AbsoluteUri);
            json.WriteNumber("color", notification.Kind switch
            {
                NotificationKind.Down => DownColour,
                NotificationKind.Up or NotificationKind.DegradedEnded => UpColour,
                NotificationKind.Degraded => DegradedColour,
                _ => TestColour,
            });
            json.WriteString("timestamp", SenderHttp.Utc(notification.CheckedAt));
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartObject("allowed_mentions");
            json.WriteStartArray("parse");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        });
        return http.PostJsonAsync(url, body, null, cancellationToken);
    }

    /// <summary>Backslash before the characters that make Discord markdown inline (emphasis,
    /// spoilers, code, masked links) and before a line-start heading, quote or list marker. Only
    /// those: Discord drops the backslash before punctuation where markdown renders, but an embed
    /// title may show it.</summary>
    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        var lineStart = true;
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '_' or '~' or '`' or '|' or '[' or ']' || (lineStart && c is '#' or '>' or '-')) escaped.Append('\\');
            escaped.Append(c);
            lineStart = c == '\n';
        }
        return escaped.ToString();
    }
}
