using System.Text.Json;

namespace Flatline;

/// <summary>Checks a channel body by hand, per type, and names each bad field.</summary>
public static class ChannelValidator
{
    public const string Mask = "********";
    public static readonly string[] Types = ["slack", "discord", "telegram", "webhook", "ntfy", "gotify", "pagerduty"];

    /// <summary>The config fields that hold secrets, per type: masked on every read.</summary>
    public static bool IsSecret(string type, string field) => (type, field) switch
    {
        ("slack" or "discord" or "telegram", "url") => true,
        (_, "secret" or "token" or "routing_key") => true,
        _ => false,
    };

    public static ChannelConfig Masked(ChannelConfig config) => config with
    {
        Url = config.Url is not null && IsSecret(config.Type, "url") ? Mask : config.Url,
        Secret = config.Secret is null ? null : Mask,
        Token = config.Token is null ? null : Mask,
        RoutingKey = config.RoutingKey is null ? null : Mask,
    };

    /// <summary>Validates a create (no <paramref name="existing"/>) or a PATCH. In a PATCH of the same
    /// type, an omitted field or one equal to the mask keeps its stored value.</summary>
    public static (string Name, ChannelConfig Config)? Validate(JsonElement body, (string Name, ChannelConfig Config)? existing, out Dictionary<string, string[]> errors)
    {
        var problems = new Dictionary<string, string[]>();
        errors = problems;
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems["body"] = ["must be a JSON object"];
            return null;
        }

        var name = existing?.Name;
        if (body.TryGetProperty("name", out var nameElement) || existing is null)
        {
            name = nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString()!.Trim() : null;
            if (string.IsNullOrEmpty(name) || name.Length > 200) problems["name"] = ["is required and must be 1-200 characters"];
        }

        var config = existing?.Config;
        if (body.TryGetProperty("config", out var configElement)) config = ValidateConfig(configElement, existing?.Config, problems);
        else if (existing is null) problems["config"] = ["is required"];
        return problems.Count == 0 ? (name!, config!) : null;
    }

    static ChannelConfig? ValidateConfig(JsonElement config, ChannelConfig? stored, Dictionary<string, string[]> problems)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            problems["config"] = ["must be an object with a \"type\""];
            return null;
        }
        var type = config.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
        if (type is null && stored is not null) type = stored.Type;
        if (type is null || !Types.Contains(type))
        {
            problems["config.type"] = [$"must be one of {string.Join(", ", Types)}"];
            return null;
        }
        var keep = stored is not null && stored.Type == type ? stored : null;

        string? Field(string field, bool required, Func<string, string?> check)
        {
            string? value;
            if (!config.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
                value = keep is null ? null : Stored(keep, field);
            else if (element.ValueKind == JsonValueKind.String || (field == "chat_id" && element.ValueKind == JsonValueKind.Number))
            {
                value = element.ValueKind == JsonValueKind.Number ? element.GetRawText() : element.GetString()!.Trim();
                if (value == Mask && IsSecret(type!, field))
                {
                    if (keep is null)
                    {
                        problems[$"config.{field}"] = ["is the mask; send the real value"];
                        return null;
                    }
                    value = Stored(keep, field);
                }
            }
            else
            {
                problems[$"config.{field}"] = ["must be a string"];
                return null;
            }
            if (string.IsNullOrEmpty(value))
            {
                if (required) problems[$"config.{field}"] = ["is required"];
                return null;
            }
            if (check(value) is { } message)
            {
                problems[$"config.{field}"] = [message];
                return null;
            }
            return value;
        }

        return type switch
        {
            "slack" or "discord" => new ChannelConfig(type, Url: Field("url", true, HttpUrl)),
            "telegram" => new ChannelConfig(type, Url: Field("url", true, HttpUrl), ChatId: Field("chat_id", true, v => Length(v, 100))),
            "webhook" => new ChannelConfig(type, Url: Field("url", true, HttpUrl), Secret: Field("secret", false, WebhookSecret)),
            "ntfy" => new ChannelConfig(type, Url: Field("url", true, HttpUrl), Topic: Field("topic", true, Topic), Token: Field("token", false, v => Length(v, 500))),
            "gotify" => new ChannelConfig(type, Url: Field("url", true, HttpUrl), Token: Field("token", true, v => Length(v, 500))),
            _ => new ChannelConfig(type, RoutingKey: Field("routing_key", true, v => Length(v, 100))),
        };
    }

    static string? Stored(ChannelConfig config, string field) => field switch
    {
        "url" => config.Url,
        "chat_id" => config.ChatId,
        "secret" => config.Secret,
        "topic" => config.Topic,
        "token" => config.Token,
        _ => config.RoutingKey,
    };

    static string? HttpUrl(string value) =>
        value.Length <= 2048 && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? null : "must be an absolute http or https URL of at most 2048 characters";

    static string? Length(string value, int max) => value.Length <= max ? null : $"must be at most {max} characters";

    static string? Topic(string value) =>
        value.Length <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? null : "must be 1-64 letters, digits, - or _";

    static string? WebhookSecret(string value)
    {
        if (value.StartsWith("whsec_", StringComparison.Ordinal))
        {
            try
            {
                return Convert.FromBase64String(value[6..]).Length >= 24 ? null : "a whsec_ secret must hold at least 24 bytes";
            }
            catch (FormatException)
            {
                return "a whsec_ secret must be base64 after the prefix";
            }
        }
        return value.Length is >= 16 and <= 512 ? null : "must be 16-512 characters (or whsec_ and base64)";
    }
}
