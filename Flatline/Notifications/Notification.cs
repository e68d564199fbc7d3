using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>A channel's <c>config</c>: <c>{type, …}</c> with the fields its type uses
/// (the others are null and left out of the JSON).</summary>
/// <remarks>
/// slack, discord: <c>url</c> (the incoming-webhook URL, secret) ·
/// telegram: <c>url</c> (the Bot API base with the token, <c>https://api.telegram.org/bot&lt;token&gt;</c>, secret), <c>chat_id</c> ·
/// webhook: <c>url</c>, <c>secret</c>? (Standard Webhooks signing key, secret) ·
/// ntfy: <c>url</c> (server), <c>topic</c>, <c>token</c>? (secret) ·
/// gotify: <c>url</c> (server), <c>token</c> (application token, secret) ·
/// pagerduty: <c>routing_key</c> (Events API v2 integration key, secret).
/// </remarks>
public sealed record ChannelConfig(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ChatId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Topic = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RoutingKey = null);

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
/// retries (the webhook-id); <see cref="MonitorLink"/> is set when PUBLIC_URL is.</summary>
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
    Uri? MonitorLink)
{
    /// <summary>How long the monitor was down, for recovery messages.</summary>
    public TimeSpan? Downtime => IncidentStartedAt is { } start && IncidentResolvedAt is { } end ? end - start : null;
}

/// <summary>The outcome of one delivery attempt. <see cref="Retry"/> says whether another attempt
/// may succeed (network errors, timeouts, 429 and 5xx); <see cref="RetryAfter"/> is the server's
/// Retry-After when it gave one.</summary>
public sealed record DeliveryResult(bool Delivered, int? StatusCode, string? Error, bool Retry, TimeSpan? RetryAfter = null);

/// <summary>One file per channel type implements this; the outbox calls it for each attempt.</summary>
public interface INotificationSender
{
    string Type { get; }

    Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken);
}
