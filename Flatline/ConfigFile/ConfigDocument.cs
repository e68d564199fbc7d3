using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Flatline;

/// <summary>One item of a section, by its stable <c>key</c>; <see cref="Where"/> names it in messages (<c>monitors[api]</c>).</summary>
public sealed record ConfigItem(string Key, YamlMap Node, string Where);

public sealed record ConfigLink(string Monitor, string Channel, bool OnRecovery, bool OnDegraded, YamlMap Node, string Where)
{
    public string Key => $"{Monitor} {Channel}";
}

public sealed record ConfigTag(string Name, string Colour, YamlMap Node, string Where);

/// <summary>A location (SPEC §16) the file declares, by its name, which is its key.</summary>
public sealed record ConfigLocation(string Name, YamlMap Node, string Where);

/// <summary>A configuration file read into its sections (SPEC §17), every field checked for being one
/// the API knows; the values are validated later by the API's own validators. Problems are collected,
/// each naming the file, line:column, the item and the field, so that one run lists them all.</summary>
public sealed partial class ConfigDocument
{
    public const int Version = 1;

    /// <summary>The fields an item of each section may have: <c>key</c> and the API's create body.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Fields = new Dictionary<string, string[]>
    {
        ["monitors"] = ["key", "name", "config", "interval", "timeout", "retries", "enabled", "tags", "depends_on", "locations", "quorum"],
        ["channels"] = ["key", "name", "config"],
        ["links"] = ["monitor", "channel", "on_recovery", "on_degraded"],
        ["tags"] = ["name", "colour"],
        ["maintenance"] = ["key", "title", "description", "monitors", "tags", "notify_channels", "schedule"],
        ["status_pages"] = ["key", "slug", "title", "description", "logo_url", "custom_domain", "show_urls", "password", "footer", "sections"],
        ["locations"] = ["name"],
    };

    /// <summary>The fields of a status page's section.</summary>
    public static readonly string[] SectionFields = ["name", "monitors"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"\$\$\{|\$\{([^}]*)\}")]
    private static partial Regex VariablePattern();

    readonly Func<string, string?> environment;

    ConfigDocument(string file, Func<string, string?> environment)
    {
        File = file;
        this.environment = environment;
    }

    public string File { get; }
    public List<string> Errors { get; } = [];
    public List<ConfigItem> Monitors { get; } = [];
    public List<ConfigItem> Channels { get; } = [];
    public List<ConfigItem> Maintenance { get; } = [];
    public List<ConfigItem> StatusPages { get; } = [];
    public List<ConfigLink> Links { get; } = [];
    public List<ConfigTag> Tags { get; } = [];
    public List<ConfigLocation> Locations { get; } = [];

    /// <summary>Reads <paramref name="text"/>; bad syntax throws (with line and column), other problems land in <see cref="Errors"/>.</summary>
    public static ConfigDocument Read(string file, string text, Func<string, string?> environment)
    {
        var document = new ConfigDocument(file, environment);
        var root = YamlParser.Parse(text, file);
        if (root is null) return document;
        if (root is not YamlMap map)
        {
            document.Error(root, "the file", $"must be a mapping of sections: {string.Join(", ", Fields.Keys)}");
            return document;
        }
        foreach (var (name, value) in map.Entries)
        {
            if (name.Text == "version")
            {
                if (value is not YamlScalar { Quoted: false, Text: "1" }) document.Error(value, "version", $"must be {Version}");
                continue;
            }
            if (!Fields.ContainsKey(name.Text))
            {
                document.Error(name, name.Text, $"is not a section: use {string.Join(", ", Fields.Keys)}");
                continue;
            }
            if (value is YamlScalar { IsNull: true }) continue;
            if (value is not YamlList list)
            {
                document.Error(value, name.Text, "must be a list of items");
                continue;
            }
            document.Section(name.Text, list);
        }
        return document;
    }

    void Section(string section, YamlList list)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Items.Count; i++)
        {
            var fallback = $"{section}[{i + 1}]";
            if (list.Items[i] is not YamlMap item)
            {
                Error(list.Items[i], fallback, "must be a mapping of fields");
                continue;
            }
            foreach (var (field, _) in item.Entries)
                if (!Fields[section].Contains(field.Text))
                    Error(field, $"{fallback}.{field.Text}", $"is not a field of {section}: use {string.Join(", ", Fields[section])}");

            switch (section)
            {
                case "links":
                    var monitor = Text(item, "monitor", fallback, required: true);
                    var channel = Text(item, "channel", fallback, required: true);
                    var onRecovery = Flag(item, "on_recovery", fallback) ?? true;
                    var onDegraded = Flag(item, "on_degraded", fallback) ?? false;
                    if (monitor is null || channel is null) break;
                    var link = new ConfigLink(monitor, channel, onRecovery, onDegraded, item, $"links[{monitor} → {channel}]");
                    if (!seen.Add(link.Key)) Error(item, link.Where, "is listed twice");
                    else Links.Add(link);
                    break;
                case "tags":
                    var name = Text(item, "name", fallback, required: true);
                    var colour = Text(item, "colour", fallback, required: true);
                    if (name is null || colour is null) break;
                    var where = $"tags[{name}]";
                    if (global::Flatline.Tags.Problem(name) is { } problem) Error(item["name"]!, $"{where}.name", problem);
                    else if (global::Flatline.Tags.ColourProblem(colour) is { } bad) Error(item["colour"]!, $"{where}.colour", bad);
                    else if (!seen.Add(name)) Error(item, where, "is listed twice");
                    else Tags.Add(new ConfigTag(name, colour.ToLowerInvariant(), item, where));
                    break;
                case "locations":
                    var place = Text(item, "name", fallback, required: true);
                    if (place is null) break;
                    var at = $"locations[{place}]";
                    if (LocationNames.Problem(place) is { } wrong) Error(item["name"]!, $"{at}.name", wrong);
                    else if (!seen.Add(place)) Error(item, at, "is listed twice");
                    else Locations.Add(new ConfigLocation(place, item, at));
                    break;
                default:
                    var key = Text(item, "key", fallback, required: true);
                    if (key is null) break;
                    if (!KeyPattern().IsMatch(key))
                    {
                        Error(item["key"]!, $"{fallback}.key", "must be 1-100 letters, digits, '-', '_' or '.', starting with a letter or digit");
                        break;
                    }
                    var configItem = new ConfigItem(key, item, $"{section}[{key}]");
                    if (!seen.Add(key)) Error(item["key"]!, configItem.Where, $"the key '{key}' is used twice in {section}");
                    else (section switch { "monitors" => Monitors, "channels" => Channels, "maintenance" => Maintenance, _ => StatusPages }).Add(configItem);
                    break;
            }
        }
    }

    /// <summary>The item as the API's JSON body, without its <c>key</c>. The strings of the lists at the paths
    /// named in <paramref name="references"/> (<c>monitors</c>, <c>sections.monitors</c>: field names, lists
    /// of mappings passed through) are keys of other items, turned into their ids by the function (null: unknown).</summary>
    public JsonElement Body(ConfigItem item, IReadOnlyDictionary<string, (string Kind, Func<string, string?> Id)> references)
    {
        var bytes = SenderHttp.Json(json =>
        {
            json.WriteStartObject();
            foreach (var (field, value) in item.Node.Entries)
            {
                if (field.Text == "key") continue;
                json.WritePropertyName(field.Text);
                Write(json, value, $"{item.Where}.{field.Text}", field.Text, references);
            }
            json.WriteEndObject();
        });
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    /// <summary>A node as JSON; <paramref name="where"/> names it in messages (with the index of each
    /// mapping in a list, as the API's validators name them), <paramref name="path"/> without indexes.</summary>
    void Write(Utf8JsonWriter json, YamlNode node, string where, string path, IReadOnlyDictionary<string, (string Kind, Func<string, string?> Id)> references)
    {
        switch (node)
        {
            case YamlList list when references.TryGetValue(path, out var reference):
                json.WriteStartArray();
                foreach (var element in list.Items)
                {
                    if (element is not YamlScalar scalar || Substitute(scalar, where) is not { } key)
                    {
                        if (element is not YamlScalar) Error(element, where, $"each item must be the key of a {reference.Kind}");
                        continue;
                    }
                    if (reference.Id(key) is { } id) json.WriteStringValue(id);
                    else Error(element, where, $"no {reference.Kind} in this file has the key '{key}'");
                }
                json.WriteEndArray();
                break;
            case YamlMap map:
                json.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    json.WritePropertyName(key.Text);
                    Write(json, value, $"{where}.{key.Text}", $"{path}.{key.Text}", references);
                }
                json.WriteEndObject();
                break;
            case YamlList list:
                json.WriteStartArray();
                for (var i = 0; i < list.Items.Count; i++)
                    Write(json, list.Items[i], list.Items[i] is YamlMap ? $"{where}[{i}]" : where, path, references);
                json.WriteEndArray();
                break;
            case YamlScalar scalar:
                var text = Substitute(scalar, where);
                if (text is null) json.WriteNullValue();
                else if (scalar.Quoted) json.WriteStringValue(text);
                else
                    switch (ConfigValues.Resolve(text))
                    {
                        case null: json.WriteNullValue(); break;
                        case bool flag: json.WriteBooleanValue(flag); break;
                        case long number: json.WriteNumberValue(number); break;
                        case double number: json.WriteNumberValue(number); break;
                        default: json.WriteStringValue(text); break;
                    }
                break;
        }
    }

    /// <summary>The scalar's text with each <c>${NAME}</c> replaced from the environment (<c>$${</c> is a
    /// literal <c>${</c>); null, with an error naming the variable, when one is not set.</summary>
    string? Substitute(YamlScalar scalar, string where)
    {
        if (!scalar.Text.Contains('$', StringComparison.Ordinal)) return scalar.Text;
        var missing = new List<string>();
        var text = VariablePattern().Replace(scalar.Text, match =>
        {
            if (match.Value == "$${") return "${";
            var name = match.Groups[1].Value;
            if (!IsVariableName(name))
            {
                missing.Add($"'${{{name}}}' is not a variable name (letters, digits and _, not starting with a digit; write $${{ for a literal ${{)");
                return "";
            }
            if (environment(name) is { } value) return value;
            missing.Add($"the environment variable {name} is not set");
            return "";
        });
        foreach (var message in missing) Error(scalar, where, message);
        return missing.Count == 0 ? text : null;
    }

    static bool IsVariableName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    string? Text(YamlMap item, string field, string where, bool required)
    {
        var node = item[field];
        if (node is null || node is YamlScalar { IsNull: true })
        {
            if (required) Error(node ?? item, $"{where}.{field}", "is required");
            return null;
        }
        if (node is not YamlScalar scalar)
        {
            Error(node, $"{where}.{field}", "must be a string");
            return null;
        }
        return Substitute(scalar, $"{where}.{field}")?.Trim();
    }

    bool? Flag(YamlMap item, string field, string where)
    {
        if (item[field] is not { } node || node is YamlScalar { IsNull: true }) return null;
        if (node is YamlScalar { Quoted: false } scalar && Substitute(scalar, $"{where}.{field}") is { } text && ConfigValues.Resolve(text) is bool flag) return flag;
        Error(node, $"{where}.{field}", "must be true or false");
        return null;
    }

    /// <summary>A problem at <paramref name="node"/>: <c>file:line:column: where message</c>.</summary>
    public void Error(YamlNode node, string where, string message)
    {
        erred.Add(where);
        Errors.Add($"{File}:{node.Line}:{node.Column}: {where} {message}");
    }

    /// <summary>Fields that have an error already (a variable not set, …), whose validation errors would only repeat it.</summary>
    readonly HashSet<string> erred = new(StringComparer.Ordinal);

    /// <summary>Validation errors of an item (keyed <c>config.url</c>, …), each at the field's node when the file has it.</summary>
    public void AddErrors(ConfigItem item, Dictionary<string, string[]> errors)
    {
        foreach (var (field, messages) in errors)
        {
            if (erred.Contains($"{item.Where}.{field}")) continue;
            foreach (var message in messages) Error(Locate(item.Node, field), $"{item.Where}.{field}", message);
        }
    }

    /// <summary>The node at a validator's field key (<c>config.url</c>, <c>sections[1].monitors[0]</c>), or the nearest one on the way.</summary>
    public static YamlNode Locate(YamlNode node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (node is not YamlMap map || map[bracket < 0 ? part : part[..bracket]] is not { } next) break;
            node = next;
            for (var rest = bracket < 0 ? "" : part[bracket..]; rest.StartsWith('[');)
            {
                var close = rest.IndexOf(']', StringComparison.Ordinal);
                if (close < 0 || !int.TryParse(rest.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    || node is not YamlList list || index >= list.Items.Count)
                    return node;
                node = list.Items[index];
                rest = rest[(close + 1)..];
            }
        }
        return node;
    }
}

/// <summary>How a plain scalar reads (YAML 1.2 core schema): null, true/false, an integer, a float, or a string.</summary>
public static partial class ConfigValues
{
    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    public static object? Resolve(string plain)
    {
        switch (plain)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
        }
        if (IntegerPattern().IsMatch(plain) && long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return integer;
        if (FloatPattern().IsMatch(plain) && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
            return number;
        return plain;
    }

    /// <summary>An environment variable name made from parts: <c>ops-hook</c>, <c>secret</c> → <c>OPS_HOOK_SECRET</c>.</summary>
    public static string VariableName(params string[] parts)
    {
        var name = new StringBuilder();
        foreach (var part in parts)
        {
            if (name.Length > 0) name.Append('_');
            foreach (var c in part) name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) name.Insert(0, "SECRET_");
        return name.ToString();
    }
}
