using System.Text.Json;

namespace Flatline;

/// <summary>A validated monitor, ready to store.</summary>
public sealed record MonitorDraft(string Name, MonitorConfig Config, int Interval, int Timeout, int Retries, bool Enabled,
    List<string>? Tags = null, List<string>? DependsOn = null, List<string>? Locations = null, Quorum? Quorum = null);

/// <summary>Checks a create, replace or patch body by hand and names each bad field, so that a
/// rejected request stores nothing and says exactly what to fix.</summary>
public static class MonitorValidator
{
    public const int DefaultInterval = 60;
    public const int DefaultTimeout = 10;
    public const int DefaultRetries = 0;

    /// <summary>Validates <paramref name="body"/>. With <paramref name="existing"/> (a PATCH), absent
    /// fields keep their values; a present <c>config</c> replaces the old one whole, keeping what the
    /// server made in <paramref name="current"/> (a PUT's or PATCH's monitor config before the change).</summary>
    public static MonitorDraft? Validate(JsonElement body, MonitorDraft? existing, CheckTypes checkTypes, out Dictionary<string, string[]> errors,
        MonitorConfig? current = null)
    {
        var problems = new Dictionary<string, string[]>();
        errors = problems;
        if (body.ValueKind != JsonValueKind.Object)
        {
            problems["body"] = ["must be a JSON object"];
            return null;
        }

        string? name = existing?.Name;
        if (body.TryGetProperty("name", out var nameElement) || existing is null)
        {
            name = nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString()!.Trim() : null;
            if (Names.Problem(name) is { } problem) Add(problems, "name", problem);
        }

        var interval = Integer(body, "interval", existing?.Interval ?? DefaultInterval, 10, 86400, "seconds", problems);
        var timeoutFallback = existing?.Timeout ?? Math.Min(DefaultTimeout, interval - 1);
        var timeout = Integer(body, "timeout", timeoutFallback, 1, 300, "seconds", problems);
        if (!problems.ContainsKey("timeout") && !problems.ContainsKey("interval") && timeout >= interval)
            Add(problems, "timeout", $"must be less than the interval ({interval} s)");
        var retries = Integer(body, "retries", existing?.Retries ?? DefaultRetries, 0, 10, null, problems);

        var enabled = existing?.Enabled ?? true;
        if (body.TryGetProperty("enabled", out var enabledElement))
        {
            if (enabledElement.ValueKind is JsonValueKind.True or JsonValueKind.False) enabled = enabledElement.GetBoolean();
            else Add(problems, "enabled", "must be true or false");
        }

        var config = existing?.Config;
        if (body.TryGetProperty("config", out var configElement)) config = checkTypes.Validate(configElement, problems, current ?? existing?.Config);
        else if (existing is null) Add(problems, "config", "is required");

        var tags = Strings(body, "tags", existing?.Tags, Tags.Problem, problems);
        var dependsOn = Strings(body, "depends_on", existing?.DependsOn, id => id.Length <= 64 ? null : "each item must be a monitor id", problems);

        var locations = Strings(body, "locations", existing?.Locations, LocationProblem, problems);
        if (locations.Count == 0 && !problems.ContainsKey("locations"))
        {
            if (body.TryGetProperty("locations", out var given) && given.ValueKind == JsonValueKind.Array) Add(problems, "locations", "must list at least one location");
            locations = [LocationNames.Local];
        }
        if (locations.Count > MaxLocations) Add(problems, "locations", $"must list at most {MaxLocations} locations");
        var quorum = existing?.Quorum ?? Quorum.Majority;
        if (body.TryGetProperty("quorum", out var quorumElement) && quorumElement.ValueKind != JsonValueKind.Null)
        {
            Quorum? parsed = quorumElement.ValueKind switch
            {
                JsonValueKind.String => Quorum.Parse(quorumElement.GetString()) is { Kind: not QuorumKind.Count } q ? q : null,
                JsonValueKind.Number => quorumElement.TryGetInt32(out var n) && n >= 1 ? new Quorum(QuorumKind.Count, n) : null,
                _ => null,
            };
            if (parsed is null) Add(problems, "quorum", "must be \"any\", \"majority\", \"all\" or a whole number from 1");
            else quorum = parsed.Value;
        }
        if (quorum.Kind == QuorumKind.Count && quorum.Count > locations.Count && !problems.ContainsKey("quorum") && !problems.ContainsKey("locations"))
            Add(problems, "quorum", $"must be at most the number of locations ({locations.Count})");

        return problems.Count == 0 ? new MonitorDraft(name!, config!, interval, timeout, retries, enabled, tags, dependsOn, locations, quorum) : null;
    }

    /// <summary>A list of distinct trimmed strings (absent: <paramref name="fallback"/>, or none).</summary>
    static List<string> Strings(JsonElement body, string field, List<string>? fallback, Func<string, string?> problem, Dictionary<string, string[]> problems)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null) return fallback ?? [];
        var list = new List<string>();
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > 50)
        {
            Add(problems, field, "must be an array of at most 50 strings");
            return list;
        }
        foreach (var item in element.EnumerateArray())
        {
            var value = item.ValueKind == JsonValueKind.String ? item.GetString()!.Trim() : null;
            if (value is null || value.Length == 0) Add(problems, field, "each item must be a non-empty string");
            else if (problem(value) is { } message) Add(problems, field, message);
            else if (!list.Contains(value)) list.Add(value);
        }
        return list;
    }

    public const int MaxLocations = 20;

    static string? LocationProblem(string name) => name == LocationNames.Local || LocationNames.Problem(name) is null ? null : "each item must be a location name";

    static int Integer(JsonElement body, string field, int fallback, int min, int max, string? unit, Dictionary<string, string[]> problems)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null) return fallback;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) && value >= min && value <= max) return value;
        Add(problems, field, $"must be a whole number from {min} to {max}{(unit is null ? "" : " " + unit)}");
        return fallback;
    }

    static void Add(Dictionary<string, string[]> problems, string field, string message) => FieldErrors.Add(problems, field, message);
}
