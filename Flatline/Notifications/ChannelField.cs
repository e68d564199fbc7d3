using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Flatline;

/// <summary>What a channel field holds, and so how it is read, checked, documented and shown.</summary>
public enum ChannelFieldKind
{
    /// <summary>An absolute http(s) URL of at most 2048 characters.</summary>
    [JsonStringEnumMemberName("url")] Url,
    [JsonStringEnumMemberName("string")] String,
    [JsonStringEnumMemberName("integer")] Integer,
    [JsonStringEnumMemberName("boolean")] Boolean,
    [JsonStringEnumMemberName("string_list")] StringList,
    /// <summary>One of <see cref="ChannelField.Options"/>.</summary>
    [JsonStringEnumMemberName("enum")] Enum,
}

/// <summary>One field of a channel type's config. The API lists the public part (name to options);
/// the rest are the checks the validator runs and the OpenAPI document states.</summary>
public sealed class ChannelField(string name, ChannelFieldKind kind, string label)
{
    public const int MaxUrlLength = 2048;
    public const int MaxListItems = 100;

    public string Name { get; } = name;
    public ChannelFieldKind Kind { get; } = kind;
    public string Label { get; } = label;
    public bool Required { get; init; }

    /// <summary>Write-only: every read shows the mask, and sending the mask back keeps the stored value.</summary>
    public bool Secret { get; init; }

    public string? Help { get; init; }
    public string? Placeholder { get; init; }
    public IReadOnlyList<string>? Options { get; init; }

    /// <summary>For strings, and for each item of a string list.</summary>
    [JsonIgnore] public int? MaxLength { get; init; }

    /// <summary>A regular expression the whole value must match; <see cref="PatternRule"/> is the message when it does not.</summary>
    [JsonIgnore] public Regex? Pattern { get; init; }

    [JsonIgnore] public string? PatternRule { get; init; }

    /// <summary>A rule the other checks cannot say: the message for a bad value, or null.</summary>
    [JsonIgnore] public Func<string, string?>? Rule { get; init; }

    /// <summary>A string field that also takes a JSON number and keeps its digits (a Telegram chat id).</summary>
    [JsonIgnore] public bool TakesNumber { get; init; }

    [JsonIgnore] public long? Minimum { get; init; }
    [JsonIgnore] public long? Maximum { get; init; }

    /// <summary>Reads a value sent for this field: the value to store (null when empty, which counts
    /// as not sent), or the message that says what is wrong with it.</summary>
    internal JsonElement? Read(JsonElement sent, out string? error)
    {
        error = null;
        switch (Kind)
        {
            case ChannelFieldKind.Integer:
                if (sent.ValueKind != JsonValueKind.Number || !sent.TryGetInt64(out var number))
                {
                    error = "must be an integer";
                    return null;
                }
                error = (Minimum, Maximum) switch
                {
                    ({ } min, { } max) when number < min || number > max => $"must be from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
                    ({ } min, null) when number < min => $"must be at least {min.ToString(CultureInfo.InvariantCulture)}",
                    (null, { } max) when number > max => $"must be at most {max.ToString(CultureInfo.InvariantCulture)}",
                    _ => null,
                };
                return error is null ? sent.Clone() : null;
            case ChannelFieldKind.Boolean:
                if (sent.ValueKind is JsonValueKind.True or JsonValueKind.False) return sent.Clone();
                error = "must be true or false";
                return null;
            case ChannelFieldKind.StringList:
                return ReadList(sent, out error);
        }

        string text;
        if (sent.ValueKind == JsonValueKind.String) text = sent.GetString()!.Trim();
        else if (TakesNumber && sent.ValueKind == JsonValueKind.Number) text = sent.GetRawText();
        else
        {
            error = "must be a string";
            return null;
        }
        if (text.Length == 0) return null;
        error = Check(text);
        return error is null ? ChannelConfig.Json(text) : null;
    }

    JsonElement? ReadList(JsonElement sent, out string? error)
    {
        error = null;
        if (sent.ValueKind != JsonValueKind.Array || sent.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            error = "must be a list of strings";
            return null;
        }
        var items = sent.EnumerateArray().Select(item => item.GetString()!.Trim()).Where(item => item.Length > 0).ToList();
        if (items.Count > MaxListItems)
        {
            error = $"must hold at most {MaxListItems} items";
            return null;
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (Check(items[i]) is { } message)
            {
                error = $"item {i + 1} {message}";
                return null;
            }
        }
        return items.Count == 0 ? null : JsonSerializer.SerializeToElement(items, FlatlineJson.Default.ListString);
    }

    /// <summary>The message for a text that breaks this field's rules, or null.</summary>
    string? Check(string text)
    {
        if (Kind == ChannelFieldKind.Url)
            return text.Length <= MaxUrlLength && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
                ? null : $"must be an absolute http or https URL of at most {MaxUrlLength} characters";
        if (Kind == ChannelFieldKind.Enum)
            return Options!.Contains(text) ? null : $"must be one of {string.Join(", ", Options!)}";
        if (text.Length > MaxLength) return $"must be at most {MaxLength} characters";
        if (Pattern is not null && !Pattern.IsMatch(text)) return PatternRule ?? $"must match {Pattern}";
        return Rule?.Invoke(text);
    }
}
