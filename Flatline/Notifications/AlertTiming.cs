namespace Flatline;

/// <summary>The two fields every channel type has, after its own (SPEC §15): <c>delay_minutes</c> holds a
/// down alert back until the incident has lasted that long, so a shorter flap sends nothing, not even
/// its recovery; <c>remind_every_minutes</c> repeats the down alert while the incident stays open.
/// Both are outbox rows with a not-before time, so they survive restarts.</summary>
public static class AlertTiming
{
    /// <summary>A week: longer delays or reminder gaps are better served by a daily report.</summary>
    public const long MaxMinutes = 10080;

    public static readonly ChannelField DelayMinutes = new("delay_minutes", ChannelFieldKind.Integer, "Alert only after (minutes)")
    {
        Help = "Send the down alert only when the monitor is still down this many minutes later; a shorter outage sends nothing, not even its recovery.",
        Minimum = 1,
        Maximum = MaxMinutes,
    };

    public static readonly ChannelField RemindEveryMinutes = new("remind_every_minutes", ChannelFieldKind.Integer, "Remind every (minutes)")
    {
        Help = "Repeat the down alert this often while the monitor stays down; reminders stop at recovery.",
        Minimum = 1,
        Maximum = MaxMinutes,
    };

    public static readonly IReadOnlyList<ChannelField> Fields = [DelayMinutes, RemindEveryMinutes];

    public static TimeSpan? Delay(ChannelConfig config) => Minutes(config.Integer(DelayMinutes));

    public static TimeSpan? RemindEvery(ChannelConfig config) => Minutes(config.Integer(RemindEveryMinutes));

    static TimeSpan? Minutes(long? minutes) => minutes is >= 1 and <= MaxMinutes ? TimeSpan.FromMinutes(minutes.Value) : null;
}
