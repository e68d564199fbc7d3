using System.Globalization;

namespace Flatline;

/// <summary>Telegram Bot API: POST {url}/sendMessage, where url is
/// <c>https://api.telegram.org/bot&lt;token&gt;</c>, with <c>{chat_id, text, parse_mode: "HTML",
/// disable_web_page_preview: true, disable_notification}</c>. HTML because its escaping is four
/// entities (&amp;amp; &amp;lt; &amp;gt; &amp;quot;) where MarkdownV2 needs eighteen characters
/// escaped, and differently inside links. Down alerts and tests always sound (a test should show
/// what an alert does); recoveries are silent, since good news need not wake anyone.</summary>
public sealed class TelegramSender(SenderHttp http) : INotificationSender
{
    static readonly ChannelField Url = new("url", ChannelFieldKind.Url, "Bot API URL with the token")
    {
        Required = true,
        Secret = true,
        Help = "The Bot API base with the token BotFather gave: https://api.telegram.org/bot<token>.",
        Placeholder = "https://api.telegram.org/bot<token>",
    };

    static readonly ChannelField ChatId = new("chat_id", ChannelFieldKind.String, "Chat ID")
    {
        Required = true,
        Help = "The chat, group or channel to post to: its numeric id (a number is accepted too) or @channelusername.",
        MaxLength = 100,
        TakesNumber = true,
    };

    public static readonly NotificationChannelType ChannelType = new("telegram", "Telegram", "A Telegram bot posting to a chat.", [Url, ChatId],
        services => new TelegramSender(services.GetRequiredService<SenderHttp>()));

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (SenderHttp.Endpoint(config.Text(Url), "/sendMessage") is not { } url) return Task.FromResult(SenderHttp.Misconfigured("telegram: url is not an http(s) URL"));
        if (config.Text(ChatId) is not { Length: > 0 } chatId) return Task.FromResult(SenderHttp.Misconfigured("telegram: chat_id is missing"));
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            // Numeric ids go as the integers they are; @channelusername as a string.
            if (long.TryParse(chatId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)) json.WriteNumber("chat_id", id);
            else json.WriteString("chat_id", chatId);
            json.WriteString("text", Text(notification));
            json.WriteString("parse_mode", "HTML");
            json.WriteBoolean("disable_web_page_preview", true);
            json.WriteBoolean("disable_notification", notification.IsRecovery);
            json.WriteEndObject();
        });
        return http.PostJsonAsync(url, body, null, cancellationToken, RetryAfterInBody);
    }

    internal static string Text(Notification notification)
    {
        var text = $"<b>{Escape(AlertText.Title(notification))}</b>\n{string.Join('\n', AlertText.Body(notification).Select(Escape))}";
        return notification.MonitorLink is { } link ? $"{text}\n<a href=\"{Escape(link.AbsoluteUri)}\">{AlertText.LinkLabel}</a>" : text;
    }

    static string Escape(string text) => AlertText.EscapeHtml(text);

    /// <summary>Telegram's 429 says how long to wait in its body, <c>{"parameters":{"retry_after":35}}</c>,
    /// and not in a Retry-After header.</summary>
    internal static TimeSpan? RetryAfterInBody(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var answer = System.Text.Json.JsonDocument.Parse(body);
            return answer.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && answer.RootElement.TryGetProperty("parameters", out var parameters)
                && parameters.ValueKind == System.Text.Json.JsonValueKind.Object
                && parameters.TryGetProperty("retry_after", out var seconds)
                && seconds.TryGetInt32(out var wait) && wait >= 0
                ? TimeSpan.FromSeconds(wait) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
