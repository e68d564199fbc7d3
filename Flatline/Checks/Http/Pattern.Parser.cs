using System.Globalization;

namespace Flatline;

/// <summary>The pattern's syntax tree and its parser (recursive descent over the supported syntax; what
/// needs backtracking is refused here, with the reason).</summary>
public sealed partial class Pattern
{
    abstract record Node;
    sealed record Literal(char C) : Node;
    sealed record AnyChar : Node;
    sealed record SetNode(CharSet Set) : Node;
    sealed record Assert(Op Op) : Node;
    sealed record Sequence(List<Node> Items) : Node;
    sealed record Alternation(List<Node> Choices) : Node;
    sealed record Repeat(Node Item, int Min, int Max) : Node; // Max -1: unbounded

    sealed class Parser(string text)
    {
        int at;

        public bool IgnoreCase { get; private set; }

        public Node ParseAll()
        {
            if (text.StartsWith("(?i)", StringComparison.Ordinal))
            {
                IgnoreCase = true;
                at = 4;
            }
            var node = ParseAlternation();
            if (at < text.Length) throw Error(text[at] == ')' ? "has a ')' without its '('" : "could not be read");
            return node;
        }

        FormatException Error(string message) => new($"{message} (at offset {at.ToString(CultureInfo.InvariantCulture)})");

        Node ParseAlternation()
        {
            var choices = new List<Node> { ParseSequence() };
            while (at < text.Length && text[at] == '|')
            {
                at++;
                choices.Add(ParseSequence());
            }
            return choices.Count == 1 ? choices[0] : new Alternation(choices);
        }

        Node ParseSequence()
        {
            var items = new List<Node>();
            while (at < text.Length && text[at] is not ('|' or ')'))
            {
                var atom = ParseAtom();
                items.Add(ParseQuantifier(atom));
            }
            return items.Count == 1 ? items[0] : new Sequence(items);
        }

        Node ParseQuantifier(Node atom)
        {
            while (at < text.Length)
            {
                int min, max;
                var c = text[at];
                if (c == '*') { min = 0; max = -1; at++; }
                else if (c == '+') { min = 1; max = -1; at++; }
                else if (c == '?') { min = 0; max = 1; at++; }
                else if (c == '{' && TryCount(out min, out max)) { }
                else return atom;
                if (atom is Assert) throw Error("repeats an anchor, which matches no text");
                if (at < text.Length && text[at] == '?') at++;        // lazy: the same answer for a match test
                else if (at < text.Length && text[at] == '+') throw Error("uses a possessive quantifier, which is not supported");
                atom = new Repeat(atom, min, max);
            }
            return atom;
        }

        // {n}, {n,}, {n,m}; anything else is a literal '{', as in .NET.
        bool TryCount(out int min, out int max)
        {
            min = max = 0;
            var end = text.IndexOf('}', at);
            if (end < 0) return false;
            var body = text[(at + 1)..end];
            var comma = body.IndexOf(',');
            var first = comma < 0 ? body : body[..comma];
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out min)) return false;
            if (comma < 0) max = min;
            else if (body[(comma + 1)..] is { Length: 0 }) max = -1;
            else if (!int.TryParse(body[(comma + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out max)) return false;
            if (min > MaxRepeat || max > MaxRepeat) throw Error($"repeats more than {MaxRepeat} times");
            if (max >= 0 && max < min) throw Error("has a repetition {n,m} with m below n");
            at = end + 1;
            return true;
        }

        Node ParseAtom()
        {
            var c = text[at];
            switch (c)
            {
                case '(':
                    at++;
                    if (at < text.Length && text[at] == '?')
                    {
                        var rest = text.AsSpan(at);
                        if (rest.StartsWith("?:")) at += 2;
                        else if (rest.StartsWith("?<") && !rest.StartsWith("?<=") && !rest.StartsWith("?<!") || rest.StartsWith("?'"))
                        {
                            var close = text.IndexOf(rest[1] == '<' ? '>' : '\'', at + 2);
                            if (close < 0) throw Error("has an unterminated group name");
                            at = close + 1;
                        }
                        else if (rest.StartsWith("?=") || rest.StartsWith("?!") || rest.StartsWith("?<=") || rest.StartsWith("?<!"))
                            throw Error("uses lookaround, which is not supported");
                        else throw Error("uses a group construct that is not supported");
                    }
                    var inner = ParseAlternation();
                    if (at >= text.Length || text[at] != ')') throw Error("has a '(' without its ')'");
                    at++;
                    return inner;
                case '[':
                    return ParseClass();
                case '.':
                    at++;
                    return new AnyChar();
                case '^':
                    at++;
                    return new Assert(Op.Begin);
                case '$':
                    at++;
                    return new Assert(Op.End);
                case '\\':
                    return ParseEscape(inClass: false) is { } escaped ? escaped : throw Error("ends with a lone '\\'");
                case '*' or '+' or '?':
                    throw Error($"has '{c}' with nothing to repeat");
                default:
                    at++;
                    return new Literal(IgnoreCase ? Fold(c) : c);
            }
        }

        Node ParseClass()
        {
            var start = at;
            at++;
            var set = new CharSet();
            if (at < text.Length && text[at] == '^')
            {
                set.Negated = true;
                at++;
            }
            var first = true;
            while (true)
            {
                if (at >= text.Length)
                {
                    at = start;
                    throw Error("has a '[' without its ']'");
                }
                var c = text[at];
                if (c == ']' && !first)
                {
                    at++;
                    return new SetNode(set);
                }
                first = false;
                char from;
                if (c == '\\')
                {
                    var escaped = ParseEscape(inClass: true);
                    if (escaped is SetNode { Set: var inner })
                    {
                        set.Ranges.AddRange(inner.Ranges);
                        set.Classes.AddRange(inner.Classes);
                        continue;
                    }
                    from = ((Literal)escaped!).C;
                }
                else
                {
                    from = c;
                    at++;
                }
                if (at + 1 < text.Length && text[at] == '-' && text[at + 1] != ']')
                {
                    at++;
                    char to;
                    if (text[at] == '\\')
                    {
                        if (ParseEscape(inClass: true) is not Literal { C: var literal }) throw Error("has a range that ends in a class");
                        to = literal;
                    }
                    else to = text[at++];
                    if (to < from) throw Error($"has a range in reverse order [{from}-{to}]");
                    set.Ranges.Add((from, to));
                }
                else set.Ranges.Add((from, from));
            }
        }

        /// <summary>A backslash escape at <see cref="at"/>: a literal, or a class as a set.</summary>
        Node? ParseEscape(bool inClass)
        {
            at++;
            if (at >= text.Length) return null;
            var c = text[at++];
            switch (c)
            {
                case 'd' or 'w' or 's' or 'D' or 'W' or 'S':
                    var set = new CharSet();
                    set.Classes.Add((char.ToLowerInvariant(c), char.IsUpper(c)));
                    return new SetNode(set);
                case 'b' when !inClass:
                    return new Assert(Op.WordBoundary);
                case 'B' when !inClass:
                    return new Assert(Op.NotWordBoundary);
                case 'A' when !inClass:
                    return new Assert(Op.Begin);
                case 'z' or 'Z' when !inClass:
                    return new Assert(Op.End);
                case 'b':
                    return new Literal('\b');
                case 't': return new Literal('\t');
                case 'n': return new Literal('\n');
                case 'r': return new Literal('\r');
                case 'f': return new Literal('\f');
                case 'v': return new Literal('\v');
                case 'e': return new Literal('\u001b');
                case '0': return new Literal('\0');
                case 'x': return new Literal(Hex(2));
                case 'u': return new Literal(Hex(4));
                case >= '1' and <= '9' or 'k':
                    at -= 2;
                    throw Error("uses a backreference, which is not supported");
                case 'p' or 'P':
                    at -= 2;
                    throw Error("uses a Unicode category \\p{…}, which is not supported");
                default:
                    if (char.IsLetterOrDigit(c))
                    {
                        at -= 2;
                        throw Error($"uses the unknown escape \\{c}");
                    }
                    return new Literal(IgnoreCase && !inClass ? Fold(c) : c);
            }
        }

        char Hex(int digits)
        {
            if (at + digits > text.Length || !int.TryParse(text.AsSpan(at, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
                throw Error($"has an escape that needs {digits} hexadecimal digits");
            at += digits;
            return (char)value;
        }
    }
}
