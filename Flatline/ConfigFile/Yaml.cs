using System.Globalization;
using System.Text;

namespace Flatline;

/// <summary>A node of a configuration file, with where it starts (1-based line and column).</summary>
public abstract record YamlNode(int Line, int Column);

/// <summary>A scalar as written: <see cref="Quoted"/> (or a block scalar) is always a string; a plain
/// one is read as null, a boolean, a number or a string, as YAML 1.2's core schema reads it.</summary>
public sealed record YamlScalar(string Text, bool Quoted, int Line, int Column) : YamlNode(Line, Column)
{
    public bool IsNull => !Quoted && Text is "" or "~" or "null" or "Null" or "NULL";
}

public sealed record YamlMap(List<KeyValuePair<YamlScalar, YamlNode>> Entries, int Line, int Column) : YamlNode(Line, Column)
{
    public YamlNode? this[string key] => Entries.FirstOrDefault(e => e.Key.Text == key).Value;
}

public sealed record YamlList(List<YamlNode> Items, int Line, int Column) : YamlNode(Line, Column);

/// <summary>A problem in a configuration file, at a place in it when there is one.</summary>
public sealed class ConfigFileException(string message) : Exception(message)
{
    public static ConfigFileException At(string file, int line, int column, string message) => new($"{file}:{line}:{column}: {message}");
}

/// <summary>Reads the subset of YAML a configuration file needs, and so JSON too: block mappings and
/// sequences, flow <c>{…}</c> and <c>[…]</c> (across lines), plain, single- and double-quoted scalars,
/// <c>|</c> and <c>&gt;</c> block scalars, comments and a leading <c>---</c>. Anchors, aliases, tags and
/// multi-document streams are refused by name. A duplicate key is an error, as it is in JSON Schema's
/// and YAML 1.2's reading, since the file would otherwise say two things at once.</summary>
public sealed partial class YamlParser
{
    readonly string text;
    readonly string file;
    readonly List<int> lineStarts = [0];
    int p;

    YamlParser(string text, string file)
    {
        this.text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        this.file = file;
        for (var i = 0; i < this.text.Length; i++)
            if (this.text[i] == '\n') lineStarts.Add(i + 1);
    }

    /// <summary>The file's root node (null for an empty file).</summary>
    public static YamlNode? Parse(string text, string file)
    {
        var parser = new YamlParser(text, file);
        if (parser.text.Length > 0 && parser.text[0] == '\uFEFF') parser.p = 1;
        return parser.Document();
    }

    YamlNode? Document()
    {
        SkipBlank();
        if (AtLineStart() && Starts("---") && (p + 3 >= text.Length || text[p + 3] is ' ' or '\n' or '#'))
        {
            p += 3;
            SkipBlank();
        }
        if (p >= text.Length) return null;
        var root = Block(-1, allowSameIndent: false)!;
        SkipBlank();
        if (p < text.Length)
        {
            if (Starts("---") || Starts("...")) throw Error(p, "one document per file: remove this '---' or '...'");
            throw Error(p, Column(p) > 1 ? "unexpected indentation" : "unexpected content after the document");
        }
        return root;
    }

    /// <summary>The block node that starts at the next content, indented more than <paramref name="parent"/>
    /// (or as much, for a sequence under a mapping key); null when there is none.</summary>
    YamlNode? Block(int parent, bool allowSameIndent)
    {
        SkipBlank();
        if (p >= text.Length) return null;
        var indent = Column(p) - 1;
        var isSequence = IsSequenceEntry(p);
        if (indent < parent || (indent == parent && !(allowSameIndent && isSequence))) return null;
        return Node(indent, parent);
    }

    /// <summary>A node that starts at <c>p</c>, at indentation <paramref name="indent"/>.</summary>
    YamlNode Node(int indent, int parent)
    {
        Refuse();
        if (IsSequenceEntry(p)) return Sequence(indent);
        if (KeyEnd(p) is not null) return Mapping(indent);
        if (text[p] is '|' or '>') return BlockScalar(parent);
        var node = Inline();
        EndOfLine();
        return node;
    }

    YamlList Sequence(int indent)
    {
        var (line, column) = Where(p);
        var items = new List<YamlNode>();
        while (true)
        {
            var dash = p;
            p++; // the dash
            SkipSpaces();
            YamlNode item;
            if (p >= text.Length || text[p] is '\n' or '#')
                item = Block(indent, allowSameIndent: false) ?? Null(dash);
            else item = Node(Column(p) - 1, indent);
            items.Add(item);
            SkipBlank();
            if (p >= text.Length) break;
            var next = Column(p) - 1;
            if (next > indent) throw Error(p, "unexpected indentation");
            if (next < indent || !IsSequenceEntry(p)) break;
        }
        return new YamlList(items, line, column);
    }

    YamlMap Mapping(int indent)
    {
        var (line, column) = Where(p);
        var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
        while (true)
        {
            Refuse();
            var key = Key();
            if (entries.Any(e => e.Key.Text == key.Text)) throw Error(key.Line, key.Column, $"duplicate key '{key.Text}'");
            p++; // the colon
            SkipSpaces();
            YamlNode value;
            if (p >= text.Length || text[p] is '\n' or '#')
                value = Block(indent, allowSameIndent: true) ?? Null(p);
            else if (text[p] is '|' or '>') value = BlockScalar(indent);
            else
            {
                if (IsSequenceEntry(p)) throw Error(p, "a sequence cannot start on its key's line: put '- ' items on the lines below");
                if (KeyEnd(p) is not null && text[p] is not ('"' or '\'' or '[' or '{'))
                    throw Error(p, "a mapping cannot start on its key's line: put it on the lines below, or write {key: value}");
                value = Inline();
                EndOfLine();
            }
            entries.Add(KeyValuePair.Create(key, value));
            SkipBlank();
            if (p >= text.Length) break;
            var next = Column(p) - 1;
            if (next > indent) throw Error(p, "unexpected indentation (a value over several lines must be quoted, or a | or > block)");
            if (next < indent) break;
            if (IsSequenceEntry(p)) break;
            if (KeyEnd(p) is null) throw Error(p, "expected 'key: value'");
        }
        return new YamlMap(entries, line, column);
    }

    /// <summary>A block mapping's key, up to (not past) its colon.</summary>
    YamlScalar Key()
    {
        var (line, column) = Where(p);
        if (text[p] is '"' or '\'')
        {
            var quoted = Quoted();
            SkipSpaces();
            if (p >= text.Length || text[p] != ':') throw Error(p, "expected ':' after the key");
            return quoted;
        }
        var end = KeyEnd(p)!.Value;
        var key = text[p..end].TrimEnd();
        p = end;
        return new YamlScalar(key, false, line, column);
    }

    /// <summary>Where the colon of a plain or quoted block key on this line is, or null when the line is not <c>key: …</c>.</summary>
    int? KeyEnd(int at)
    {
        if (at >= text.Length || text[at] is '-' && IsSequenceEntry(at) || text[at] is '[' or '{' or '#' or '|' or '>') return null;
        var i = at;
        if (text[i] is '"' or '\'')
        {
            var quote = text[i++];
            while (i < text.Length && text[i] != '\n')
            {
                if (text[i] == '\\' && quote == '"') i += 2;
                else if (text[i] == quote)
                {
                    if (quote == '\'' && i + 1 < text.Length && text[i + 1] == '\'') i += 2;
                    else break;
                }
                else i++;
            }
            i++;
            while (i < text.Length && text[i] == ' ') i++;
            return i < text.Length && text[i] == ':' && (i + 1 >= text.Length || text[i + 1] is ' ' or '\n') ? i : null;
        }
        for (; i < text.Length && text[i] != '\n'; i++)
        {
            if (text[i] == '#' && i > at && text[i - 1] == ' ') return null;
            if (text[i] == ':' && (i + 1 >= text.Length || text[i + 1] is ' ' or '\n')) return i;
        }
        return null;
    }

    bool IsSequenceEntry(int at) => at < text.Length && text[at] == '-' && (at + 1 >= text.Length || text[at + 1] is ' ' or '\n');

    void Refuse()
    {
        if (p >= text.Length) return;
        var what = text[p] switch
        {
            '&' => "anchors (&)",
            '*' => "aliases (*)",
            '!' => "tags (!)",
            '?' => "complex keys (?)",
            '%' => "directives (%)",
            '@' or '`' => "values starting with @ or ` (quote them)",
            _ => null,
        };
        if (what is not null) throw Error(p, $"{what} are not supported in Flatline's configuration files");
    }

    void EndOfLine()
    {
        SkipSpaces();
        if (p < text.Length && text[p] is not ('\n' or '#')) throw Error(p, $"unexpected '{text[p]}' after the value");
    }

    YamlScalar Null(int at)
    {
        var (line, column) = Where(Math.Min(at, Math.Max(0, text.Length - 1)));
        return new YamlScalar("", false, line, column);
    }

    void SkipSpaces()
    {
        while (p < text.Length && text[p] == ' ') p++;
        if (p < text.Length && text[p] == '\t') throw Error(p, "tabs are not allowed here: indent with spaces");
    }

    /// <summary>Past spaces, comments and line breaks; a tab in indentation is an error.</summary>
    void SkipBlank()
    {
        while (p < text.Length)
        {
            var c = text[p];
            if (c is ' ' or '\n') p++;
            else if (c == '\t')
            {
                if (IndentationBefore(p) && ContentAfter(p)) throw Error(p, "tabs are not allowed in indentation: indent with spaces");
                p++;
            }
            else if (c == '#' && (p == 0 || text[p - 1] is ' ' or '\n' or '\t'))
                while (p < text.Length && text[p] != '\n') p++;
            else break;
        }
    }

    bool IndentationBefore(int at)
    {
        for (var i = lineStarts[LineIndex(at)]; i < at; i++)
            if (text[i] is not (' ' or '\t')) return false;
        return true;
    }

    bool ContentAfter(int at)
    {
        for (var i = at; i < text.Length && text[i] != '\n'; i++)
            if (text[i] is not (' ' or '\t')) return text[i] != '#';
        return false;
    }

    void SkipFlowSpace()
    {
        while (p < text.Length)
        {
            if (text[p] is ' ' or '\n' or '\t') p++;
            else if (text[p] == '#' && (text[p - 1] is ' ' or '\n' or '\t'))
                while (p < text.Length && text[p] != '\n') p++;
            else break;
        }
    }

    bool Starts(string s) => string.CompareOrdinal(text, p, s, 0, s.Length) == 0;

    bool AtLineStart() => p == 0 || text[p - 1] == '\n' || (p == 1 && text[0] == '\uFEFF');

    int LineIndex(int at)
    {
        var index = lineStarts.BinarySearch(at);
        return index >= 0 ? index : ~index - 1;
    }

    int Column(int at) => at - lineStarts[LineIndex(at)] + 1;

    (int Line, int Column) Where(int at) => (LineIndex(at) + 1, Column(at));

    ConfigFileException Error(int at, string message)
    {
        var (line, column) = Where(Math.Min(at, text.Length));
        return Error(line, column, message);
    }

    ConfigFileException Error(int line, int column, string message) => ConfigFileException.At(file, line, column, message);
}
