namespace Flatline;

/// <summary>Field-level validation messages keyed as the API names the fields (<c>config.url</c>).</summary>
public static class FieldErrors
{
    public static void Add(Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
}

/// <summary>The rule monitors and channels share: 1-200 characters after trimming.</summary>
public static class Names
{
    public const int MaxLength = 200;

    /// <summary>Null when <paramref name="trimmed"/> is a good name, else what is wrong with it.</summary>
    public static string? Problem(string? trimmed) =>
        string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxLength ? $"is required and must be 1-{MaxLength} characters" : null;
}
