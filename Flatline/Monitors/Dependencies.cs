namespace Flatline;

/// <summary>The rules for <c>depends_on</c>: every parent exists, and no chain of parents leads back to the child.</summary>
public static class Dependencies
{
    /// <summary>Field errors for <paramref name="parents"/> of <paramref name="child"/> (null: a new monitor), or null when they are fine.</summary>
    public static Dictionary<string, string[]>? Problems(MonitorView? child, List<string> parents, MonitorStore monitors)
    {
        if (parents.Count == 0) return null;
        var names = monitors.List().ToDictionary(m => m.View.Id, m => m.View.Name);
        return Problems(child is null ? null : (child.Id, child.Name), parents, names, child is null ? [] : monitors.Dependencies());
    }

    /// <summary>The same over a graph given whole: every monitor's name by id, and the (child, parent) edges as they stand.</summary>
    public static Dictionary<string, string[]>? Problems((string Id, string Name)? child, List<string> parents,
        IReadOnlyDictionary<string, string> names, IEnumerable<(string Child, string Parent)> edges)
    {
        if (parents.Count == 0) return null;
        var errors = new Dictionary<string, string[]>();
        foreach (var parent in parents)
            if (!names.ContainsKey(parent)) FieldErrors.Add(errors, "depends_on", $"unknown monitor '{parent}'");
        if (errors.Count > 0) return errors;
        if (child is not { } self) return null;
        if (parents.Contains(self.Id))
            return new() { ["depends_on"] = [$"a monitor cannot depend on itself: {self.Name} → {self.Name}"] };

        var graph = edges.Where(e => e.Child != self.Id).ToList();
        graph.AddRange(parents.Select(p => (self.Id, p)));
        var children = graph.ToLookup(e => e.Child, e => e.Parent);
        // A path from a new parent back to the child, found depth-first, is the cycle to name.
        foreach (var parent in parents)
            if (PathTo(parent, self.Id, children, []) is { } path)
                return new() { ["depends_on"] = [$"would make a cycle: {string.Join(" → ", new[] { self.Id }.Concat(path).Select(id => names[id]))}"] };
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
