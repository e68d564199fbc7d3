namespace Flatline;

/// <summary>ntfy: a JSON publish, POST {url}/ (the server's root) with <c>{topic, title, message,
/// priority, tags, click}</c>, and <c>Authorization: Bearer {token}</c> when a token is set. JSON
/// rather than POST {url}/{topic} with headers, because headers cannot carry a non-ASCII title
/// as is. Priority 5 (urgent) for down, 3 (default) for recovery and tests; the tags are emoji
/// shortcodes ntfy shows in front of the title.</summary>
public sealed partial class NtfySender(SenderHttp http) : INotificationSender
{
    public const int DownPriority = 5;
    public const int DefaultPriority = 3;

    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "Server URL")
    {
        Required = true,
        Help = "The ntfy server: ntfy.sh or your own.",
        Placeholder = "https://ntfy.sh",
    };

    static readonly ChannelField Topic = new("topic", ChannelFieldKind.String, "Topic")
    {
        Required = true,
        Help = "Letters, digits, - and _; on ntfy.sh anyone who knows the topic can read it, so pick one hard to guess.",
        Pattern = TopicPattern(),
        PatternRule = "must be 1-64 letters, digits, - or _",
    };

    static readonly ChannelField Token = new("token", ChannelFieldKind.String, "Access token")
    {
        Secret = true,
        Help = "For a protected topic: an access token (tk_…).",
        MaxLength = 500,
    };

    public static readonly NotificationChannelType ChannelType = new("ntfy", "ntfy", "An ntfy server and topic.", [Url, Topic, Token],
        services => new NtfySender(services.GetRequiredService<SenderHttp>()));

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex TopicPattern();

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url), "/") is not { } url) return Task.FromResult(SenderHttp.Misconfigured("ntfy: url is not an http(s) URL"));
        if (config.Text(Topic) is not { Length: > 0 } topic) return Task.FromResult(SenderHttp.Misconfigured("ntfy: topic is missing"));
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("topic", topic);
            json.WriteString("title", AlertText.Title(notification));
            json.WriteString("message", string.Join('\n', AlertText.Body(notification)));
            json.WriteNumber("priority", notification.Kind == NotificationKind.Down ? DownPriority : DefaultPriority);
            json.WriteStartArray("tags");
            json.WriteStringValue(notification.Kind switch
            {
                NotificationKind.Down => "rotating_light",
                NotificationKind.Up or NotificationKind.DegradedEnded => "white_check_mark",
                NotificationKind.Degraded => "warning",
                _ => "bell",
            });
            json.WriteEndArray();
            if (notification.MonitorLink is { } link) json.WriteString("click", link.AbsoluteUri);
            json.WriteEndObject();
        });
        (string, string)[]? headers = config.Text(Token) is { Length: > 0 } token ? [("Authorization", "Bearer " + token)] : null;
        return http.PostJsonAsync(url, body, headers, cancellationToken);
    }
}
