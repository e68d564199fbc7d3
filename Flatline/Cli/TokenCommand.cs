namespace Flatline;

/// <summary><c>flatline token create|list|revoke</c>: manage API tokens without a browser.</summary>
public static class TokenCommand
{
    public const string Usage = """
        usage: flatline token create --name NAME [--read-only]
               flatline token list
               flatline token revoke ID
        """;

    public static int Run(IReadOnlyList<string> args, ApiTokenStore tokens, TextWriter stdout, TextWriter stderr)
    {
        switch (args.Count > 0 ? args[0] : null)
        {
            case "create":
                string? name = null;
                var readOnly = false;
                for (var i = 1; i < args.Count; i++)
                {
                    if (args[i] == "--read-only") readOnly = true;
                    else if (args[i] == "--name" && i + 1 < args.Count) name = args[++i];
                    else if (args[i].StartsWith("--name=", StringComparison.Ordinal)) name = args[i][7..];
                    else return Fail(stderr, $"unknown argument '{args[i]}'");
                }
                name = name?.Trim();
                if (string.IsNullOrEmpty(name) || name.Length > 100) return Fail(stderr, "--name is required and must be 1-100 characters");
                var created = tokens.Create(name, readOnly);
                stdout.WriteLine($"Created {(readOnly ? "read-only " : "")}API token \"{created.Name}\" with id {created.Id}.");
                stdout.WriteLine("It is shown only now; use it as 'Authorization: Bearer <token>':");
                stdout.WriteLine(created.Token);
                return 0;
            case "list" when args.Count == 1:
                var list = tokens.List();
                if (list.Count == 0)
                {
                    stdout.WriteLine("No API tokens.");
                    return 0;
                }
                stdout.WriteLine($"{"ID",-36}  {"ACCESS",-10}  {"CREATED",-20}  {"LAST USED",-20}  NAME");
                foreach (var t in list)
                    stdout.WriteLine($"{t.Id,-36}  {(t.ReadOnly ? "read-only" : "read-write"),-10}  {Format(t.CreatedAt),-20}  {(t.LastUsedAt is { } u ? Format(u) : "never"),-20}  {t.Name}");
                return 0;
            case "revoke" when args.Count == 2:
                if (!tokens.Revoke(args[1]))
                {
                    stderr.WriteLine($"error: no API token with id {args[1]}");
                    return 1;
                }
                stdout.WriteLine($"Revoked API token {args[1]}.");
                return 0;
            default:
                return Fail(stderr, "expected 'create', 'list' or 'revoke ID'");
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
