using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>A kind of notification channel, described by its fields: they drive validation, masking,
/// the OpenAPI document and the UI's form. <see cref="CreateSender"/> builds what delivers to it.
/// <see cref="Fields"/> are the type's own followed by <see cref="AlertTiming.Fields"/>, which every type has.</summary>
public sealed record NotificationChannelType(
    string Type, string Label, string Description, IReadOnlyList<ChannelField> Fields,
    [property: JsonIgnore] Func<IServiceProvider, INotificationSender> CreateSender)
{
    public IReadOnlyList<ChannelField> Fields { get; } = [.. Fields, .. AlertTiming.Fields];

    /// <summary>The rules that join fields (a password needs a username, say), run once each field
    /// passed its own: the bad field's name and what is wrong, for each one broken.</summary>
    [JsonIgnore] public Func<ChannelConfig, IEnumerable<(string Field, string Error)>>? Rules { get; init; }

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
        EmailSender.ChannelType,
        TeamsSender.ChannelType,
        MatrixSender.ChannelType,
        PushoverSender.ChannelType,
        MattermostSender.ChannelType,
        GoogleChatSender.ChannelType,
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
