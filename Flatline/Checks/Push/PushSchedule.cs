using System.Globalization;

namespace Flatline;

/// <summary>When a push monitor expects its job: a fixed period after the last push, or the next time
/// of its cron expression in its time zone (which is where daylight saving time moves the hour: a
/// 02:30 run on the spring change day comes at 03:00, and on the autumn day once, not twice). A push
/// is late at the expected time plus the grace. Times are Unix milliseconds.</summary>
public sealed class PushSchedule(PushCheckSpec spec, TimeSpan period)
{
    public long GraceMs { get; } = (long)spec.Grace.TotalMilliseconds;

    /// <summary>The first expected run after <paramref name="afterMs"/>; <see cref="long.MaxValue"/> when the cron expression never comes round again.</summary>
    public long NextExpected(long afterMs)
    {
        if (spec.Cron is null) return afterMs + (long)period.TotalMilliseconds;
        var next = spec.Cron.GetNextOccurrence(DateTime.UnixEpoch.AddMilliseconds(afterMs), spec.Zone);
        return next is { } at ? (long)(at - DateTime.UnixEpoch).TotalMilliseconds : long.MaxValue;
    }

    /// <summary>What a missed run's check says: <c>no push within 60 s + 30 s grace</c>, or for a cron
    /// schedule the run's local time: <c>no push for the 03:00 run (Europe/Berlin) + 30 s grace</c>.</summary>
    public string Missed(long expectedMs)
    {
        var grace = $" + {Seconds(spec.Grace)} grace";
        if (spec.Cron is null) return $"no push within {Seconds(period)}{grace}";
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UnixEpoch.AddMilliseconds(expectedMs), spec.Zone);
        return $"no push for the {local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} run ({spec.Zone.Id}){grace}";
    }

    static string Seconds(TimeSpan span) => ((long)span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s";
}
