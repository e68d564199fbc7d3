namespace Flatline;

/// <summary>Reads a <c>.env</c> file: <c>KEY=VALUE</c> lines, <c>#</c> comments, optional
/// <c>export</c> prefix and single or double quotes.</summary>
public static class DotEnv
{
    public static Dictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                var doubleQuoted = value[0] == '"';
                value = value[1..^1];
                if (doubleQuoted) value = value.Replace("\\n", "\n").Replace("\\\"", "\"");
            }
            else
            {
                // An unquoted value ends at a comment that follows white space.
                var hash = value.IndexOf(" #", StringComparison.Ordinal);
                if (hash >= 0) value = value[..hash].TrimEnd();
            }
            values[key] = value;
        }
        return values;
    }

    /// <summary>The environment Flatline sees: the <c>.env</c> file in <paramref name="directory"/>
    /// overlaid by the real environment, which wins.</summary>
    public static Dictionary<string, string> Load(string directory, System.Collections.IDictionary environment)
    {
        var path = Path.Combine(directory, ".env");
        var merged = File.Exists(path) ? Parse(File.ReadAllText(path)) : new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && entry.Value is string value) merged[key] = value;
        }
        return merged;
    }
}
