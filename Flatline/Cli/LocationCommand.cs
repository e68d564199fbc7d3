namespace Flatline;

/// <summary><c>flatline location create|list|delete</c>: agent locations without a browser.</summary>
public static class LocationCommand
{
    public const string Usage = """
        usage: flatline location create NAME
               flatline location list
               flatline location delete ID|NAME
        """;

    public static int Run(IReadOnlyList<string> args, LocationRegistry locations, TextWriter stdout, TextWriter stderr)
    {
        switch (args.Count > 0 ? args[0] : null)
        {
            case "create" when args.Count == 2:
                var name = args[1].Trim();
                if (LocationNames.Problem(name) is { } problem) return Fail(stderr, $"NAME {problem}");
                if (locations.Create(name) is not { } created)
                {
                    stderr.WriteLine($"error: a location named '{name}' exists already");
                    return 1;
                }
                stdout.WriteLine($"Created location \"{created.Name}\" with id {created.Id}.");
                stdout.WriteLine("Its agent token is shown only now; run the agent with 'flatline agent --server URL --token <token>':");
                stdout.WriteLine(created.Token);
                return 0;
            case "list" when args.Count == 1:
                stdout.WriteLine($"{"NAME",-32}  {"STATUS",-8}  {"LAST SEEN",-20}  {"VERSION",-12}  ID");
                foreach (var l in locations.List())
                    stdout.WriteLine($"{l.Name,-32}  {(l.Status == LocationStatus.Online ? "online" : "offline"),-8}  {(l.LastSeenAt is { } s ? Format(s) : "never"),-20}  {l.Version ?? "-",-12}  {l.Id}");
                return 0;
            case "delete" when args.Count == 2:
                switch (locations.Delete(args[1], out var usedBy))
                {
                    case LocationDelete.Deleted:
                        stdout.WriteLine($"Deleted location {args[1]}.");
                        return 0;
                    case LocationDelete.InUse:
                        stderr.WriteLine($"error: {usedBy} monitor(s) are checked from location {args[1]}; remove it from them first");
                        return 1;
                    default:
                        stderr.WriteLine($"error: no location {args[1]}");
                        return 1;
                }
            default:
                return Fail(stderr, "expected 'create NAME', 'list' or 'delete ID|NAME'");
        }
    }

    static string Format(DateTime time) => time.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "Z";

    static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine(Usage);
        return 2;
    }
}
