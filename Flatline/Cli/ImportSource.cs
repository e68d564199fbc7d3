using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>The database of another monitor that <c>flatline import</c> reads: the original Flatline's
/// or Uptime Kuma's. A source turns its rows into the bodies Flatline's own API takes, so that
/// the import validates them exactly as the API would, and into plain checks and incidents.</summary>
public interface IImportSource
{
    /// <summary>What the file is, for the report: "the original Flatline's database".</summary>
    string Description { get; }

    /// <summary>Everything but the checks, with what the source itself could not read.</summary>
    ImportPlan Read();

    /// <summary>One monitor's checks, oldest first; an unreadable row comes as a skip reason.</summary>
    IEnumerable<(ImportedCheck? Check, string? Skipped)> Checks(string monitorId);
}

/// <summary>A monitor as a create body of the API (<c>{name, config, interval, timeout, retries, enabled}</c>) with its id and times.</summary>
public sealed record ImportedMonitor(string Id, JsonElement Body, long CreatedAt, long UpdatedAt);

/// <summary>A channel as a create body of the API (<c>{name, config}</c>) with its id and times.</summary>
public sealed record ImportedChannel(string Id, JsonElement Body, long CreatedAt, long UpdatedAt);

public sealed record ImportedLink(string Id, string MonitorId, string ChannelId, bool OnRecovery, long CreatedAt);

public sealed record ImportedIncident(string Id, string MonitorId, long StartedAt, long? ResolvedAt);

/// <summary>A maintenance window as a create body of the API, its monitors by their (imported) ids.</summary>
public sealed record ImportedWindow(string Id, JsonElement Body);

/// <summary>A status page as a create body of the API, its sections' monitors by their (imported) ids.</summary>
public sealed record ImportedPage(string Id, JsonElement Body, long CreatedAt);

/// <summary>An announcement as a create body of the API (<c>{title, severity, updates}</c>) on an imported page.</summary>
public sealed record ImportedAnnouncement(string Id, string PageId, JsonElement Body, long CreatedAt, long UpdatedAt);

public sealed record ImportedCheck(long At, bool Ok, int? StatusCode, long? LatencyUs, string? Error);

/// <summary>The account that becomes Flatline's owner: an OpenID subject.</summary>
public sealed record ImportedOwner(string Id, string Subject, string? Email, string? Name, long CreatedAt);

/// <summary>Something left out, and why.</summary>
public sealed record ImportSkip(string Kind, string Id, string Reason);

public sealed class ImportPlan
{
    public List<ImportedMonitor> Monitors { get; } = [];
    public List<ImportedChannel> Channels { get; } = [];
    public List<ImportedLink> Links { get; } = [];
    public List<ImportedIncident> Incidents { get; } = [];
    public List<ImportedOwner> Users { get; } = [];
    public List<ImportSkip> Skipped { get; } = [];

    /// <summary>Tag colours (#rrggbb) by name, for tags the import creates.</summary>
    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);
    public List<ImportedWindow> Windows { get; } = [];
    public List<ImportedPage> Pages { get; } = [];
    public List<ImportedAnnouncement> Announcements { get; } = [];

    /// <summary>What came across changed, said in the report.</summary>
    public List<string> Notes { get; } = [];
}

/// <summary>A file that is not a database the import can read, said in one line.</summary>
public sealed class ImportSourceException(string message) : Exception(message);

public static class ImportSources
{
    /// <summary>The source the file's tables say it is. Each kind looks at the tables and says "mine"
    /// (a source), "not mine" (null) or "mine, but I cannot read it" (it throws).</summary>
    public static IImportSource Detect(SqliteConnection connection, string path, CheckTypes checkTypes, NotificationChannelTypes channelTypes)
    {
        var tables = new HashSet<string>(StringComparer.Ordinal);
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table'";
            using var rows = list.ExecuteReader();
            while (rows.Read()) tables.Add(rows.GetString(0));
        }
        if (tables.Contains("schema_migrations") && tables.Contains("rollups_hourly"))
            throw new ImportSourceException($"{path} is a database of this Flatline already: use it as DATABASE_URL instead of importing it");
        return OriginalSource.TryOpen(connection, tables, path)
            ?? (IImportSource?)KumaSource.TryOpen(connection, tables, path, checkTypes, channelTypes)
            ?? throw new ImportSourceException($"{path} is an SQLite database but not one of the original Flatline (it lacks the tables {string.Join(", ", OriginalSource.Tables)}) nor of Uptime Kuma 2.x");
    }

    /// <summary>RFC 3339 (or SQLite's "YYYY-MM-DD HH:MM:SS", taken as UTC) to Unix ms; more than seven
    /// digits of a second's fraction (chrono writes nine) are cut to what .NET reads.</summary>
    public static long? ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
            if (end - dot - 1 > 7) text = text[..(dot + 8)] + text[end..];
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time.ToUnixTimeMilliseconds()
            : null;
    }
}
