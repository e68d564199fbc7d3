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
public sealed partial class Pattern
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
