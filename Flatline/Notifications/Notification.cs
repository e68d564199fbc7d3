namespace Flatline;

public enum NotificationKind
{
    /// <summary>The monitor went down: an incident opened.</summary>
    Down,
    /// <summary>The monitor recovered: its incident was resolved.</summary>
    Up,
    /// <summary>A test message asked for through the API.</summary>
    Test,
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
    DateTime? ReminderAt = null)
{
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
