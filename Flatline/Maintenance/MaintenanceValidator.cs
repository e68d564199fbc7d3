using System.Globalization;
using System.Text.Json;

namespace Flatline;

/// <summary>A validated maintenance window, its targets and channels resolved to keys, ready to store.</summary>
public sealed record MaintenanceDraft(
    string Title, string? Description, MaintenanceSchedule Schedule, List<string> Monitors, List<string> Tags, List<string> NotifyChannels);

/// <summary>What the validator needs to know of the rest of the house: which ids and tags exist.</summary>
public interface IMaintenanceTargets
{
    bool MonitorExists(string id);
    bool TagInUse(string name);
    bool ChannelExists(string id);
}

/// <summary>Targets known up front (a configuration file's plan, an import), for writes that are not committed yet.</summary>
public sealed class MaintenanceTargetSet(HashSet<string> monitors, HashSet<string> tags, HashSet<string> channels) : IMaintenanceTargets
{
    public bool MonitorExists(string id) => monitors.Contains(id);
    public bool TagInUse(string name) => tags.Contains(name);
    public bool ChannelExists(string id) => channels.Contains(id);
}

/// <summary>Checks a window's body by hand and names each bad field (<c>schedule.timezone</c>, …).</summary>
public static class MaintenanceValidator
{
    public const int MaxMinutes = 31 * 24 * 60;
    public const int MaxDescription = 2000;
    static readonly TimeSpan MaxLength = TimeSpan.FromMinutes(MaxMinutes);

    public static MaintenanceDraft? Validate(JsonElement body, MaintenanceDraft? existing, IMaintenanceTargets targets, DateTime now,
        out Dictionary<string, string[]> errors)
    {
        var problems = errors = [];
        if (body.ValueKind != JsonValueKind.Object)
        {
            Add(problems, "body", "must be a JSON object");
            return null;
        }

        var title = existing?.Title;
        if (body.TryGetProperty("title", out var titleElement) || existing is null)
        {
            title = titleElement.ValueKind == JsonValueKind.String ? titleElement.GetString()!.Trim() : null;
            if (Names.Problem(title) is { } problem) Add(problems, "title", problem);
        }

        var description = existing?.Description;
        if (body.TryGetProperty("description", out var descriptionElement))
        {
            if (descriptionElement.ValueKind == JsonValueKind.Null) description = null;
            else if (descriptionElement.ValueKind == JsonValueKind.String && descriptionElement.GetString()!.Trim() is { Length: <= MaxDescription } text)
                description = text.Length == 0 ? null : text;
            else Add(problems, "description", $"must be text of at most {MaxDescription} characters");
        }

        var monitors = Ids(body, "monitors", existing?.Monitors, targets.MonitorExists, "monitor", problems);
        var tags = Ids(body, "tags", existing?.Tags, targets.TagInUse, "tag", problems);
        var channels = Ids(body, "notify_channels", existing?.NotifyChannels, targets.ChannelExists, "notification channel", problems);
        if (monitors is { Count: 0 } && tags is { Count: 0 }) Add(problems, "monitors", "name at least one monitor or tag");

        var schedule = existing?.Schedule;
        if (body.TryGetProperty("schedule", out var scheduleElement)) schedule = Schedule(scheduleElement, now, problems);
        else if (existing is null) Add(problems, "schedule", "is required");

        return problems.Count == 0 ? new MaintenanceDraft(title!, description, schedule!, monitors!, tags!, channels!) : null;
    }

    /// <summary>A list of distinct strings that <paramref name="exists"/> knows; absent keeps <paramref name="existing"/> (or none).</summary>
    static List<string>? Ids(JsonElement body, string field, List<string>? existing, Func<string, bool> exists, string what, Dictionary<string, string[]> problems)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null) return existing ?? [];
        if (element.ValueKind != JsonValueKind.Array)
        {
            Add(problems, field, "must be an array of strings");
            return null;
        }
        var list = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString()!.Trim() is not { Length: > 0 } value)
            {
                Add(problems, field, "must be an array of strings");
                return null;
            }
            if (list.Contains(value)) continue;
            if (!exists(value)) Add(problems, field, $"unknown {what} '{value}'");
            list.Add(value);
        }
        return list;
    }

    static MaintenanceSchedule? Schedule(JsonElement element, DateTime now, Dictionary<string, string[]> problems)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(problems, "schedule", "must be an object with a type: once, weekly, monthly or cron");
            return null;
        }
        var type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var before = problems.Count;
        MaintenanceSchedule? schedule = type switch
        {
            "once" => Once(element, problems),
            "weekly" => Weekly(element, problems),
            "monthly" => Monthly(element, problems),
            "cron" => Cron(element, problems),
            _ => null,
        };
        if (type is not ("once" or "weekly" or "monthly" or "cron"))
        {
            Add(problems, "schedule.type", "must be once, weekly, monthly or cron");
            return null;
        }
        if (schedule is null || problems.Count > before) return null;
        if (Overlap(schedule, now) is { } overlap) Add(problems, "schedule", overlap);
        return schedule;
    }

    static OnceSchedule? Once(JsonElement element, Dictionary<string, string[]> problems)
    {
        var start = Time(element, "start", problems);
        var end = Time(element, "end", problems);
        if (start is not { } s || end is not { } e) return null;
        if (e <= s) Add(problems, "schedule.end", "must be after start");
        else if (e - s > MaxLength) Add(problems, "schedule.end", "must be at most 31 days after start");
        return new OnceSchedule(s, e);
    }

    static WeeklySchedule? Weekly(JsonElement element, Dictionary<string, string[]> problems)
    {
        var days = new List<string>();
        if (!element.TryGetProperty("days", out var daysElement) || daysElement.ValueKind != JsonValueKind.Array || daysElement.GetArrayLength() == 0)
            Add(problems, "schedule.days", "must list at least one of mon, tue, wed, thu, fri, sat, sun");
        else
            foreach (var day in daysElement.EnumerateArray())
            {
                var name = day.ValueKind == JsonValueKind.String ? day.GetString()!.Trim().ToLowerInvariant() : null;
                if (name is null || !LocalDays.DayNames.Contains(name)) Add(problems, "schedule.days", "each day must be one of mon, tue, wed, thu, fri, sat, sun");
                else if (!days.Contains(name)) days.Add(name);
            }
        days.Sort((a, b) => IndexOf(a).CompareTo(IndexOf(b)));
        var (startTime, minutes, zone) = Local(element, problems);
        return startTime is null || zone is null ? null : new WeeklySchedule(days, startTime, minutes, zone);

        static int IndexOf(string day) => LocalDays.DayNames.ToList().IndexOf(day);
    }

    static MonthlySchedule? Monthly(JsonElement element, Dictionary<string, string[]> problems)
    {
        int? dayOfMonth = null;
        var lastDay = element.TryGetProperty("last_day", out var lastElement) && lastElement.ValueKind == JsonValueKind.True;
        if (element.TryGetProperty("last_day", out lastElement) && lastElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            Add(problems, "schedule.last_day", "must be true or false");
        if (element.TryGetProperty("day_of_month", out var dayElement) && dayElement.ValueKind != JsonValueKind.Null)
        {
            if (dayElement.ValueKind == JsonValueKind.Number && dayElement.TryGetInt32(out var day) && day is >= 1 and <= 31) dayOfMonth = day;
            else Add(problems, "schedule.day_of_month", "must be a whole number from 1 to 31");
        }
        if (dayOfMonth is null && !lastDay && !problems.ContainsKey("schedule.day_of_month"))
            Add(problems, "schedule.day_of_month", "give day_of_month (1-31) or last_day: true");
        if (dayOfMonth is not null && lastDay) Add(problems, "schedule.last_day", "give either day_of_month or last_day, not both");
        var (startTime, minutes, zone) = Local(element, problems);
        return startTime is null || zone is null ? null : new MonthlySchedule(dayOfMonth, lastDay ? true : null, startTime, minutes, zone);
    }

    static CronSchedule? Cron(JsonElement element, Dictionary<string, string[]> problems)
    {
        var expression = element.TryGetProperty("expression", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()!.Trim() : null;
        if (string.IsNullOrEmpty(expression) || expression.Length > 200) Add(problems, "schedule.expression", "is required: five cron fields such as \"0 3 * * sun\"");
        else
        {
            try
            {
                Cronos.CronExpression.Parse(expression);
            }
            catch (Cronos.CronFormatException error)
            {
                Add(problems, "schedule.expression", $"is not a five-field cron expression: {error.Message}");
            }
        }
        var minutes = Minutes(element, problems);
        var zone = Zone(element, problems);
        return expression is null || zone is null ? null : new CronSchedule(expression, minutes, zone);
    }

    static (string? StartTime, int Minutes, string? Zone) Local(JsonElement element, Dictionary<string, string[]> problems)
    {
        string? startTime = null;
        if (element.TryGetProperty("start_time", out var s) && s.ValueKind == JsonValueKind.String
            && TimeOnly.TryParseExact(s.GetString(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            startTime = parsed.ToString("HH:mm", CultureInfo.InvariantCulture);
        else Add(problems, "schedule.start_time", "must be a local time HH:MM such as 02:30");
        return (startTime, Minutes(element, problems), Zone(element, problems));
    }

    static int Minutes(JsonElement element, Dictionary<string, string[]> problems)
    {
        if (element.TryGetProperty("duration_minutes", out var m) && m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out var minutes)
            && minutes is >= 1 and <= MaxMinutes) return minutes;
        Add(problems, "schedule.duration_minutes", $"must be a whole number from 1 to {MaxMinutes} (31 days)");
        return 0;
    }

    static string? Zone(JsonElement element, Dictionary<string, string[]> problems)
    {
        var name = element.TryGetProperty("timezone", out var z) && z.ValueKind == JsonValueKind.String ? z.GetString()!.Trim() : null;
        if (IsZone(name)) return name;
        Add(problems, "schedule.timezone", "must be an IANA time zone such as Europe/Berlin or UTC");
        return null;
    }

    /// <summary>An IANA name the system's time zone database knows (no paths, no Windows names).</summary>
    public static bool IsZone(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+')
        && !name.Contains("..", StringComparison.Ordinal) && name[0] != '/'
        && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) && zone.HasIanaId;

    static DateTime? Time(JsonElement element, string field, Dictionary<string, string[]> problems)
    {
        if (element.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
            && value.GetString()!.Contains('T'))
            return Timestamps.FromMs(parsed.ToUnixTimeMilliseconds());
        Add(problems, $"schedule.{field}", "must be an RFC 3339 timestamp such as 2026-01-31T22:00:00Z");
        return null;
    }

    /// <summary>Occurrences of one window must not run into each other (an occurrence longer than the
    /// gap to the next), checked over the next year; nor may a repeating window never happen.</summary>
    static string? Overlap(MaintenanceSchedule schedule, DateTime now)
    {
        if (schedule is OnceSchedule) return null;
        Occurrence? previous = null;
        var count = 0;
        foreach (var occurrence in schedule.Between(now - schedule.Length, now.AddDays(366)))
        {
            if (previous is { } p && occurrence.Start < p.End)
                return $"its occurrences overlap: the one at {p.Start:yyyy-MM-ddTHH:mm}Z lasts past the next at {occurrence.Start:yyyy-MM-ddTHH:mm}Z";
            previous = occurrence;
            if (++count >= 2000) break;
        }
        return count == 0 ? "never happens in the next year" : null;
    }

    static void Add(Dictionary<string, string[]> problems, string field, string message) => FieldErrors.Add(problems, field, message);
}
