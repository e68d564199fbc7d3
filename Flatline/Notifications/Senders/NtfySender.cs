namespace Flatline;

/// <summary>ntfy: a JSON publish, POST {url}/ (the server's root) with <c>{topic, title, message,
/// priority, tags, click}</c>, and <c>Authorization: Bearer {token}</c> when a token is set. JSON
/// rather than POST {url}/{topic} with headers, because headers cannot carry a non-ASCII title
/// as is. Priority 5 (urgent) for down, 3 (default) for recovery and tests; the tags are emoji
/// shortcodes ntfy shows in front of the title.</summary>
public sealed class NtfySender(SenderHttp http) : INotificationSender
{
    public const int DownPriority = 5;
    public const int DefaultPriority = 3;

    public string Type => "ntfy";

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Url, "/") is not { } url) return Task.FromResult(SenderHttp.Misconfigured("ntfy: url is not an http(s) URL"));
        if (config.Topic is not { Length: > 0 } topic) return Task.FromResult(SenderHttp.Misconfigured("ntfy: topic is missing"));
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
                NotificationKind.Up => "white_check_mark",
                _ => "bell",
            });
            json.WriteEndArray();
            if (notification.MonitorLink is { } link) json.WriteString("click", link.AbsoluteUri);
            json.WriteEndObject();
        });
        (string, string)[]? headers = config.Token is { Length: > 0 } token ? [("Authorization", "Bearer " + token)] : null;
        return http.PostJsonAsync(url, body, headers, cancellationToken);
    }
}
