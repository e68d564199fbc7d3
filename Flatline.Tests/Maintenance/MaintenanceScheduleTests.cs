namespace Flatline.Tests.Maintenance;

/// <summary>The four schedules' occurrences, pure: local times in their zones, across DST changes.</summary>
public sealed class MaintenanceScheduleTests
{
    static DateTime Utc(int y, int m, int d, int h, int min) => new(y, m, d, h, min, 0, DateTimeKind.Utc);

    static List<Occurrence> Between(MaintenanceSchedule schedule, DateTime from, DateTime to) => [.. schedule.Between(from, to)];

    [Test]
    public async Task A_weekly_window_keeps_its_local_time_in_Berlin_across_both_DST_changes()
    {
        var sunday = new WeeklySchedule(["sun"], "10:00", 60, "Europe/Berlin");
        var spring = Between(sunday, Utc(2026, 3, 21, 0, 0), Utc(2026, 4, 6, 0, 0));
        // 10:00 CET is 09:00Z; from 29 March 10:00 CEST is 08:00Z.
        await Assert.That(spring.Select(o => o.Start)).IsEquivalentTo(new[] { Utc(2026, 3, 22, 9, 0), Utc(2026, 3, 29, 8, 0), Utc(2026, 4, 5, 8, 0) });
        await Assert.That(spring.All(o => o.End - o.Start == TimeSpan.FromHours(1))).IsTrue();
        var autumn = Between(sunday, Utc(2026, 10, 17, 0, 0), Utc(2026, 11, 2, 0, 0));
        await Assert.That(autumn.Select(o => o.Start)).IsEquivalentTo(new[] { Utc(2026, 10, 18, 8, 0), Utc(2026, 10, 25, 9, 0), Utc(2026, 11, 1, 9, 0) });
    }

    [Test]
    public async Task A_start_the_DST_change_skips_moves_on_by_the_gap_and_a_repeated_one_is_the_first()
    {
        var night = new WeeklySchedule(["sun"], "02:30", 30, "Europe/Berlin");
        // 29 March 2026 02:30 does not exist in Berlin: read with the offset before (+01:00), it is 03:30 CEST.
        await Assert.That(Between(night, Utc(2026, 3, 28, 12, 0), Utc(2026, 3, 30, 0, 0)).Single().Start).IsEqualTo(Utc(2026, 3, 29, 1, 30));
        // 25 October 2026 02:30 happens twice: the first (CEST, +02:00) is 00:30Z.
        await Assert.That(Between(night, Utc(2026, 10, 24, 12, 0), Utc(2026, 10, 26, 0, 0)).Single().Start).IsEqualTo(Utc(2026, 10, 25, 0, 30));
    }

    [Test]
    public async Task A_monthly_last_day_window_falls_on_each_months_own_last_day()
    {
        var last = new MonthlySchedule(null, true, "23:00", 90, "UTC");
        var starts = Between(last, Utc(2027, 12, 1, 0, 0), Utc(2028, 5, 1, 0, 0)).Select(o => o.Start).ToList();
        await Assert.That(starts).IsEquivalentTo(new[]
        {
            Utc(2027, 12, 31, 23, 0), Utc(2028, 1, 31, 23, 0), Utc(2028, 2, 29, 23, 0), Utc(2028, 3, 31, 23, 0), Utc(2028, 4, 30, 23, 0),
        });
        // Day 31 has no occurrence in a month of 30 days.
        var thirtyFirst = new MonthlySchedule(31, null, "01:00", 60, "Europe/Berlin");
        await Assert.That(Between(thirtyFirst, Utc(2026, 4, 1, 0, 0), Utc(2026, 5, 1, 0, 0)).Count).IsEqualTo(0);
        await Assert.That(Between(thirtyFirst, Utc(2026, 5, 1, 0, 0), Utc(2026, 6, 1, 0, 0)).Single().Start).IsEqualTo(Utc(2026, 5, 30, 23, 0));
    }

    [Test]
    public async Task A_cron_window_follows_its_expression_in_its_zone()
    {
        var cron = new CronSchedule("0 3 * * sun", 30, "Europe/Berlin");
        var occurrences = Between(cron, Utc(2026, 3, 20, 0, 0), Utc(2026, 4, 6, 0, 0));
        await Assert.That(occurrences.Select(o => o.Start)).IsEquivalentTo(new[] { Utc(2026, 3, 22, 2, 0), Utc(2026, 3, 29, 1, 0), Utc(2026, 4, 5, 1, 0) });
        await Assert.That(occurrences[0].End).IsEqualTo(Utc(2026, 3, 22, 2, 30));
    }

    [Test]
    public async Task Quiet_pieces_split_a_span_exactly_and_count_overlapping_sources_once()
    {
        var quiet = QuietTime.Spans([new Fixed(QuietKind.Maintenance, 100, 200), new Fixed(QuietKind.Offline, 150, 300)], 1, 0, 400)!;
        await Assert.That(Pieces(0, 400, quiet)).IsEquivalentTo(new (long, long, QuietKind?)[]
        {
            (0, 100, null), (100, 200, QuietKind.Maintenance), (200, 300, QuietKind.Offline), (300, 400, null),
        }, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        // Clipped to a range that starts inside one span and ends inside the next; and no quiet time at all.
        await Assert.That(Pieces(120, 250, quiet)).IsEquivalentTo(new (long, long, QuietKind?)[]
        {
            (120, 200, QuietKind.Maintenance), (200, 250, QuietKind.Offline),
        }, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Pieces(5, 9, null)).IsEquivalentTo(new (long, long, QuietKind?)[] { (5, 9, null) });
        await Assert.That(Pieces(9, 9, quiet)).IsEmpty();
    }

    static List<(long, long, QuietKind?)> Pieces(long from, long to, IReadOnlyList<QuietSpan>? quiet)
    {
        var pieces = new List<(long, long, QuietKind?)>();
        foreach (var piece in QuietTime.Pieces(from, to, quiet)) pieces.Add(piece);
        return pieces;
    }

    sealed class Fixed(QuietKind kind, long from, long to) : IQuietTime
    {
        public QuietKind Kind => kind;
        public bool IsQuiet(long monitorKey, long at) => at >= from && at < to;
        public void AddSpans(long monitorKey, long a, long b, List<QuietSpan> spans)
        {
            if (Math.Min(b, to) > Math.Max(a, from)) spans.Add(new QuietSpan(Math.Max(a, from), Math.Min(b, to), kind));
        }
    }
}
