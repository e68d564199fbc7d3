namespace Flatline;

public enum NotificationKind
{
    /// <summary>The monitor went down: an incident opened.</summary>
    Down,
    /// <summary>The monitor recovered: its incident was resolved.</summary>
    Up,
    /// <summary>A test message asked for through the API.</summary>
    Test,
    /// <summary>Not about one monitor's incident: a maintenance window started or ended, Flatline lost or
    /// regained its network. <see cref="Notification.Event"/> names it, <see cref="Notification.Headline"/>
    /// and <see cref="Notification.Error"/> say it.</summary>
    Notice,
    /// <summary>The monitor turned degraded (slow, or a certificate near expiry); <see cref="Notification.Error"/> says why.</summary>
    Degraded,
    /// <summary>The monitor went from degraded back to up; <see cref="Notification.Error"/> says why it had been degraded.
    /// Sent only to the channels that heard the degraded notice it ends.</summary>
    DegradedEnded,
}

/// <summary>Everything a sender may say about one event. <see cref="EventId"/> is stable across
/// retries (the webhook-id); <see cref="MonitorLink"/> is set when PUBLIC_URL is. A down event with
/// <see cref="ReminderAt"/> is a reminder (remind_every_minutes) that the incident was still open then.</summary>
public sealed record Notification(
    string EventId,
    NotificationKind Kind,
    string MonitorId,
    string MonitorName,
    string MonitorUrl,
    string? IncidentId,
    DateTime? IncidentStartedAt,
    DateTime? IncidentResolvedAt,
    int? StatusCode,
    string? Error,
    DateTime CheckedAt,
    Uri? MonitorLink,
    string? Event = null,
    string? Headline = null,
    DateTime? ReminderAt = null)
{
    /// <summary>A notice (<see cref="NotificationKind.Notice"/>): <paramref name="eventName"/> such as
    /// <c>maintenance.started</c>, a headline and one line of detail.</summary>
    public static Notification Notice(string eventName, string headline, string detail, DateTime at) =>
        new("", NotificationKind.Notice, "", "", "", null, null, null, null, detail, at, null, eventName, headline);

    /// <summary>Good news: a recovery, or the end of a degraded spell.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsRecovery => Kind is NotificationKind.Up or NotificationKind.DegradedEnded;

    /// <summary>How long the monitor was down, for recovery messages.</summary>
    public TimeSpan? Downtime => IncidentStartedAt is { } start && IncidentResolvedAt is { } end ? end - start : null;
}

/// <summary>The outcome of one delivery attempt. <see cref="Retry"/> says whether another attempt
/// may succeed (network errors, timeouts, 429 and 5xx); <see cref="RetryAfter"/> is the server's
/// Retry-After when it gave one.</summary>
public sealed record DeliveryResult(bool Delivered, int? StatusCode, string? Error, bool Retry, TimeSpan? RetryAfter = null);

/// <summary>What delivers to one channel type (see <see cref="NotificationChannelType.CreateSender"/>);
/// the outbox calls it for each attempt.</summary>
public interface INotificationSender
{
    Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken);
}
