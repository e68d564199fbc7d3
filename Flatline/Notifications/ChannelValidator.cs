using System.Text.Json;

namespace Flatline;

/// <summary>Checks a channel body against its type's field declarations and names each bad field.</summary>
public static class ChannelValidator
{
    public const string Mask = "********";

    /// <summary>Validates a create (no <paramref name="existing"/>) or a PATCH. In a PATCH of the same
    /// type, an omitted field or a secret equal to the mask keeps its stored value.</summary>
    public static (string Name, ChannelConfig Config)? Validate(JsonElement body, (string Name, ChannelConfig Config)? existing,
        NotificationChannelTypes types, out Dictionary<string, string[]> errors)
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
            if (Names.Problem(name) is { } problem) problems["name"] = [problem];
        }

        var config = existing?.Config;
        if (body.TryGetProperty("config", out var configElement)) config = ValidateConfig(configElement, existing?.Config, types, problems);
        else if (existing is null) problems["config"] = ["is required"];
        return problems.Count == 0 ? (name!, config!) : null;
    }

    static ChannelConfig? ValidateConfig(JsonElement config, ChannelConfig? stored, NotificationChannelTypes types, Dictionary<string, string[]> problems)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            problems["config"] = ["must be an object with a \"type\""];
            return null;
        }
        var typeName = config.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
        if (typeName is null && stored is not null) typeName = stored.Type;
        if (typeName is null || types.Find(typeName) is not { } type)
        {
            problems["config.type"] = [$"must be one of {string.Join(", ", types.All.Select(x => x.Type))}"];
            return null;
        }
        var keep = stored is not null && stored.Type == type.Type ? stored : null;

        var values = new List<KeyValuePair<string, JsonElement>>();
        foreach (var field in type.Fields)
        {
            var key = $"config.{field.Name}";
            JsonElement? value;
            string? error = null;
            if (!config.TryGetProperty(field.Name, out var sent) || sent.ValueKind == JsonValueKind.Null)
                value = keep?[field.Name];
            else if (field.Secret && sent.ValueKind == JsonValueKind.String && sent.GetString()!.Trim() == Mask)
            {
                value = keep?[field.Name];
                if (keep is null) error = "is the mask; send the real value";
            }
            else value = field.Read(sent, out error);

            if (error is null && value is null && field.Required) error = "is required";
            if (error is not null) problems[key] = [error];
            else if (value is { } set) values.Add(KeyValuePair.Create(field.Name, set));
        }
        var result = new ChannelConfig(type.Type, values);
        if (!problems.Keys.Any(k => k.StartsWith("config", StringComparison.Ordinal)) && type.Rules is { } rules)
            foreach (var (field, error) in rules(result))
                problems.TryAdd($"config.{field}", [error]);
        return result;
    }
}
