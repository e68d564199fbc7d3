using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flatline;

/// <summary>Writes JSON values as the block YAML <see cref="YamlParser"/> reads back to the same values:
/// objects as block mappings, lists of objects as block sequences, other lists in flow style, strings
/// plain where nothing could read them as another type and double-quoted otherwise. A literal
/// <c>${</c> is written <c>$${</c>, so that applying the file does not take it for a variable.</summary>
/// <param name="verbatim">Strings written as they are, unescaped: the <c>${VARIABLE}</c> placeholders of secrets.</param>
public sealed class YamlWriter(IEnumerable<string>? verbatim = null)
{
    readonly StringBuilder output = new();
    readonly HashSet<string> verbatim = [.. verbatim ?? []];

    public override string ToString() => output.ToString();

    public void Comment(string text) => output.Append("# ").Append(text).Append('\n');

    public void Raw(string text) => output.Append(text);

    /// <summary>A top-level key with a list of objects under it (<c>[]</c> when empty).</summary>
    public void Section(string key, IReadOnlyList<IReadOnlyList<KeyValuePair<string, JsonElement>>> items)
    {
        output.Append(key).Append(':');
        if (items.Count == 0)
        {
            output.Append(" []\n");
            return;
        }
        output.Append('\n');
        foreach (var item in items) Entries(item, 2, firstPrefix: "  - ");
    }

    void Entries(IEnumerable<KeyValuePair<string, JsonElement>> entries, int indent, string? firstPrefix = null)
    {
        var first = true;
        foreach (var (key, value) in entries)
        {
            output.Append(first && firstPrefix is not null ? firstPrefix : new string(' ', indent + (firstPrefix is null ? 0 : 2)));
            first = false;
            output.Append(Key(key)).Append(':');
            Value(value, indent + (firstPrefix is null ? 0 : 2));
        }
    }

    /// <summary>The value after <c>key:</c> (at <paramref name="indent"/>), and its line break.</summary>
    void Value(JsonElement value, int indent)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when value.EnumerateObject().Any():
                output.Append('\n');
                Entries(value.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value)), indent + 2);
                break;
            case JsonValueKind.Array when value.EnumerateArray().Any(i => i.ValueKind == JsonValueKind.Object):
                output.Append('\n');
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.EnumerateObject().Any())
                        Entries(item.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value)), indent + 2, new string(' ', indent + 2) + "- ");
                    else output.Append(' ', indent + 2).Append("- ").Append(Flow(item)).Append('\n');
                }
                break;
            default:
                output.Append(' ').Append(Flow(value)).Append('\n');
                break;
        }
    }

    string Flow(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(", ", value.EnumerateObject().Select(p => $"{Key(p.Name)}: {Flow(p.Value)}")) + "}",
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(Flow)) + "]",
        JsonValueKind.String => verbatim.Contains(value.GetString()!) ? value.GetString()! : Scalar(value.GetString()!),
        JsonValueKind.Null or JsonValueKind.Undefined => "null",
        _ => value.GetRawText(),
    };

    /// <summary>A string, plain when it reads back as the same string in block and flow context.</summary>
    public static string Scalar(string text)
    {
        text = text.Replace("${", "$${", StringComparison.Ordinal);
        return IsPlainSafe(text) ? text : Quote(text);
    }

    /// <summary>A key: keys are not read for variables, so a <c>${</c> in one stays as it is.</summary>
    static string Key(string text) => IsPlainSafe(text) ? text : Quote(text);

    static bool IsPlainSafe(string text)
    {
        if (text.Length == 0 || text != text.Trim() || ConfigValues.Resolve(text) is not string) return false;
        // Times such as 02:30 and other digit strings: YAML 1.1 readers take some of them for numbers.
        if (text.All(c => char.IsAsciiDigit(c) || c is ':' or '.' or '-' or '+' or '_' or 'e' or 'E')) return false;
        if ("-?:,[]{}#&*!|>'\"%@`".Contains(text[0], StringComparison.Ordinal)) return false;
        if (text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal) || text.EndsWith(':')) return false;
        foreach (var c in text)
            if (c < ' ' || c is ',' or '[' or ']' or '{' or '}' or '\u007f' || char.IsSurrogate(c) || c is '\u0085' or '\u2028' or '\u2029' or '\uFEFF')
                return false;
        return true;
    }

    static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\t': quoted.Append("\\t"); break;
                case '\r': quoted.Append("\\r"); break;
                default:
                    if (c < ' ' || c is '\u007f' or '\u0085' or '\u2028' or '\u2029' or '\uFEFF')
                        quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else quoted.Append(c);
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }
}
