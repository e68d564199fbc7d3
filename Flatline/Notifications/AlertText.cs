namespace Flatline;

/// <summary>The wording every sender shares, as plain text; each sender escapes it for its own
/// markup. A message is <see cref="Title"/> (which monitor and what happened), the monitor's URL,
/// <see cref="Detail"/> (the error, or the downtime) and, when PUBLIC_URL is set, a link to the
/// monitor's page.</summary>
/// <example>
/// api is down · https://api.example.com/health · unexpected status 503 (expected 2xx) · Open in Flatline: https://status.example.com/monitors/01J…
/// </example>
public static class AlertText
{
    public const string LinkLabel = "Open in Flatline";

    /// <summary>Who and what: <c>api is down</c>, <c>api is up</c>, <c>api is degraded</c>, <c>api is no longer degraded</c>, or the test's heading.</summary>
    public static string Title(Notification notification) => notification.Kind switch
    {
        NotificationKind.Down => notification.ReminderAt is null ? $"{notification.MonitorName} is down" : $"{notification.MonitorName} is still down",
        NotificationKind.Up => $"{notification.MonitorName} is up",
        NotificationKind.Notice => notification.Headline ?? "Flatline",
        NotificationKind.Degraded => $"{notification.MonitorName} is degraded",
        NotificationKind.DegradedEnded => $"{notification.MonitorName} is no longer degraded",
        _ => "Test notification from Flatline",
    };

    /// <summary>What happened: the check's error, the downtime, why it is degraded, or what a test means.</summary>
    public static string Detail(Notification notification) => notification.Kind switch
    {
        NotificationKind.Down => (notification.Error is { Length: > 0 } error ? error
            : notification.StatusCode is { } status ? $"status {status}"
            : "check failed") + (notification.ReminderAt is { } at && notification.IncidentStartedAt is { } start ? $" (down for {Duration(at - start)})" : ""),
        NotificationKind.Up => notification.Downtime is { } downtime ? $"back up after {Duration(downtime)}" : "back up",
        NotificationKind.Notice => notification.Error ?? "",
        NotificationKind.Degraded => notification.Error is { Length: > 0 } why ? why : "degraded",
        NotificationKind.DegradedEnded => notification.Error is { Length: > 0 } was ? $"back to normal, was: {was}" : "back to normal",
        _ => "This is a test. If you can read it, Flatline's alerts reach you here.",
    };

    /// <summary>One line for previews and fallbacks: <c>api is down: unexpected status 503 (expected 2xx)</c>.</summary>
    public static string Summary(Notification notification) => notification.Kind switch
    {
        NotificationKind.Test => Title(notification),
        _ => $"{Title(notification)}: {Detail(notification)}",
    };

    /// <summary>The whole message as plain lines: title, monitor URL (left out when a test names
    /// none), detail, link.</summary>
    public static string Plain(Notification notification)
    {
        var lines = new List<string> { Title(notification) };
        lines.AddRange(Body(notification));
        if (notification.MonitorLink is { } link) lines.Add($"{LinkLabel}: {link.AbsoluteUri}");
        return string.Join('\n', lines);
    }

    /// <summary>The lines under the title: the monitor's URL and the detail.</summary>
    public static IEnumerable<string> Body(Notification notification)
    {
        if (notification.MonitorUrl is { Length: > 0 } url) yield return url;
        yield return Detail(notification);
    }

    /// <summary>Text for HTML (Telegram, Matrix, email, Google Chat): the four entities &amp;amp; &amp;lt;
    /// &amp;gt; &amp;quot;, which also make it safe inside a double-quoted attribute.</summary>
    public static string EscapeHtml(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal);

    /// <summary>The text cut to at most <paramref name="max"/> characters, ending in "…" when cut (and
    /// never in half a surrogate pair): for services that refuse longer fields.</summary>
    public static string Cut(string text, int max) =>
        text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 2]) ? max - 2 : max - 1)] + "…";

    /// <summary>A downtime the way people say it, to two units: <c>45 s</c>, <c>5 min 12 s</c>,
    /// <c>3 h 7 min</c>, <c>2 d 4 h</c>; a zero second unit is left out (<c>5 min</c>).</summary>
    public static string Duration(TimeSpan duration)
    {
        var seconds = Math.Max(0, (long)duration.TotalSeconds);
        if (seconds < 60) return $"{seconds} s";
        var minutes = seconds / 60;
        if (minutes < 60) return Two(minutes, "min", seconds % 60, "s");
        var hours = minutes / 60;
        if (hours < 24) return Two(hours, "h", minutes % 60, "min");
        return Two(hours / 24, "d", hours % 24, "h");

        static string Two(long major, string majorUnit, long minor, string minorUnit) =>
            minor == 0 ? $"{major} {majorUnit}" : $"{major} {majorUnit} {minor} {minorUnit}";
    }
}
