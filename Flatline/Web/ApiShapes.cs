namespace Flatline;

// Shapes that exist for the OpenAPI document: bodies the endpoints read as raw JSON (to name every
// bad field themselves) and the webhook payload the webhook sender writes by hand.

/// <summary>A monitor to create or replace. Omitted fields take their defaults (interval 60,
/// timeout 10 and below the interval, retries 0, enabled true); in a PATCH they keep their values.
/// In <c>config</c>, only <c>type</c> and what locates the target (<c>url</c>; <c>host</c> and
/// <c>port</c>) are required: http defaults to GET, any 2xx (expected_status absent or null; a list
/// of codes such as [200, 204], classes "2xx" or ranges "200-299" reads back as sent), follow_redirects
/// and verify_tls true; tcp to tls false and verify_tls true.</summary>
public sealed record MonitorInput(string Name, MonitorConfig Config, int? Interval = null, int? Timeout = null, int? Retries = null, bool? Enabled = null,
    List<string>? Tags = null, List<string>? DependsOn = null, List<string>? Locations = null, Quorum? Quorum = null);

/// <summary>A notification channel to create, or the fields to change. Secrets may be sent back as the
/// mask <c>********</c> (or left out) to keep the stored value.</summary>
public sealed record ChannelInput(string Name, ChannelConfig Config);

/// <summary>The JSON a webhook channel receives (version 1). <c>event</c> is <c>monitor.down</c>,
/// <c>monitor.up</c>, <c>monitor.degraded</c> (no incident; <c>check.error</c> says why: slow, or a
/// certificate near expiry), <c>monitor.degraded_ended</c> (back to up from degraded, to the channels
/// that heard it begin; <c>check.error</c> says what it was) or <c>test</c>. Signed the Standard Webhooks way when
/// the channel has a secret: <c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature</c>
/// (<c>v1,</c> + base64 HMAC-SHA256 of <c>id.timestamp.body</c>). Never carries the monitor's
/// request headers or body.</summary>
public sealed record WebhookPayload(int Version, string Event, WebhookMonitor Monitor, WebhookIncident? Incident, WebhookCheck Check, DateTime SentAt);

public sealed record WebhookMonitor(string Id, string Name, string Url);

public sealed record WebhookIncident(string Id, DateTime StartedAt, DateTime? ResolvedAt);

public sealed record WebhookCheck(int? StatusCode, string? Error, DateTime CheckedAt);
