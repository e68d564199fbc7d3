using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>A tag in use: its colour and how many monitors carry it.</summary>
public sealed record TagView(string Name, string Colour, int Monitors);

public sealed record TagChange(string Colour);

/// <summary>Tags on monitors: names, and a colour per name (chosen from the name until someone sets one).</summary>
public static partial class Tags
{
    public const int MaxLength = 50;
    static readonly string[] Palette = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4d7c0f", "#9333ea", "#475569"];

    [System.Text.RegularExpressions.GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial System.Text.RegularExpressions.Regex ColourPattern();

    public static string? Problem(string name) =>
        name.Length > MaxLength || name.Any(c => char.IsControl(c) || c == ',') ? $"each tag must be 1-{MaxLength} characters, without commas" : null;

    const string ColourRule = "must be a colour #rrggbb such as #2563eb";

    public static string? ColourProblem(string colour) => ColourPattern().IsMatch(colour) ? null : ColourRule;

    /// <summary>Sets a tag's colour inside the caller's transaction, creating the tag when no monitor carries it yet.</summary>
    public static void SetColour(SqliteConnection connection, SqliteTransaction transaction, string name, string colour)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO tags (name, colour) VALUES ($v, $colour) ON CONFLICT (name) DO UPDATE SET colour = excluded.colour";
        command.Parameters.AddWithValue("$v", name);
        command.Parameters.AddWithValue("$colour", colour.ToLowerInvariant());
        command.ExecuteNonQuery();
    }

    /// <summary>Every tag's colour, by name, whether or not a monitor carries it.</summary>
    public static Dictionary<string, string> Colours(Database database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, colour FROM tags";
        using var rows = command.ExecuteReader();
        var colours = new Dictionary<string, string>(StringComparer.Ordinal);
        while (rows.Read()) colours[rows.GetString(0)] = rows.GetString(1);
        return colours;
    }

    /// <summary>The colour a new tag gets: stable per name (FNV-1a).</summary>
    public static string DefaultColour(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name) hash = (hash ^ c) * 16777619u;
        return Palette[hash % (uint)Palette.Length];
    }

    /// <summary>Replaces the monitor's tags and parents inside the caller's transaction.</summary>
    public static void Write(SqliteConnection connection, SqliteTransaction transaction, long monitorKey, MonitorDraft draft)
    {
        Run(connection, transaction, "DELETE FROM monitor_tags WHERE monitor_id = $m", monitorKey, null);
        foreach (var tag in draft.Tags ?? [])
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO tags (name, colour) VALUES ($name, $colour) ON CONFLICT (name) DO NOTHING";
            insert.Parameters.AddWithValue("$name", tag);
            insert.Parameters.AddWithValue("$colour", DefaultColour(tag));
            insert.ExecuteNonQuery();
            Run(connection, transaction, "INSERT OR IGNORE INTO monitor_tags (monitor_id, tag_id) SELECT $m, id FROM tags WHERE name = $v", monitorKey, tag);
        }
        Run(connection, transaction, "DELETE FROM monitor_dependencies WHERE child_id = $m", monitorKey, null);
        foreach (var parent in draft.DependsOn ?? [])
            Run(connection, transaction, "INSERT OR IGNORE INTO monitor_dependencies (child_id, parent_id) SELECT $m, id FROM monitors WHERE uid = $v", monitorKey, parent);
    }

    static void Run(SqliteConnection connection, SqliteTransaction transaction, string sql, long monitorKey, string? value)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$m", monitorKey);
        if (value is not null) command.Parameters.AddWithValue("$v", value);
        command.ExecuteNonQuery();
    }

    public static List<TagView> InUse(Database database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT t.name, t.colour, count(*) FROM tags t JOIN monitor_tags mt ON mt.tag_id = t.id GROUP BY t.id ORDER BY t.name";
        using var rows = command.ExecuteReader();
        var tags = new List<TagView>();
        while (rows.Read()) tags.Add(new TagView(rows.GetString(0), rows.GetString(1), rows.GetInt32(2)));
        return tags;
    }

    public static IEndpointRouteBuilder MapTags(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tags").WithTags("Tags");
        group.MapGet("/", ListTags).WithName("ListTags").WithSummary("The tags monitors carry, with their colours");
        group.MapPatch("/{name}", UpdateTag).WithName("UpdateTag").WithSummary("Set a tag's colour (#rrggbb)");
        return app;
    }

    static Ok<List<TagView>> ListTags(Database database) => TypedResults.Ok(InUse(database));

    static Results<Ok<TagView>, ValidationProblem, ProblemHttpResult> UpdateTag(string name, TagChange body, Database database)
    {
        if (body.Colour is null || ColourProblem(body.Colour) is not null)
            return Problems.Invalid(new Dictionary<string, string[]> { ["colour"] = [ColourRule] });
        using (var connection = database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE tags SET colour = $colour WHERE name = $name AND id IN (SELECT tag_id FROM monitor_tags)";
            command.Parameters.AddWithValue("$colour", body.Colour.ToLowerInvariant());
            command.Parameters.AddWithValue("$name", name);
            if (command.ExecuteNonQuery() == 0) return Problems.NotFound("tag");
        }
        return TypedResults.Ok(InUse(database).Find(t => t.Name == name)!);
    }
}
