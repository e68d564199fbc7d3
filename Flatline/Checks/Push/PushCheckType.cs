using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Cronos;

namespace Flatline;

/// <summary>The <c>config</c> of a <c>push</c> monitor: up while a push arrives within each period
/// (the monitor's <c>interval</c>, or until the next time of <c>cron</c> in <c>timezone</c>) plus
/// <c>grace_seconds</c>. <c>token</c> and <c>push_url</c> are made by the server and read-only.</summary>
public sealed record PushMonitorConfig(string Token, int GraceSeconds = PushCheckType.DefaultGraceSeconds, string? Cron = null, string? Timezone = null) : MonitorConfig
{
    [JsonIgnore]
    public override string Type => "push";

    /// <summary>What the dashboard shows: the schedule, never the token (it is the credential).</summary>
    [JsonIgnore]
    public override string Target => Cron is null ? "push (every interval)" : $"push at {Cron} ({Timezone})";

    /// <summary>The Uptime Kuma-shaped URL, relative to Flatline's address; <c>/ping/{token}</c> is the same monitor.</summary>
    public string PushUrl => PushCheckType.UrlPath + Token;
}

/// <param name="Cron">Null: every <see cref="PushSchedule"/> period is the monitor's interval.</param>
public sealed record PushCheckSpec(CronExpression? Cron, TimeZoneInfo Zone, TimeSpan Grace, TimeSpan Timeout) : CheckSpec(Timeout);

/// <summary><c>push</c>: the monitored job reports in (see <see cref="PushEndpoints"/>); nothing is
/// polled, and <see cref="PushMonitors"/> turns a missed deadline into a failed check.</summary>
public sealed partial class PushCheckType : CheckType<PushMonitorConfig>
{
    public const int DefaultGraceSeconds = 60;
    public const int MaxGraceSeconds = 7 * 86400;
    public const string UrlPath = "/api/push/";

    /// <summary>24 random bytes in unpadded base64url.</summary>
    public const int TokenLength = 32;

    public override string Type => "push";

    public override IProbe? Probe => null;

    protected override CheckSpec Compile(PushMonitorConfig config, TimeSpan timeout) => new PushCheckSpec(
        config.Cron is null ? null : CronExpression.Parse(config.Cron),
        config.Timezone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(config.Timezone),
        TimeSpan.FromSeconds(config.GraceSeconds), timeout);

    public override MonitorConfig? Validate(ConfigReader config)
    {
        var grace = config.Integer("grace_seconds", DefaultGraceSeconds, 0, MaxGraceSeconds);
        var cron = config.String("cron", required: false, maxLength: 100);
        if (cron is { Length: 0 }) cron = null;
        CronExpression? expression = null;
        if (cron is not null && (expression = ParseCron(cron)) is null)
            config.Fail("cron", "must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), such as 0 3 * * *");
        var timezone = config.String("timezone", required: false, maxLength: 64);
        if (timezone is { Length: 0 }) timezone = null;
        TimeZoneInfo? zone = null;
        if (timezone is not null)
        {
            if (cron is null) config.Fail("timezone", "is only used with cron");
            else if ((zone = FindZone(timezone)) is null) config.Fail("timezone", "must be an IANA time zone such as Europe/Berlin or UTC");
        }
        if (expression is not null && expression.GetNextOccurrence(DateTime.UtcNow, zone ?? TimeZoneInfo.Utc) is null)
            config.Fail("cron", "never comes round (such as 0 0 30 2 *)");
        // The token is the server's: kept from the monitor's push config, else new; a body's token is ignored.
        var token = (config.Current as PushMonitorConfig)?.Token ?? NewToken();
        return new PushMonitorConfig(token, grace, cron, cron is null ? null : timezone ?? "UTC");
    }

    static CronExpression? ParseCron(string text)
    {
        // Cronos also reads 6 fields with seconds when asked; the standard format is the 5 of crontab.
        if (text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5 && !text.StartsWith('@')) return null;
        try
        {
            return CronExpression.Parse(text);
        }
        catch (CronFormatException)
        {
            return null;
        }
    }

    /// <summary>An IANA id of the system's zone database; a name that is no plain id (a path, a Windows name) is none.</summary>
    public static TimeZoneInfo? FindZone(string id)
    {
        if (!ZoneId().IsMatch(id)) return null;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")]
    private static partial System.Text.RegularExpressions.Regex ZoneId();

    public static string NewToken() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

    /// <summary>Whether <paramref name="text"/> has a token's shape, so that nothing else is even looked up.</summary>
    public static bool IsTokenShaped(string text) =>
        text.Length == TokenLength && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
