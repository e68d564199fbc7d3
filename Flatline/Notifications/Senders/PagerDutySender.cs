namespace Flatline;

/// <summary>PagerDuty Events API v2: POST https://events.pagerduty.com/v2/enqueue (202 on success).
/// Down triggers and recovery resolves, both with the incident id as <c>dedup_key</c>, so one
/// Flatline incident is one PagerDuty incident. A trigger carries <c>payload</c> (summary, source
/// = the monitor's host, severity critical, the incident's start as timestamp, the monitor name as
/// component, details of the check) and the monitor page under <c>links</c>/<c>client_url</c> when
/// PUBLIC_URL is set; a resolve carries only routing_key, event_action and dedup_key. A test is a
/// trigger with the event id as dedup key and severity info (low urgency where urgency follows
/// severity): it opens a real incident, the only proof that the routing key works, which the user
/// resolves in PagerDuty. Degraded (on links that opt in) is a trigger with severity warning, keyed
/// <c>degraded:</c> + the monitor id, so that the monitor's degraded notices share one PagerDuty
/// incident, which the end of the degraded spell resolves.</summary>
public sealed class PagerDutySender(SenderHttp http, Uri? endpoint = null) : INotificationSender
{
    public static readonly Uri DefaultEndpoint = new("https://events.pagerduty.com/v2/enqueue");

    /// <summary>PagerDuty refuses longer summaries.</summary>
    const int MaxSummary = 1024;

    static readonly ChannelField RoutingKey = new("routing_key", ChannelFieldKind.String, "Routing key")
    {
        Required = true,
        Secret = true,
        Help = "The integration key of an Events API v2 integration on a PagerDuty service.",
        MaxLength = 100,
    };

    public static readonly NotificationChannelType ChannelType = new("pagerduty", "PagerDuty",
        "PagerDuty Events API v2: trigger on down, resolve on recovery (dedup key: the incident id).", [RoutingKey],
        services => new PagerDutySender(services.GetRequiredService<SenderHttp>()));

    readonly Uri endpoint = endpoint ?? DefaultEndpoint;

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (config.Text(RoutingKey) is not { Length: > 0 } routingKey) return Task.FromResult(SenderHttp.Misconfigured("pagerduty: routing_key is missing"));
        var resolve = notification.IsRecovery;
        var dedupKey = notification.Kind switch
        {
            NotificationKind.Test or NotificationKind.Notice => notification.EventId,
            NotificationKind.Degraded or NotificationKind.DegradedEnded => "degraded:" + notification.MonitorId,
            _ => notification.IncidentId ?? notification.EventId,
        };
        var body = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("routing_key", routingKey);
            json.WriteString("event_action", resolve ? "resolve" : "trigger");
            json.WriteString("dedup_key", dedupKey);
            if (!resolve) WriteTrigger(json, notification);
            json.WriteEndObject();
        });
        return http.PostJsonAsync(endpoint, body, null, cancellationToken);
    }

    static void WriteTrigger(System.Text.Json.Utf8JsonWriter json, Notification notification)
    {
        json.WriteStartObject("payload");
        json.WriteString("summary", AlertText.Cut(AlertText.Summary(notification), MaxSummary));
        json.WriteString("source", Source(notification.MonitorUrl));
        json.WriteString("severity", notification.Kind switch
        {
            NotificationKind.Test or NotificationKind.Notice => "info",
            NotificationKind.Degraded => "warning",
            _ => "critical",
        });
        SenderHttp.WriteTime(json, "timestamp", notification.IncidentStartedAt ?? notification.CheckedAt);
        if (notification.MonitorName.Length > 0) json.WriteString("component", notification.MonitorName);
        json.WriteStartObject("custom_details");
        json.WriteString("monitor_id", notification.MonitorId);
        json.WriteString("monitor_name", notification.MonitorName);
        json.WriteString("monitor_url", notification.MonitorUrl);
        if (notification.StatusCode is { } status) json.WriteNumber("status_code", status);
        else json.WriteNull("status_code");
        json.WriteString("error", notification.Error);
        SenderHttp.WriteTime(json, "checked_at", notification.CheckedAt);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteString("client", "Flatline");
        if (notification.MonitorLink is { } link)
        {
            json.WriteString("client_url", link.AbsoluteUri);
            json.WriteStartArray("links");
            json.WriteStartObject();
            json.WriteString("href", link.AbsoluteUri);
            json.WriteString("text", AlertText.LinkLabel);
            json.WriteEndObject();
            json.WriteEndArray();
        }
    }

    /// <summary>PagerDuty wants the affected system, "preferably a hostname".</summary>
    static string Source(string monitorUrl) =>
        Uri.TryCreate(monitorUrl, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.Host
        : monitorUrl.Length > 0 ? monitorUrl
        : "flatline";
}
