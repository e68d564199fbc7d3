using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Flatline.Tests.Checks;

/// <summary>The matches assertion's own regular expressions: for every pattern they accept, the same
/// answer as .NET's Regex (the reference, in the test only); refusals name the problem; and time
/// that stays linear where a backtracking engine explodes.</summary>
public class PatternTests
{
    static readonly string[] Texts =
    [
        "", "a", "abc", "ABC", "aaa", "aab", "abcabc", "x = 42;", "version 2.4.1", "status: ok\n", "ok\nnext",
        "hello world", "hello_world", "naïve café", "tab\there", "a.b", "[x]", "a-b", "foo123bar", "{\"status\":\"healthy\"}",
        "  spaced  ", "line1\r\nline2", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "2026-12-02T01:00:00Z", "ÄÖÜ äöü",
    ];

    [Test]
    [Arguments("abc")]
    [Arguments("^abc$")]
    [Arguments("a.c")]
    [Arguments("^.*$")]
    [Arguments("a*")]
    [Arguments("a+b")]
    [Arguments("^a?b")]
    [Arguments("a{2}")]
    [Arguments("a{2,}")]
    [Arguments("^a{1,2}b")]
    [Arguments("a{,2}")]
    [Arguments("(ab)+")]
    [Arguments("^(?:ab|a)c")]
    [Arguments("cat|dog|abc")]
    [Arguments("[abc]+$")]
    [Arguments("[^a-z ]")]
    [Arguments("[a-c]{3}")]
    [Arguments("[]x]")]
    [Arguments("[x-]")]
    [Arguments("\\d+")]
    [Arguments("^\\D+$")]
    [Arguments("\\w+\\s\\w+")]
    [Arguments("\\W")]
    [Arguments("\\S+")]
    [Arguments("[\\d.]+")]
    [Arguments("\\bworld\\b")]
    [Arguments("o\\B")]
    [Arguments("\\.")]
    [Arguments("\\[x\\]")]
    [Arguments("\\t")]
    [Arguments("\\x41")]
    [Arguments("\\u00e9")]
    [Arguments("ok$")]
    [Arguments("^line2$")]
    [Arguments("version \\d+\\.\\d+")]
    [Arguments("\"status\":\\s*\"(healthy|ok)\"")]
    [Arguments("(?i)abc")]
    [Arguments("(?i)[a-c]+$")]
    [Arguments("(?i)äöü")]
    [Arguments("a+?b")]
    [Arguments("a*?$")]
    [Arguments("(a|)+b")]
    [Arguments("(a*)*b")]
    [Arguments("^$")]
    [Arguments("(?<year>\\d{4})-")]
    [Arguments("^(a+)+!$")]
    [Arguments("ca.é")]
    [Arguments("x{")]
    public async Task Answers_as_dotnet_regex_does(string pattern)
    {
        var ours = Pattern.Parse(pattern, out var error);
        await Assert.That(error).IsNull();
        var reference = new Regex(pattern, RegexOptions.CultureInvariant);
        foreach (var text in Texts)
            await Assert.That(ours!.IsMatch(text)).IsEqualTo(reference.IsMatch(text)).Because($"/{pattern}/ on \"{text}\"");
    }

    [Test]
    [Arguments("(unclosed", "has a '(' without its ')' (at offset 9)")]
    [Arguments("closed)", "has a ')' without its '(' (at offset 6)")]
    [Arguments("[abc", "has a '[' without its ']' (at offset 0)")]
    [Arguments("[z-a]", "has a range in reverse order [z-a] (at offset 4)")]
    [Arguments("*a", "has '*' with nothing to repeat (at offset 0)")]
    [Arguments("a{3,2}", "has a repetition {n,m} with m below n (at offset 1)")]
    [Arguments("a{5000}", "repeats more than 1000 times (at offset 1)")]
    [Arguments("(a)\\1", "uses a backreference, which is not supported (at offset 3)")]
    [Arguments("a(?=b)", "uses lookaround, which is not supported (at offset 2)")]
    [Arguments("(?<!a)b", "uses lookaround, which is not supported (at offset 1)")]
    [Arguments("\\p{L}", "uses a Unicode category \\p{…}, which is not supported (at offset 0)")]
    [Arguments("\\q", "uses the unknown escape \\q (at offset 0)")]
    [Arguments("a\\", "ends with a lone '\\' (at offset 2)")]
    [Arguments("a++", "uses a possessive quantifier, which is not supported (at offset 2)")]
    [Arguments("^*", "repeats an anchor, which matches no text (at offset 2)")]
    [Arguments("(a{1000}){1000}", "is too large once its repetitions are spelled out (more than 20,000 steps)")]
    public async Task Refuses_what_it_cannot_run_and_says_why(string pattern, string message)
    {
        await Assert.That(Pattern.Parse(pattern, out var error)).IsNull();
        await Assert.That(error).IsEqualTo(message);
    }

    [Test]
    public async Task A_pattern_longer_than_the_limit_is_refused()
    {
        await Assert.That(Pattern.Parse(new string('a', Pattern.MaxLength + 1), out var error)).IsNull();
        await Assert.That(error).IsEqualTo("is longer than 1000 characters");
    }

    [Test]
    public async Task Time_grows_with_the_text_not_exponentially()
    {
        // Nested and alternated repetition on a long non-matching text: hopeless for backtracking.
        var pattern = Pattern.Parse("^(a|a?)+(a*)*(b|aa)+$", out _)!;
        var text = new string('a', 100_000) + "!";
        var clock = Stopwatch.StartNew();
        await Assert.That(pattern.IsMatch(text)).IsFalse();
        await Assert.That(clock.Elapsed).IsLessThan(TimeSpan.FromSeconds(5));
        await Assert.That(pattern.IsMatch(new string('a', 100_000))).IsTrue();
    }
}
