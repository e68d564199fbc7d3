namespace Flatline;

/// <summary><c>flatline apply FILE [--dry-run] [--prune] [--yes]</c>, <c>flatline export [FILE]</c>, and the
/// same apply for <c>FLATLINE_CONFIG</c> at start. A file with any problem changes nothing: every
/// problem is listed (file:line:column, item, field) and the exit code is 2.</summary>
public static class ConfigCommands
{
    public const string ApplyUsage = "usage: flatline apply FILE [--dry-run] [--prune] [--yes]";
    public const string ExportUsage = "usage: flatline export [FILE]   (standard output without FILE)";

    public static int Apply(IReadOnlyList<string> args, Settings settings, IReadOnlyDictionary<string, string> environment, TextWriter stdout, TextWriter stderr)
    {
        string? file = null;
        bool dryRun = false, prune = false, yes = false;
        foreach (var arg in args)
        {
            switch (arg)
            {
                case "--dry-run": dryRun = true; break;
                case "--prune": prune = true; break;
                case "--yes" or "-y": yes = true; break;
                default:
                    if (arg.StartsWith('-') || file is not null) return Fail(stderr, ApplyUsage);
                    file = arg;
                    break;
            }
        }
        if (file is null) return Fail(stderr, ApplyUsage);

        var exit = 0;
        var problem = Run(file, prune, settings, environment, plan =>
        {
            if (plan.Errors.Count > 0)
            {
                foreach (var error in plan.Errors) stderr.WriteLine($"error: {error}");
                stderr.WriteLine($"{file}: {plan.Errors.Count} problem{(plan.Errors.Count == 1 ? "" : "s")}; nothing was applied.");
                exit = 2;
                return false;
            }
            foreach (var change in plan.Changes) stdout.WriteLine(change);
            foreach (var note in plan.Notes) stdout.WriteLine($"  note: {note}");
            if (plan.Changes.Count == 0)
            {
                stdout.WriteLine($"No changes: the database already matches {file}.");
                return false;
            }
            if (dryRun)
            {
                stdout.WriteLine($"Dry run: nothing was changed ({Count(plan.Changes.Count)} would be applied).");
                return false;
            }
            if (plan.MonitorDeletions > 0 && !yes)
            {
                var n = plan.MonitorDeletions;
                stderr.WriteLine($"error: --prune would delete {n} monitor{(n == 1 ? "" : "s")} with all {(n == 1 ? "its" : "their")} checks and incidents: run again with --yes to confirm; nothing was applied.");
                exit = 2;
                return false;
            }
            stdout.WriteLine($"Applied {Count(plan.Changes.Count)} in one transaction. Restart Flatline if it is running, so that it checks what changed.");
            return true;
        }, plan => AgentTokens(plan, stdout, ""));
        if (problem is null) return exit;
        stderr.WriteLine($"error: {problem}");
        stderr.WriteLine($"{file}: nothing was applied.");
        return 2;
    }

    /// <summary>FLATLINE_CONFIG at start: applies the file without pruning; false (with one line on
    /// <paramref name="stderr"/>) when it has a problem, and then start-up stops.</summary>
    public static bool ApplyAtStart(Settings settings, IReadOnlyDictionary<string, string> environment, TextWriter stdout, TextWriter stderr)
    {
        if (settings.ConfigFile is not { } file) return true;
        var ok = true;
        var problem = Run(file, prune: false, settings, environment, plan =>
        {
            if (plan.Errors.Count > 0)
            {
                var more = plan.Errors.Count > 1 ? $" (and {plan.Errors.Count - 1} more: `flatline apply --dry-run {file}` lists them)" : "";
                stderr.WriteLine($"error: FLATLINE_CONFIG: {plan.Errors[0]}{more}");
                ok = false;
                return false;
            }
            if (plan.Changes.Count == 0)
            {
                stdout.WriteLine($"FLATLINE_CONFIG: {file} is applied already (no changes)");
                return false;
            }
            stdout.WriteLine($"FLATLINE_CONFIG: applying {file}: {Count(plan.Changes.Count)}");
            foreach (var change in plan.Changes) stdout.WriteLine($"  {change}");
            return true;
        }, plan => AgentTokens(plan, stdout, "FLATLINE_CONFIG: "));
        if (problem is not null) stderr.WriteLine($"error: FLATLINE_CONFIG: {problem}");
        return ok && problem is null;
    }

    public static int Export(IReadOnlyList<string> args, Settings settings, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count > 1 || args.Count == 1 && args[0].StartsWith('-')) return Fail(stderr, ExportUsage);
        var database = FlatlineApp.OpenDatabase(settings);
        var export = ConfigExport.Write(database, TimeProvider.System, new NotificationChannelTypes(NotificationChannelTypes.BuiltIn));
        if (args.Count == 0) stdout.Write(export.Text);
        else
        {
            File.WriteAllText(args[0], export.Text);
            stdout.WriteLine($"Wrote {args[0]}.");
        }
        if (export.Variables.Count > 0)
            stderr.WriteLine($"note: secrets were written as placeholders; set {string.Join(", ", export.Variables)} before applying the file.");
        return 0;
    }

    /// <summary>Reads and plans the file, and writes the plan when <paramref name="decide"/> says so;
    /// a problem that stops it before there is a plan (an unreadable file, bad syntax) comes back as its message.</summary>
    static string? Run(string file, bool prune, Settings settings, IReadOnlyDictionary<string, string> environment, Func<ConfigPlan, bool> decide,
        Action<ConfigPlan>? written = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot read {file}: {e.Message}";
        }
        ConfigDocument document;
        try
        {
            document = ConfigDocument.Read(file, text, name => environment.GetValueOrDefault(name));
        }
        catch (ConfigFileException e)
        {
            return e.Message;
        }
        var database = FlatlineApp.OpenDatabase(settings);
        using var checkTypes = CheckTypes.Create(TimeProvider.System);
        var apply = new ConfigApply(database, checkTypes, new NotificationChannelTypes(NotificationChannelTypes.BuiltIn), TimeProvider.System);
        var plan = apply.Plan(document, prune);
        if (decide(plan))
        {
            apply.Write(plan);
            written?.Invoke(plan);
        }
        return null;
    }

    /// <summary>Each new location's agent token, once, as <c>flatline location create</c> prints it: it is stored only hashed.</summary>
    static void AgentTokens(ConfigPlan plan, TextWriter stdout, string prefix)
    {
        foreach (var (location, token) in plan.AgentTokens)
            stdout.WriteLine($"{prefix}location {location}: its agent's token, shown only now: {token} (run: flatline agent --server URL --token TOKEN)");
    }

    static string Count(int changes) => $"{changes} change{(changes == 1 ? "" : "s")}";

    static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        return 2;
    }
}
