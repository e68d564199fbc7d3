using System.Globalization;
using System.Text.RegularExpressions;

namespace Flatline;

/// <summary>Pushover: POST https://api.pushover.net/1/messages.json with the form fields token, user,
/// title, message and priority (then url and url_title for the monitor page when PUBLIC_URL is set,
/// and retry and expire for emergency priority). Down alerts and tests go at the channel's priority;
/// a recovery goes at normal priority at most, since good news should not demand an acknowledgement.
/// Pushover refuses a title over 250 and a message over 1024 characters, so both are cut to fit.</summary>
public sealed partial class PushoverSender(SenderHttp http, Uri? endpoint = null) : INotificationSender
{
    public static readonly Uri DefaultEndpoint = new("https://api.pushover.net/1/messages.json");
    public const int Emergency = 2;

    static readonly ChannelField Token = new("token", ChannelFieldKind.String, "Application token")
    {
        Required = true,
        Secret = true,
        Help = "The API token of an application registered at pushover.net/apps.",
        Pattern = KeyPattern(),
        PatternRule = "must be the 30 letters and digits Pushover gives",
    };

    static readonly ChannelField User = new("user", ChannelFieldKind.String, "User or group key")
    {
        Required = true,
        Secret = true,
        Help = "Your user key (on your Pushover dashboard) or a delivery group's key.",
        Pattern = KeyPattern(),
        PatternRule = "must be the 30 letters and digits Pushover gives",
    };

    static readonly ChannelField Priority = new("priority", ChannelFieldKind.Integer, "Priority")
    {
        Help = "-2 (no notification) to 2 (emergency: repeats until acknowledged, needs retry and expire); 0 when not set.",
        Minimum = -2,
        Maximum = 2,
    };

    static readonly ChannelField Retry = new("retry", ChannelFieldKind.Integer, "Emergency retry (seconds)")
    {
        Help = "For priority 2: how often Pushover repeats the alert until acknowledged, at least every 30 s.",
        Minimum = 30,
        Maximum = 10800,
    };

    static readonly ChannelField Expire = new("expire", ChannelFieldKind.Integer, "Emergency expire (seconds)")
    {
        Help = "For priority 2: when Pushover stops repeating, at most 10800 s (3 h).",
        Minimum = 30,
        Maximum = 10800,
    };

    public static readonly NotificationChannelType ChannelType = new("pushover", "Pushover", "Pushover notifications to a user or group.",
        [Token, User, Priority, Retry, Expire],
        services => new PushoverSender(services.GetRequiredService<SenderHttp>()))
    {
        Rules = EmergencyRules,
    };

    [GeneratedRegex("^[A-Za-z0-9]{30}$")]
    private static partial Regex KeyPattern();

    static IEnumerable<(string, string)> EmergencyRules(ChannelConfig config)
    {
        if (config.Integer(Priority) != Emergency) yield break;
        if (config.Integer(Retry) is null) yield return (Retry.Name, "is required when priority is 2");
        if (config.Integer(Expire) is null) yield return (Expire.Name, "is required when priority is 2");
    }

    readonly Uri endpoint = endpoint ?? DefaultEndpoint;

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (config.Text(Token) is not { Length: > 0 } token) return Task.FromResult(SenderHttp.Misconfigured("pushover: token is missing"));
        if (config.Text(User) is not { Length: > 0 } user) return Task.FromResult(SenderHttp.Misconfigured("pushover: user is missing"));
        var priority = config.Integer(Priority) ?? 0;
        if (notification.IsRecovery) priority = Math.Min(priority, 0);
        var fields = new List<(string, string)>
        {
            ("token", token),
            ("user", user),
            ("title", AlertText.Cut(AlertText.Title(notification), 250)),
            ("message", AlertText.Cut(string.Join('\n', AlertText.Body(notification)), 1024)),
            ("priority", priority.ToString(CultureInfo.InvariantCulture)),
        };
        if (priority == Emergency)
        {
            fields.Add(("retry", (config.Integer(Retry) ?? 60).ToString(CultureInfo.InvariantCulture)));
            fields.Add(("expire", (config.Integer(Expire) ?? 3600).ToString(CultureInfo.InvariantCulture)));
        }
        if (notification.MonitorLink is { } link)
        {
            fields.Add(("url", link.AbsoluteUri));
            fields.Add(("url_title", AlertText.LinkLabel));
        }
        return http.SendAsync(HttpMethod.Post, endpoint, SenderHttp.Form(fields), "application/x-www-form-urlencoded", null, cancellationToken);
    }
}
