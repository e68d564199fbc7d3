namespace Flatline;

/// <summary>A notification channel as the API shows it: secrets in <c>config</c> are masked.</summary>
public sealed record NotificationChannel(string Id, string Name, ChannelConfig Config, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>A monitor ↔ channel link. <c>on_recovery</c>: also notify when the monitor comes back up;
/// <c>on_degraded</c>: also when it turns degraded (slow, or a certificate near expiry; once per certificate).</summary>
public sealed record ChannelLink(string Id, string MonitorId, string ChannelId, bool OnRecovery, DateTime CreatedAt, bool OnDegraded = false);

/// <summary><c>on_recovery</c> defaults to true, <c>on_degraded</c> to false.</summary>
public sealed record CreateLinkRequest(string? ChannelId, bool? OnRecovery, bool? OnDegraded = null);

/// <summary>At least one of the two; one left out keeps its value.</summary>
public sealed record UpdateLinkRequest(bool? OnRecovery, bool? OnDegraded = null);

/// <summary>One delivery attempt of one event to this channel.</summary>
/// <param name="Event">down, reminder (remind_every_minutes), up, degraded, degraded_ended, notice or test.</param>
/// <param name="StatusCode">The HTTP status the service answered, or for email the SMTP reply code.</param>
public sealed record DeliveryAttempt(
    string EventId, string Event, int Attempt, DateTime AttemptedAt, long DurationMs, bool Delivered, int? StatusCode, string? Error,
    string State, DateTime? NextAttemptAt);

/// <summary>The outcome of a test send.</summary>
/// <param name="StatusCode">The HTTP status the service answered, or for email the SMTP reply code.</param>
public sealed record TestSendResult(string EventId, bool Delivered, int? StatusCode, string? Error, long DurationMs);
