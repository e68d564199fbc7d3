using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>A channel's <c>config</c>: <c>{type, …}</c> with the fields its type declares, in their
/// order; a field that is not set is left out. This is also how it is stored.</summary>
/// <remarks>The values stay JSON because each type declares its own fields; a sender reads them
/// through its declarations: <c>config.Text(Url)</c>, <c>config.Integer(Port)</c>.</remarks>
[JsonConverter(typeof(ChannelConfigJsonConverter))]
public sealed class ChannelConfig(string type, IEnumerable<KeyValuePair<string, JsonElement>> values)
{
    readonly KeyValuePair<string, JsonElement>[] values = [.. values];

    public string Type { get; } = type;

    public IReadOnlyList<KeyValuePair<string, JsonElement>> Values => values;

    public JsonElement? this[string name]
    {
        get
        {
            foreach (var (key, value) in values)
                if (key == name) return value;
            return null;
        }
    }

    public string? Text(ChannelField field) => this[field.Name] is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public long? Integer(ChannelField field) => this[field.Name] is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var number) ? number : null;

    public bool? Flag(ChannelField field) => this[field.Name]?.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    public IReadOnlyList<string>? Texts(ChannelField field) => this[field.Name] is { ValueKind: JsonValueKind.Array } list
        ? [.. list.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.String).Select(item => item.GetString()!)]
        : null;

    /// <summary>A string as a stored value.</summary>
    public static JsonElement Json(string text) => JsonSerializer.SerializeToElement(text, FlatlineJson.Default.String);
}

/// <summary>By hand, because the fields are the type's: <c>type</c> first, then the values in order.</summary>
public sealed class ChannelConfigJsonConverter : JsonConverter<ChannelConfig>
{
    public override ChannelConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var root = JsonElement.ParseValue(ref reader);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw new JsonException("a channel config is an object with a string \"type\"");
        return new ChannelConfig(type.GetString()!, root.EnumerateObject().Where(p => p.Name != "type").Select(p => KeyValuePair.Create(p.Name, p.Value)));
    }

    public override void Write(Utf8JsonWriter writer, ChannelConfig value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("type", value.Type);
        foreach (var (name, field) in value.Values)
        {
            writer.WritePropertyName(name);
            field.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}
