namespace Flatline;

/// <summary>The rules for <c>depends_on</c>: every parent exists, and no chain of parents leads back to the child.</summary>
public static class Dependencies
{
    /// <summary>Field errors for <paramref name="parents"/> of <paramref name="child"/> (null: a new monitor), or null when they are fine.</summary>
    public static Dictionary<string, string[]>? Problems(MonitorView? child, List<string> parents, MonitorStore monitors)
    {
        if (parents.Count == 0) return null;
        var errors = new Dictionary<string, string[]>();
        var names = monitors.List().ToDictionary(m => m.View.Id, m => m.View.Name);
        foreach (var parent in parents)
            if (!names.ContainsKey(parent)) FieldErrors.Add(errors, "depends_on", $"unknown monitor '{parent}'");
        if (errors.Count > 0) return errors;
        if (child is null) return null;
        if (parents.Contains(child.Id))
            return new() { ["depends_on"] = [$"a monitor cannot depend on itself: {child.Name} → {child.Name}"] };

        var edges = monitors.Dependencies().Where(e => e.Child != child.Id).ToList();
        edges.AddRange(parents.Select(p => (child.Id, p)));
        var children = edges.ToLookup(e => e.Child, e => e.Parent);
        // A path from a new parent back to the child, found depth-first, is the cycle to name.
        foreach (var parent in parents)
            if (PathTo(parent, child.Id, children, []) is { } path)
                return new() { ["depends_on"] = [$"would make a cycle: {string.Join(" → ", new[] { child.Id }.Concat(path).Select(id => names[id]))}"] };
        return null;
    }

    static List<string>? PathTo(string from, string to, ILookup<string, string> parentsOf, HashSet<string> seen)
    {
        if (from == to) return [to];
        if (!seen.Add(from)) return null;
        foreach (var next in parentsOf[from])
            if (PathTo(next, to, parentsOf, seen) is { } rest) return [from, .. rest];
        return null;
    }
}
