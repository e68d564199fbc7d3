using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Notifications;

/// <summary>A channel type only the tests have, shaped like the mail relay of SPEC §15: every field
/// kind the built-in types do not use (integer, enum, string list, boolean) and a secret. Registering
/// it is all it takes for the API, the validator, the OpenAPI document and the outbox to know it.</summary>
public static partial class RelayChannel
{
    public static readonly ChannelField Host = new("host", ChannelFieldKind.String, "Host") { Required = true, MaxLength = 253, Placeholder = "smtp.example.com" };
    public static readonly ChannelField Port = new("port", ChannelFieldKind.Integer, "Port") { Minimum = 1, Maximum = 65535 };
    public static readonly ChannelField Security = new("security", ChannelFieldKind.Enum, "Security") { Required = true, Options = ["starttls", "tls", "none"] };
    public static readonly ChannelField Password = new("password", ChannelFieldKind.String, "Password") { Secret = true, MaxLength = 200 };
    public static readonly ChannelField To = new("to", ChannelFieldKind.StringList, "To")
    {
        Required = true,
        Help = "One address per line.",
        MaxLength = 254,
        Pattern = Address(),
        PatternRule = "must be an email address",
    };
    public static readonly ChannelField Html = new("html", ChannelFieldKind.Boolean, "Send HTML");

    [GeneratedRegex("^[^@\\s]+@[^@\\s]+$")]
    private static partial Regex Address();

    public static NotificationChannelType Type(RelaySender sender) =>
        new("relay", "Relay", "A mail relay, for the tests.", [Host, Port, Security, Password, To, Html], _ => sender);
}

/// <summary>Records what it is asked to send, and throws what the test queued first.</summary>
public sealed class RelaySender : INotificationSender
{
    readonly ConcurrentQueue<Exception> failures = new();
    readonly ConcurrentQueue<(ChannelConfig Config, Notification Notification)> sent = new();

    public IReadOnlyList<(ChannelConfig Config, Notification Notification)> Sent => [.. sent];

    public RelaySender Throw(Exception exception)
    {
        failures.Enqueue(exception);
        return this;
    }

    public Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (failures.TryDequeue(out var failure)) throw failure;
        sent.Enqueue((config, notification));
        return Task.FromResult(new DeliveryResult(true, null, null, false));
    }
}

/// <summary>The real app in-process with the relay type registered through the same call the
/// built-in types use, and nothing else changed.</summary>
public static class RelayServer
{
    public static Task<FlatlineServer> StartAsync(RelaySender sender, TimeProvider? time = null) =>
        FlatlineServer.StartAsync(time: time, services: services => services.AddNotificationChannelType(RelayChannel.Type(sender)));
}
