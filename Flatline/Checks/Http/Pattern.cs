using System.Globalization;

namespace Flatline;

/// <summary>The regular expressions of the <c>matches</c> assertion: the common syntax (literals,
/// <c>.</c>, classes <c>[a-z]</c> <c>[^…]</c>, <c>\d \w \s</c> and their negations, <c>^ $ \b</c>,
/// groups, <c>|</c>, <c>* + ? {n,m}</c> greedy or lazy, <c>(?i)</c>) run as a Thompson automaton (a
/// Pike VM): time grows with the text's length times the pattern's, never exponentially, so no
/// pattern can hang a check. Backreferences and lookaround, which need backtracking, are refused at
/// validation.</summary>
/// <remarks>Written here rather than using System.Text.RegularExpressions: its pattern parser and
/// interpreter cost some 600 KB of the executable, and its backtracking needs a timeout. Semantics
/// follow .NET's for what is supported: <c>.</c> matches anything but <c>\n</c>, <c>$</c> matches at
/// the end or before a final <c>\n</c>, <c>\d \w \s</c> are Unicode-aware.</remarks>
public sealed class Pattern
{
    public const int MaxLength = 1000;
    public const int MaxProgram = 20_000;
    const int MaxRepeat = 1000;

    enum Op : byte { Char, Any, Set, Split, Jump, Begin, End, WordBoundary, NotWordBoundary, Match }

    readonly record struct Step(Op Op, char C = '\0', int X = 0, int Y = 0, CharSet? Set = null);

    readonly Step[] program;
    readonly bool ignoreCase;

    Pattern(Step[] program, bool ignoreCase)
    {
        this.program = program;
        this.ignoreCase = ignoreCase;
    }

    /// <summary>The pattern, or null with the reason and where it lies.</summary>
    public static Pattern? Parse(string pattern, out string? error)
    {
        if (pattern.Length > MaxLength)
        {
            error = $"is longer than {MaxLength} characters";
            return null;
        }
        try
        {
            var parser = new Parser(pattern);
            var node = parser.ParseAll();
            var compiler = new Compiler();
            compiler.Emit(node);
            compiler.Add(new Step(Op.Match));
            error = null;
            return new Pattern([.. compiler.Steps], parser.IgnoreCase);
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>Whether the pattern matches anywhere in <paramref name="text"/>.</summary>
    public bool IsMatch(string text)
    {
        var current = new Threads(program.Length);
        var next = new Threads(program.Length);
        var stack = new Stack<int>();
        for (var i = 0; ; i++)
        {
            // A new attempt starts at every position: the search is unanchored.
            if (Follow(0, i, text, current, stack)) return true;
            if (i == text.Length) return false;
            var c = text[i];
            next.Clear();
            for (var t = 0; t < current.Count; t++)
            {
                var pc = current[t];
                var step = program[pc];
                var takes = step.Op switch
                {
                    Op.Char => ignoreCase ? Fold(c) == step.C : c == step.C,
                    Op.Any => c != '\n',
                    Op.Set => step.Set!.Contains(c) || ignoreCase && (step.Set.Contains(char.ToLowerInvariant(c)) || step.Set.Contains(char.ToUpperInvariant(c))),
                    _ => false,
                };
                if (takes && Follow(pc + 1, i + 1, text, next, stack)) return true;
            }
            (current, next) = (next, current);
        }
    }

    static char Fold(char c) => char.ToLowerInvariant(c);

    /// <summary>Adds the thread at <paramref name="start"/> and every one it reaches without reading a
    /// character at position <paramref name="at"/>; true when one of them is the match.</summary>
    bool Follow(int start, int at, string text, Threads threads, Stack<int> stack)
    {
        stack.Push(start);
        while (stack.Count > 0)
        {
            var pc = stack.Pop();
            if (!threads.Add(pc)) continue;
            var step = program[pc];
            switch (step.Op)
            {
                case Op.Match:
                    stack.Clear();
                    return true;
                case Op.Jump:
                    stack.Push(step.X);
                    break;
                case Op.Split:
                    stack.Push(step.Y);
                    stack.Push(step.X);
                    break;
                case Op.Begin:
                    if (at == 0) stack.Push(pc + 1);
                    break;
                case Op.End:
                    if (at == text.Length || at == text.Length - 1 && text[at] == '\n') stack.Push(pc + 1);
                    break;
                case Op.WordBoundary or Op.NotWordBoundary:
                    var before = at > 0 && IsWord(text[at - 1]);
                    var after = at < text.Length && IsWord(text[at]);
                    if ((before != after) == (step.Op == Op.WordBoundary)) stack.Push(pc + 1);
                    break;
            }
        }
        return false;
    }

    static bool IsWord(char c) => char.IsLetterOrDigit(c) || c == '_' || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.NonSpacingMark;

    /// <summary>A sparse set of program counters, in the order they were added.</summary>
    sealed class Threads(int size)
    {
        readonly int[] dense = new int[size], sparse = new int[size];

        public int Count { get; private set; }

        public int this[int i] => dense[i];

        public bool Add(int pc)
        {
            var slot = sparse[pc];
            if (slot < Count && dense[slot] == pc) return false;
            sparse[pc] = Count;
            dense[Count++] = pc;
            return true;
        }

        public void Clear() => Count = 0;
    }

    /// <summary>Ranges of characters plus the Unicode classes, possibly negated.</summary>
    sealed class CharSet
    {
        public readonly List<(char From, char To)> Ranges = [];
        public readonly List<(char Class, bool Negated)> Classes = [];
        public bool Negated;

        public bool Contains(char c)
        {
            var found = false;
            foreach (var (from, to) in Ranges)
                if (c >= from && c <= to) { found = true; break; }
            if (!found)
                foreach (var (cls, negated) in Classes)
                    if (InClass(cls, c) != negated) { found = true; break; }
            return found != Negated;
        }

        public static bool InClass(char cls, char c) => cls switch
        {
            'd' => char.IsDigit(c),
            'w' => IsWord(c),
            _ => char.IsWhiteSpace(c),
        };
    }

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

    sealed class Compiler
    {
        public readonly List<Step> Steps = [];

        public int Add(Step step)
        {
            if (Steps.Count >= MaxProgram)
                throw new FormatException($"is too large once its repetitions are spelled out (more than {MaxProgram:N0} steps)");
            Steps.Add(step);
            return Steps.Count - 1;
        }

        void Patch(int at, Step step) => Steps[at] = step;

        public void Emit(Node node)
        {
            switch (node)
            {
                case Literal literal:
                    Add(new Step(Op.Char, literal.C));
                    break;
                case AnyChar:
                    Add(new Step(Op.Any));
                    break;
                case SetNode set:
                    Add(new Step(Op.Set, Set: set.Set));
                    break;
                case Assert assert:
                    Add(new Step(assert.Op));
                    break;
                case Sequence sequence:
                    foreach (var item in sequence.Items) Emit(item);
                    break;
                case Alternation alternation:
                {
                    // split L1, next; L1: choice; jump end; next: split ... ; last choice
                    var jumps = new List<int>();
                    for (var i = 0; i < alternation.Choices.Count; i++)
                    {
                        if (i == alternation.Choices.Count - 1)
                        {
                            Emit(alternation.Choices[i]);
                            break;
                        }
                        var split = Add(new Step(Op.Split));
                        Emit(alternation.Choices[i]);
                        jumps.Add(Add(new Step(Op.Jump)));
                        Patch(split, new Step(Op.Split, X: split + 1, Y: Steps.Count));
                    }
                    foreach (var jump in jumps) Patch(jump, new Step(Op.Jump, X: Steps.Count));
                    break;
                }
                case Repeat repeat:
                    for (var i = 0; i < repeat.Min; i++) Emit(repeat.Item);
                    if (repeat.Max < 0)
                    {
                        // loop: split body, end; body; jump loop
                        var loop = Add(new Step(Op.Split));
                        Emit(repeat.Item);
                        Add(new Step(Op.Jump, X: loop));
                        Patch(loop, new Step(Op.Split, X: loop + 1, Y: Steps.Count));
                    }
                    else
                    {
                        var splits = new List<int>();
                        for (var i = repeat.Min; i < repeat.Max; i++)
                        {
                            splits.Add(Add(new Step(Op.Split)));
                            Emit(repeat.Item);
                        }
                        foreach (var split in splits) Patch(split, new Step(Op.Split, X: split + 1, Y: Steps.Count));
                    }
                    break;
            }
        }
    }
}
