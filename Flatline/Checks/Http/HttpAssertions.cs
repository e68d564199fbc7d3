using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>One of an http monitor's <c>assertions</c>, as sent: what to read (<c>source</c>, and for
/// <c>header</c> and <c>json</c> a <c>path</c>: a header name, or a simple JSONPath such as
/// <c>$.data.items[0]['id']</c>), how to compare (<c>op</c>) and with what (<c>value</c>, absent for
/// <c>exists</c>).</summary>
public sealed record HttpAssertion(
    string Source,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Path,
    string Op,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Value)
{
    public static readonly string[] Sources = ["status", "header", "body", "json", "response_time"];
    public static readonly string[] Ops = ["eq", "ne", "lt", "gt", "contains", "matches", "exists"];
    public const int MaxAssertions = 50;

    /// <summary>What a person reads: <c>json $.status eq "ok"</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Source);
        if (Path is not null) text.Append(' ').Append(Path);
        text.Append(' ').Append(Op);
        if (Value is { } value) text.Append(' ').Append(value.GetRawText());
        return text.ToString();
    }

    /// <summary>Validates <c>config.assertions</c>, naming bad fields as <c>config.assertions[i].field</c>.</summary>
    public static List<HttpAssertion>? Validate(ConfigReader config)
    {
        if (!config.TryGet("assertions", out var list)) return null;
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxAssertions)
        {
            config.Fail("assertions", $"must be a list of at most {MaxAssertions} assertions");
            return null;
        }
        var assertions = new List<HttpAssertion>();
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var name = $"assertions[{i++}]";
            if (item.ValueKind != JsonValueKind.Object) config.Fail(name, "must be an object with source and op");
            else if (One(new ConfigReader(item, config.Key(name), config.Errors)) is { } assertion) assertions.Add(assertion);
        }
        return assertions;
    }

    static HttpAssertion? One(ConfigReader reader)
    {
        var source = reader.String("source", required: true, maxLength: 20);
        if (source is not null && !Sources.Contains(source)) reader.Fail("source", $"must be one of {string.Join(", ", Sources)}");
        var op = reader.String("op", required: true, maxLength: 20);
        if (op is not null && !Ops.Contains(op)) reader.Fail("op", $"must be one of {string.Join(", ", Ops)}");

        var path = reader.String("path", required: source is "header" or "json", maxLength: 512);
        if (path is not null)
        {
            if (source is "status" or "body" or "response_time") reader.Fail("path", $"is only for header and json, not {source}");
            else if (source == "header" && !HttpCheckType.IsToken(path)) reader.Fail("path", "must be a header name");
            else if (source == "json" && JsonPath.Parse(path) is null)
                reader.Fail("path", "must be a simple JSONPath such as $.data.items[0].id or $['a key']");
        }

        JsonElement? value = reader.TryGet("value", out var v) ? v.Clone() : null;
        if (op is null || !Ops.Contains(op)) return null;
        var valueError = (op, value?.ValueKind) switch
        {
            ("exists", null) => null,
            ("exists", _) => "is not used with exists",
            (_, null) => "is required",
            ("lt" or "gt", JsonValueKind.Number) => null,
            ("lt" or "gt", _) => "must be a number",
            ("contains" or "matches", JsonValueKind.String) => null,
            ("contains" or "matches", _) => "must be a string",
            (_, JsonValueKind.Object or JsonValueKind.Array) => "must be a string, number, boolean or null",
            _ => null,
        };
        if (valueError is not null) reader.Fail("value", valueError);
        else if (op == "matches" && Compile(value!.Value.GetString()!) is { Error: { } regexError }) reader.Fail("value", $"is not a valid regular expression: {regexError}");
        if (op == "exists" && source is "status" or "body" or "response_time") reader.Fail("op", $"exists is only for header and json, not {source}");
        return source is null || !Sources.Contains(source) ? null : new HttpAssertion(source, path, op, value);
    }

    static (Pattern? Pattern, string? Error) Compile(string pattern) => (Pattern.Parse(pattern, out var error), error);

    /// <summary>This assertion ready to run: its path parsed and its regex compiled once.</summary>
    public HttpAssertionCheck ToCheck() => new(this, Source == "json" ? JsonPath.Parse(Path!) : null, Op == "matches" ? Compile(Value!.Value.GetString()!).Pattern : null);
}

/// <summary>What one check's response offers its assertions; the body's JSON is parsed once, when an
/// assertion first asks for it.</summary>
public sealed class HttpResponseFacts(int status, Func<string, string?> header, string? body, double? responseTimeMs) : IDisposable
{
    JsonDocument? json;

    public int Status => status;
    public Func<string, string?> Header => header;
    public string? Body => body;
    public double? ResponseTimeMs => responseTimeMs;

    public void Dispose() => json?.Dispose();

    bool parsed;

    /// <summary>The body as JSON, parsed once for all json assertions; null when it is not JSON.</summary>
    public JsonElement? Json
    {
        get
        {
            if (!parsed)
            {
                parsed = true;
                try
                {
                    json = Body is null ? null : JsonDocument.Parse(Body);
                }
                catch (JsonException)
                {
                }
            }
            return json?.RootElement;
        }
    }
}

/// <summary>A compiled assertion.</summary>
public sealed class HttpAssertionCheck(HttpAssertion assertion, JsonPath? path, Pattern? pattern)
{
    const int MaxShown = 60;

    public HttpAssertion Assertion => assertion;

    /// <summary>Null when it holds; otherwise why not, naming the assertion: <c>json $.status eq "ok" (got "down")</c>.</summary>
    public string? Failure(HttpResponseFacts facts)
    {
        var (text, number, present) = Actual(facts);
        if (assertion.Source == "json" && facts.Json is null) return $"{assertion} (body is not JSON)";
        if (assertion.Op == "exists") return present ? null : $"{assertion} (absent)";
        if (!present) return $"{assertion} (absent)";
        var value = assertion.Value!.Value;
        bool holds;
        switch (assertion.Op)
        {
            case "eq" or "ne":
                var equal = value.ValueKind == JsonValueKind.Number && number is { } n
                    ? n == value.GetDouble()
                    : text == (value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
                holds = equal == (assertion.Op == "eq");
                break;
            case "lt" or "gt":
                if (number is not { } actual) return $"{assertion} (got {Shown(text)}, not a number)";
                holds = assertion.Op == "lt" ? actual < value.GetDouble() : actual > value.GetDouble();
                break;
            case "contains":
                holds = text!.Contains(value.GetString()!, StringComparison.Ordinal);
                break;
            default:
                holds = pattern!.IsMatch(text!);
                break;
        }
        return holds ? null : assertion.Source == "body" && assertion.Op is "contains" or "matches" ? $"{assertion} (not found in the body)" : $"{assertion} (got {Shown(text)})";
    }

    /// <summary>The value the assertion reads, as text and, when it is one, as a number.</summary>
    (string? Text, double? Number, bool Present) Actual(HttpResponseFacts facts)
    {
        switch (assertion.Source)
        {
            case "status":
                return (facts.Status.ToString(CultureInfo.InvariantCulture), facts.Status, true);
            case "response_time":
                return facts.ResponseTimeMs is { } ms ? (ms.ToString("0.###", CultureInfo.InvariantCulture), ms, true) : (null, null, false);
            case "header":
                var header = facts.Header(assertion.Path!);
                return (header, Number(header), header is not null);
            case "body":
                return (facts.Body ?? "", null, true);
            default:
                if (facts.Json is not { } root || path!.Select(root) is not { } found) return (null, null, false);
                return found.ValueKind switch
                {
                    JsonValueKind.String => (found.GetString(), Number(found.GetString()), true),
                    JsonValueKind.Number => (found.GetRawText(), found.GetDouble(), true),
                    _ => (found.GetRawText(), null, true),
                };
        }
    }

    static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;

    static string Shown(string? text) => text is null ? "nothing"
        : "\"" + (text.Length <= MaxShown ? text : text[..MaxShown] + "…") + "\"";
}

/// <summary>A simple JSONPath: <c>$</c> followed by <c>.name</c>, <c>['name']</c> (or double quotes)
/// and <c>[index]</c> steps. No wildcards, filters or recursion: one path selects at most one value.</summary>
public sealed class JsonPath
{
    readonly List<(string? Name, int Index)> steps;

    JsonPath(List<(string? Name, int Index)> steps) => this.steps = steps;

    /// <summary>Null when <paramref name="text"/> is not a simple JSONPath.</summary>
    public static JsonPath? Parse(string text)
    {
        if (text.Length == 0 || text[0] != '$') return null;
        var steps = new List<(string?, int)>();
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '-')) i++;
                if (i == start) return null;
                steps.Add((text[start..i], -1));
            }
            else if (text[i] == '[' && i + 1 < text.Length && text[i + 1] is '\'' or '"')
            {
                var quote = text[i + 1];
                var end = text.IndexOf(quote, i + 2);
                if (end < 0 || end + 1 >= text.Length || text[end + 1] != ']') return null;
                steps.Add((text[(i + 2)..end], -1));
                i = end + 2;
            }
            else if (text[i] == '[')
            {
                var end = text.IndexOf(']', i);
                if (end < 0 || !int.TryParse(text.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return null;
                steps.Add((null, index));
                i = end + 1;
            }
            else return null;
        }
        return new JsonPath(steps);
    }

    /// <summary>The value at this path, or null when there is none.</summary>
    public JsonElement? Select(JsonElement root)
    {
        var current = root;
        foreach (var (name, index) in steps)
        {
            if (name is not null)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current)) return null;
            }
            else if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength()) return null;
            else current = current[index];
        }
        return current;
    }
}
