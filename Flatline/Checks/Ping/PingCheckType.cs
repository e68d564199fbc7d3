using System.Globalization;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>The <c>config</c> of a <c>ping</c> monitor: <c>count</c> ICMP echo requests to <c>host</c>,
/// up when at most <c>max_loss_percent</c> of them go unanswered within the timeout.</summary>
public sealed record PingMonitorConfig(string Host, int Count = PingCheckType.DefaultCount, int MaxLossPercent = 0) : MonitorConfig
{
    [JsonIgnore]
    public override string Type => "ping";

    [JsonIgnore]
    public override string Target => Host;
}

public sealed record PingCheckSpec(string Host, int Count, int MaxLossPercent, TimeSpan Timeout) : CheckSpec(Timeout);

/// <summary><c>ping</c>: ICMP echo over the unprivileged datagram sockets Linux offers the groups in
/// <c>net.ipv4.ping_group_range</c> (a raw socket where the process has CAP_NET_RAW instead).</summary>
public sealed class PingCheckType(TimeProvider time) : CheckType<PingMonitorConfig>
{
    public const int DefaultCount = 3;
    public const int MaxCount = 10;

    public override string Type => "ping";

    public override IProbe Probe { get; } = new PingProbe(time);

    protected override CheckSpec Compile(PingMonitorConfig config, TimeSpan timeout) =>
        new PingCheckSpec(config.Host, config.Count, config.MaxLossPercent, timeout);

    public override MonitorConfig? Validate(ConfigReader config)
    {
        var host = config.String("host", required: true, maxLength: 253);
        if (host is not null && !HostNames.IsValid(host)) config.Fail("host", "must be a host name (such as router.example.com) or an IP address");
        var count = config.Integer("count", DefaultCount, 1, MaxCount);
        var maxLoss = config.Integer("max_loss_percent", 0, 0, 99);
        return new PingMonitorConfig(host ?? "", count, maxLoss);
    }
}

/// <summary>The verdict on one check's echo replies: the loss against the allowed loss, and the median
/// round trip of the replies that came.</summary>
public static class PingVerdict
{
    /// <param name="roundTripsUs">One entry per request sent: its round trip, or null when no reply came.</param>
    public static ProbeOutcome Judge(IReadOnlyList<long?> roundTripsUs, int maxLossPercent, TimeSpan timeout)
    {
        var replies = roundTripsUs.Where(r => r is not null).Select(r => r!.Value).ToList();
        var sent = roundTripsUs.Count;
        var lost = sent - replies.Count;
        var median = Median(replies);
        if (replies.Count == 0) return ProbeOutcome.Failure($"{Pings(lost, sent)} lost ({NetworkErrors.Timeout(timeout)})");
        // Compared in whole numbers: 1 of 3 lost is 33.3 %, over a limit of 33.
        if (lost * 100 > maxLossPercent * sent)
            return ProbeOutcome.Failure($"{Pings(lost, sent)} lost ({LossPercent(lost, sent)}%, at most {maxLossPercent.ToString(CultureInfo.InvariantCulture)}% allowed)", latencyUs: median);
        return new ProbeOutcome(true, null, median, null, null);
    }

    /// <summary>The middle value, or the mean of the two middle ones; null for none.</summary>
    public static long? Median(List<long> values)
    {
        if (values.Count == 0) return null;
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>Rounded to a whole percent: 1 of 3 is 33, 2 of 3 is 67.</summary>
    public static string LossPercent(int lost, int sent) =>
        ((int)Math.Round(lost * 100.0 / sent, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture);

    static string Pings(int lost, int sent) =>
        $"{lost.ToString(CultureInfo.InvariantCulture)} of {sent.ToString(CultureInfo.InvariantCulture)} ping{(sent == 1 ? "" : "s")}";
}
