using System.Text.Json;

namespace Flatline;

/// <summary>Reads one JSON object's fields for a validator, recording a message per bad field under
/// <c>{prefix}.{name}</c>. An absent or null field takes its default.</summary>
/// <param name="current">The config being replaced, if any (see <see cref="Current"/>).</param>
public readonly struct ConfigReader(JsonElement element, string prefix, Dictionary<string, string[]> errors, MonitorConfig? current = null)
{
    public JsonElement Element => element;

    /// <summary>The monitor's config before this change; null for a new monitor.</summary>
    public MonitorConfig? Current => current;

    public Dictionary<string, string[]> Errors => errors;

    public string Key(string name) => $"{prefix}.{name}";

    public void Fail(string name, string message) => FieldErrors.Add(errors, Key(name), message);

    /// <summary>The field's value when present and not null.</summary>
    public bool TryGet(string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A trimmed string; a required one that is missing or empty is an error.</summary>
    public string? String(string name, bool required, int maxLength)
    {
        if (!TryGet(name, out var value))
        {
            if (required) Fail(name, "is required");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Fail(name, "must be a string");
            return null;
        }
        var text = value.GetString()!.Trim();
        if (text.Length == 0 && required) Fail(name, "is required");
        else if (text.Length > maxLength) Fail(name, $"must be at most {maxLength} characters");
        else return text;
        return null;
    }

    public bool Boolean(string name, bool fallback)
    {
        if (!TryGet(name, out var value)) return fallback;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        Fail(name, "must be true or false");
        return fallback;
    }

    /// <summary>A whole number in [min, max]; <paramref name="fallback"/> when absent (null: required).</summary>
    public int Integer(string name, int? fallback, int min, int max)
    {
        if (!TryGet(name, out var value))
        {
            if (fallback is null) Fail(name, "is required");
            return fallback ?? min;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max) return number;
        Fail(name, $"must be a whole number from {min} to {max}");
        return fallback ?? min;
    }
}
