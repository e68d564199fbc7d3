using System.Globalization;
using System.Text;

namespace Flatline;

/// <summary>What stands on one line (or, in flow style, across lines) of the file: flow collections,
/// quoted and plain scalars, and block scalars.</summary>
public sealed partial class YamlParser
{
    /// <summary>A flow collection, a quoted scalar or a plain scalar to the end of the line.</summary>
    YamlNode Inline()
    {
        Refuse();
        if (text[p] is '[' or '{') return Flow();
        if (text[p] is '"' or '\'') return Quoted();
        var (line, column) = Where(p);
        var start = p;
        while (p < text.Length && text[p] != '\n' && !(text[p] == '#' && text[p - 1] == ' ')) p++;
        var value = text[start..p].TrimEnd();
        var colon = value.IndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0) throw Error(line, column + colon, "a plain value cannot hold ': ': put the value in quotes");
        return new YamlScalar(value, false, line, column);
    }

    YamlNode Flow()
    {
        var (line, column) = Where(p);
        var open = text[p++];
        var close = open == '[' ? ']' : '}';
        var items = new List<YamlNode>();
        var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
        while (true)
        {
            SkipFlowSpace();
            if (p >= text.Length) throw Error(line, column, $"'{open}' is never closed with '{close}'");
            if (text[p] == close)
            {
                p++;
                break;
            }
            if (open == '[') items.Add(FlowValue());
            else
            {
                var key = text[p] is '"' or '\'' ? Quoted() : FlowPlain(isKey: true);
                if (key.Text.Length == 0 && !key.Quoted) throw Error(key.Line, key.Column, "expected a key");
                if (entries.Any(e => e.Key.Text == key.Text)) throw Error(key.Line, key.Column, $"duplicate key '{key.Text}'");
                SkipFlowSpace();
                if (p >= text.Length || text[p] != ':') throw Error(p, $"expected ':' after the key '{key.Text}'");
                p++;
                SkipFlowSpace();
                var value = p < text.Length && text[p] is ',' or '}' ? Null(p) : FlowValue();
                entries.Add(KeyValuePair.Create(key, value));
            }
            SkipFlowSpace();
            if (p >= text.Length) throw Error(line, column, $"'{open}' is never closed with '{close}'");
            if (text[p] == ',') p++;
            else if (text[p] != close) throw Error(p, $"expected ',' or '{close}'");
        }
        return open == '[' ? new YamlList(items, line, column) : new YamlMap(entries, line, column);
    }

    YamlNode FlowValue()
    {
        Refuse();
        if (text[p] is '[' or '{') return Flow();
        if (text[p] is '"' or '\'') return Quoted();
        return FlowPlain(isKey: false);
    }

    YamlScalar FlowPlain(bool isKey)
    {
        var (line, column) = Where(p);
        var start = p;
        while (p < text.Length && text[p] is not ('\n' or ',' or '[' or ']' or '{' or '}')
            && !(text[p] == '#' && p > start && text[p - 1] == ' ')
            && !(text[p] == ':' && (isKey || p + 1 >= text.Length || text[p + 1] is ' ' or '\n' or ',' or ']' or '}')))
            p++;
        return new YamlScalar(text[start..p].Trim(), false, line, column);
    }

    YamlScalar Quoted()
    {
        var (line, column) = Where(p);
        var quote = text[p++];
        var value = new StringBuilder();
        while (true)
        {
            if (p >= text.Length || text[p] == '\n') throw Error(line, column, "this quoted string is not closed on its line");
            var c = text[p++];
            if (c == quote)
            {
                if (quote == '\'' && p < text.Length && text[p] == '\'')
                {
                    value.Append('\'');
                    p++;
                    continue;
                }
                break;
            }
            if (c != '\\' || quote == '\'')
            {
                value.Append(c);
                continue;
            }
            if (p >= text.Length) throw Error(line, column, "this quoted string is not closed");
            var escape = text[p++];
            switch (escape)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case '0': value.Append('\0'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case '"' or '\\' or '/' or ' ': value.Append(escape); break;
                case 'u' or 'x' or 'U':
                    var digits = escape == 'u' ? 4 : escape == 'x' ? 2 : 8;
                    if (p + digits > text.Length || !int.TryParse(text.AsSpan(p, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                        || code > 0x10FFFF)
                        throw Error(p - 2, $"\\{escape} needs {digits} hex digits");
                    value.Append(char.ConvertFromUtf32(code is >= 0xD800 and <= 0xDFFF ? 0xFFFD : code));
                    p += digits;
                    break;
                default: throw Error(p - 2, $"unknown escape \\{escape}");
            }
        }
        return new YamlScalar(value.ToString(), true, line, column);
    }

    /// <summary><c>|</c> keeps line breaks, <c>&gt;</c> folds lines into spaces; <c>-</c> drops the final line break, <c>+</c> keeps every trailing one.</summary>
    YamlScalar BlockScalar(int parent)
    {
        var (line, column) = Where(p);
        var literal = text[p++] == '|';
        var chomp = ' ';
        if (p < text.Length && text[p] is '-' or '+') chomp = text[p++];
        SkipSpaces();
        if (p < text.Length && text[p] != '\n' && text[p] != '#') throw Error(p, "only a comment may follow | or > on its line");
        while (p < text.Length && text[p] != '\n') p++;
        var lines = new List<string>();
        var indent = -1;
        while (p < text.Length)
        {
            var start = p + 1;
            if (start > text.Length) break;
            var end = text.IndexOf('\n', start);
            if (end < 0) end = text.Length;
            var raw = text[start..end];
            var spaces = raw.Length - raw.TrimStart(' ').Length;
            if (raw.Trim().Length == 0)
            {
                lines.Add("");
                p = end;
                continue;
            }
            if (indent < 0) indent = spaces;
            if (spaces < indent || spaces <= parent) break;
            lines.Add(raw[indent..]);
            p = end;
        }
        // Trailing empty lines belong to the chomping, not the content; the cursor goes back to the last content line.
        var trailing = 0;
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
            trailing++;
        }
        string body;
        if (literal) body = string.Join('\n', lines);
        else
        {
            var folded = new StringBuilder();
            for (var i = 0; i < lines.Count; i++)
            {
                if (i > 0) folded.Append(lines[i].Length == 0 || lines[i - 1].Length == 0 ? "\n" : " ");
                folded.Append(lines[i]);
            }
            body = folded.ToString().Replace(" \n", "\n", StringComparison.Ordinal);
        }
        if (lines.Count > 0 && chomp != '-') body += "\n";
        if (chomp == '+') body += new string('\n', trailing);
        return new YamlScalar(body, true, line, column);
    }
}
