using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>When a maintenance window happens: one case per <c>type</c>. Local times are read in the
/// schedule's IANA <c>timezone</c>: a start that a DST change skips moves on by the gap (02:30 on the
/// spring-forward night is 03:30), one it repeats is the first of the two. <c>duration_minutes</c>
/// is elapsed time, so a window across a DST change lasts as long as any other.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(OnceSchedule), "once")]
[JsonDerivedType(typeof(WeeklySchedule), "weekly")]
[JsonDerivedType(typeof(MonthlySchedule), "monthly")]
[JsonDerivedType(typeof(CronSchedule), "cron")]
public abstract record MaintenanceSchedule
{
    /// <summary>The occurrences that start in [from, to), oldest first.</summary>
    public abstract IEnumerable<Occurrence> Between(DateTime fromUtc, DateTime toUtc);

    /// <summary>The longest an occurrence lasts.</summary>
    [JsonIgnore]
    public abstract TimeSpan Length { get; }
}

/// <summary>One occurrence of a window: [start, end).</summary>
public readonly record struct Occurrence(DateTime Start, DateTime End);

/// <summary>Once, from <c>start</c> to <c>end</c> (RFC 3339).</summary>
public sealed record OnceSchedule(DateTime Start, DateTime End) : MaintenanceSchedule
{
    [JsonIgnore]
    public override TimeSpan Length => End - Start;

    public override IEnumerable<Occurrence> Between(DateTime fromUtc, DateTime toUtc)
    {
        if (Start >= fromUtc && Start < toUtc) yield return new Occurrence(Start, End);
    }
}

/// <summary>Every week on <c>days</c> (<c>mon</c> … <c>sun</c>) at <c>start_time</c> (HH:MM).</summary>
public sealed record WeeklySchedule(List<string> Days, string StartTime, int DurationMinutes, string Timezone) : MaintenanceSchedule
{
    [JsonIgnore]
    public override TimeSpan Length => TimeSpan.FromMinutes(DurationMinutes);

    public override IEnumerable<Occurrence> Between(DateTime fromUtc, DateTime toUtc) =>
        LocalDays.Between(Timezone, StartTime, Length, fromUtc, toUtc, date => Days.Contains(LocalDays.DayName(date.DayOfWeek)));
}

/// <summary>Every month on <c>day_of_month</c> (1–31; a month without that day has none) or on its
/// <c>last_day</c>, at <c>start_time</c> (HH:MM).</summary>
public sealed record MonthlySchedule(int? DayOfMonth, bool? LastDay, string StartTime, int DurationMinutes, string Timezone) : MaintenanceSchedule
{
    [JsonIgnore]
    public override TimeSpan Length => TimeSpan.FromMinutes(DurationMinutes);

    public override IEnumerable<Occurrence> Between(DateTime fromUtc, DateTime toUtc) =>
        LocalDays.Between(Timezone, StartTime, Length, fromUtc, toUtc,
            date => LastDay == true ? date.Day == DateTime.DaysInMonth(date.Year, date.Month) : date.Day == DayOfMonth);
}

/// <summary>At every match of the five-field cron <c>expression</c> (minute hour day month weekday), in <c>timezone</c>.</summary>
public sealed record CronSchedule(string Expression, int DurationMinutes, string Timezone) : MaintenanceSchedule
{
    [JsonIgnore]
    public override TimeSpan Length => TimeSpan.FromMinutes(DurationMinutes);

    public override IEnumerable<Occurrence> Between(DateTime fromUtc, DateTime toUtc)
    {
        var cron = Cronos.CronExpression.Parse(Expression);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Timezone);
        foreach (var start in cron.GetOccurrences(fromUtc, toUtc, zone, fromInclusive: true, toInclusive: false))
            yield return new Occurrence(start, start + Length);
    }
}

/// <summary>Walks local calendar days of a time zone and turns a local start time into UTC.</summary>
static class LocalDays
{
    static readonly string[] Names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public static IReadOnlyList<string> DayNames { get; } = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    public static string DayName(DayOfWeek day) => Names[(int)day];

    public static IEnumerable<Occurrence> Between(string timezone, string startTime, TimeSpan length, DateTime fromUtc, DateTime toUtc, Func<DateTime, bool> on)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timezone);
        var time = TimeOnly.ParseExact(startTime, "HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        // A day either side: a local date's start may fall on the UTC day before or after.
        var date = TimeZoneInfo.ConvertTimeFromUtc(fromUtc, zone).Date.AddDays(-1);
        var last = TimeZoneInfo.ConvertTimeFromUtc(toUtc, zone).Date.AddDays(1);
        for (; date <= last; date = date.AddDays(1))
        {
            if (!on(date)) continue;
            var start = ToUtc(date + time.ToTimeSpan(), zone);
            if (start >= fromUtc && start < toUtc) yield return new Occurrence(start, start + length);
        }
    }

    /// <summary>A skipped local time moves on by the gap (it is read with the offset before the change);
    /// a repeated one is the first of the two (the larger offset).</summary>
    public static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
            return DateTime.SpecifyKind(local - zone.GetUtcOffset(local.AddDays(-1)), DateTimeKind.Utc);
        if (zone.IsAmbiguousTime(local))
            return DateTime.SpecifyKind(local - zone.GetAmbiguousTimeOffsets(local).Max(), DateTimeKind.Utc);
        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
