using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary><c>flatline import PATH</c>: takes in a database of the original Flatline or of Uptime Kuma 2.x, in one
/// transaction and idempotently, and says what it took and what it left out. A file it cannot read
/// stops it with one line and exit code 2 before anything is written.</summary>
public static class ImportCommand
{
    public const string Usage = "usage: flatline import PATH   (a database of the original Flatline, or Uptime Kuma 2.x's kuma.db)";

    public static int Run(IReadOnlyList<string> args, Settings settings, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count != 1 || args[0].StartsWith('-'))
        {
            stderr.WriteLine($"error: {Usage}");
            return 2;
        }
        var path = Path.GetFullPath(args[0]);
        if (!File.Exists(path)) return Fail(stderr, $"{path} does not exist");
        // SQLite takes an empty file for an empty database.
        if (new FileInfo(path).Length == 0) return Fail(stderr, $"{path} is empty, not a database of the original Flatline");
        if (path == Path.GetFullPath(settings.DatabasePath)) return Fail(stderr, $"{path} is this Flatline's own database (DATABASE_URL)");

        Database.EnsureProvider();
        // Read-only and unpooled: the file is never written, and is let go of when the import ends.
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        IImportSource source;
        ImportPlan plan;
        using var checkTypes = CheckTypes.Create(TimeProvider.System);
        var channelTypes = new NotificationChannelTypes(NotificationChannelTypes.BuiltIn);
        try
        {
            connection.Open();
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA quick_check";
                if (check.ExecuteScalar() is not "ok") return Fail(stderr, $"{path} is a damaged SQLite database (quick_check failed)");
            }
            source = ImportSources.Detect(connection, path, checkTypes, channelTypes);
            plan = source.Read();
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 26 or 11)
        {
            return Fail(stderr, e.SqliteErrorCode == 26 ? $"{path} is not an SQLite database" : $"{path} is a damaged SQLite database");
        }
        catch (SqliteException e)
        {
            return Fail(stderr, $"cannot read {path}: {e.Message}");
        }
        catch (ImportSourceException e)
        {
            return Fail(stderr, e.Message);
        }

        ImportReport report;
        try
        {
            var database = FlatlineApp.OpenDatabase(settings);
            report = new Importer(database, checkTypes, channelTypes, settings.OAuth, TimeProvider.System)
                .Run(source, plan);
        }
        catch (SqliteException e)
        {
            // The transaction rolled back: nothing was written.
            return Fail(stderr, $"import of {path} failed, nothing was imported: {e.Message}");
        }
        report.Print(stdout, path, source.Description);
        return 0;
    }

    static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        return 2;
    }
}

/// <summary>What an import took, found here already and left out, kind by kind.</summary>
public sealed class ImportReport
{
    /// <param name="fromSource">What the source could not read, counted with its kind.</param>
    public ImportReport(IEnumerable<ImportSkip> fromSource)
    {
        foreach (var skip in fromSource)
            Skip(skip.Kind switch
            {
                "monitor" => Monitors, "notification channel" => Channels, "link" => Links, "incident" => Incidents,
                "tag" => Tags, "maintenance window" => Windows, "status page" => StatusPages, "announcement" => Announcements, _ => Owner,
            }, skip.Kind, skip.Id, skip.Reason);
    }

    /// <summary>What came across changed (a Kuma tag's value, a window's date range), one line each.</summary>
    public List<string> Notes { get; } = [];

    public sealed class Tally
    {
        public long Imported, AlreadyHere, Skipped;
    }

    public Tally Monitors { get; } = new();
    public Tally Channels { get; } = new();
    public Tally Links { get; } = new();
    public Tally Checks { get; } = new();
    public Tally Incidents { get; } = new();
    public Tally Owner { get; } = new();
    public Tally Tags { get; } = new();
    public Tally Windows { get; } = new();
    public Tally StatusPages { get; } = new();
    public Tally Announcements { get; } = new();

    /// <summary>Each item left out, with why; checks are counted by reason instead.</summary>
    public List<ImportSkip> Skipped { get; } = [];
    public Dictionary<string, long> SkippedChecks { get; } = new(StringComparer.Ordinal);

    IEnumerable<(string Name, Tally Tally)> Tallies =>
        [("monitors", Monitors), ("notification channels", Channels), ("links", Links), ("checks", Checks), ("incidents", Incidents), ("owner", Owner),
            ("tags", Tags), ("maintenance windows", Windows), ("status pages", StatusPages), ("announcements", Announcements)];

    public bool Changed => Tallies.Any(t => t.Tally.Imported > 0);

    public void Skip(Tally tally, string kind, string id, string reason)
    {
        tally.Skipped++;
        Skipped.Add(new ImportSkip(kind, id, reason));
    }

    public void SkipCheck(string reason)
    {
        Checks.Skipped++;
        SkippedChecks[reason] = SkippedChecks.GetValueOrDefault(reason) + 1;
    }

    /// <summary>"interval must be …; config.url must be …": each bad field with its first message.</summary>
    public static string Describe(Dictionary<string, string[]> errors)
    {
        var fields = new List<string>(errors.Count);
        foreach (var (field, messages) in errors) fields.Add($"{field} {messages[0]}");
        return string.Join("; ", fields);
    }

    public void Print(TextWriter output, string path, string description)
    {
        output.WriteLine($"Import of {path} ({description}):");
        foreach (var (name, tally) in Tallies)
            output.WriteLine($"  {name,-22} {tally.Imported,8} imported {tally.AlreadyHere,8} already here {tally.Skipped,6} skipped");
        foreach (var skip in Skipped) output.WriteLine($"  skipped {skip.Kind} {skip.Id}: {skip.Reason}");
        foreach (var (reason, count) in SkippedChecks) output.WriteLine($"  skipped {count} check{(count == 1 ? "" : "s")}: {reason}");
        foreach (var note in Notes) output.WriteLine($"  note: {note}");
        output.WriteLine(Changed
            ? "Imported in one transaction. Restart Flatline if it is running, so that it checks the imported monitors."
            : "Nothing imported: everything this file holds is here already or was left out (see above); nothing changed.");
    }
}
