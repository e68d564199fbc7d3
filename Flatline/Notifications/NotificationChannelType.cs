using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>A kind of notification channel, described by its fields: they drive validation, masking,
/// the OpenAPI document and the UI's form. <see cref="CreateSender"/> builds what delivers to it.</summary>
public sealed record NotificationChannelType(
    string Type, string Label, string Description, IReadOnlyList<ChannelField> Fields,
    [property: JsonIgnore] Func<IServiceProvider, INotificationSender> CreateSender)
{
    public ChannelField? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);
}

/// <summary>Every channel type, in the order the API lists them.</summary>
public sealed class NotificationChannelTypes
{
    /// <summary>The types Flatline ships. A new type is one file under Senders/ and one line here.</summary>
    public static readonly IReadOnlyList<NotificationChannelType> BuiltIn =
    [
        SlackSender.ChannelType,
        DiscordSender.ChannelType,
        TelegramSender.ChannelType,
        WebhookSender.ChannelType,
        NtfySender.ChannelType,
        GotifySender.ChannelType,
        PagerDutySender.ChannelType,
    ];

    static readonly JsonElement MaskValue = ChannelConfig.Json(ChannelValidator.Mask);

    readonly Dictionary<string, NotificationChannelType> byName;

    public NotificationChannelTypes(IEnumerable<NotificationChannelType> types)
    {
        All = [.. types];
        byName = All.ToDictionary(t => t.Type);
    }

    public IReadOnlyList<NotificationChannelType> All { get; }

    public NotificationChannelType? Find(string type) => byName.GetValueOrDefault(type);

    /// <summary>The config as every read shows it: secrets as the mask. A value this build has no
    /// declaration for (a type or field since removed) is masked too, since nothing says it is not secret.</summary>
    public ChannelConfig Masked(ChannelConfig config)
    {
        var type = Find(config.Type);
        return new ChannelConfig(config.Type, config.Values.Select(value =>
            type?.Field(value.Key) is { Secret: false } ? value : KeyValuePair.Create(value.Key, MaskValue)));
    }
}

public static class NotificationChannelTypeServices
{
    /// <summary>Registers a channel type; the API lists the types in the order they are registered.</summary>
    public static IServiceCollection AddNotificationChannelType(this IServiceCollection services, NotificationChannelType type) =>
        services.AddSingleton(type);
}
