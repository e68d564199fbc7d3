using System.Text.Json.Nodes;

namespace Flatline.Tests;

/// <summary>A JSON request body built field by field. Only what a test sets is sent, so the server's
/// defaults fill in the rest; each step returns a new body, so a test can keep one as a base. Bodies
/// are JSON rather than the app's records: tests send what a client sends, including what the app
/// would refuse, and outlive changes to the app's config types.</summary>
public abstract class RequestBody<TSelf> where TSelf : RequestBody<TSelf>
{
    readonly JsonObject body;

    private protected RequestBody(JsonObject body) => this.body = body;

    private protected abstract TSelf Create(JsonObject body);

    /// <summary>Sets a top-level field to any value, valid or not.</summary>
    public TSelf With(string field, JsonNode? value)
    {
        var copy = Copy();
        copy[field] = value;
        return Create(copy);
    }

    /// <summary>Sets a field of <c>config</c> to any value, valid or not.</summary>
    public TSelf WithConfig(string field, JsonNode? value)
    {
        var copy = Copy();
        if (copy["config"] is not JsonObject config) copy["config"] = config = [];
        config[field] = value;
        return Create(copy);
    }

    public TSelf Named(string name) => With("name", name);

    public string ToJson() => body.ToJsonString();

    public override string ToString() => ToJson();

    JsonObject Copy() => (JsonObject)body.DeepClone();
}

/// <summary>The body of a monitor to create or replace (<see cref="Http(Uri)"/>), or of the changes
/// to one (<see cref="Change"/>).</summary>
public sealed class MonitorBody : RequestBody<MonitorBody>
{
    MonitorBody(JsonObject body) : base(body)
    {
    }

    private protected override MonitorBody Create(JsonObject body) => new(body);

    public static MonitorBody Http(Uri url) => Http(url.AbsoluteUri);

    public static MonitorBody Http(string url) => new(new JsonObject
    {
        ["name"] = "monitor",
        ["config"] = new JsonObject { ["type"] = "http", ["url"] = url },
    });

    /// <summary>A monitor of any check type; its fields come with <see cref="RequestBody{TSelf}.WithConfig"/>.</summary>
    public static MonitorBody Of(string type, string name = "monitor") => new(new JsonObject
    {
        ["name"] = name,
        ["config"] = new JsonObject { ["type"] = type },
    });

    /// <summary>A PATCH body: nothing changes but what is set. A config set here replaces the old one whole.</summary>
    public static MonitorBody Change() => new([]);

    public MonitorBody Interval(int seconds) => With("interval", seconds);
    public MonitorBody Timeout(int seconds) => With("timeout", seconds);
    public MonitorBody Retries(int retries) => With("retries", retries);
    public MonitorBody Enabled(bool enabled = true) => With("enabled", enabled);

    /// <summary>Not checked: for tests of the API rather than of probes.</summary>
    public MonitorBody Paused() => Enabled(false);

    public MonitorBody Keyword(string keyword) => WithConfig("keyword", keyword);
    public MonitorBody VerifyTls(bool verify) => WithConfig("verify_tls", verify);
}

/// <summary>The body of a notification channel to create or change.</summary>
public sealed class ChannelBody : RequestBody<ChannelBody>
{
    ChannelBody(JsonObject body) : base(body)
    {
    }

    private protected override ChannelBody Create(JsonObject body) => new(body);

    /// <summary>A channel of any type; its fields come with <see cref="RequestBody{TSelf}.WithConfig"/>.</summary>
    public static ChannelBody Of(string type, string name = "channel") => new(new JsonObject
    {
        ["name"] = name,
        ["config"] = new JsonObject { ["type"] = type },
    });

    public static ChannelBody Webhook(Uri url, string? secret = null)
    {
        var webhook = Of("webhook", "webhook").WithConfig("url", url.AbsoluteUri);
        return secret is null ? webhook : webhook.WithConfig("secret", secret);
    }
}
