namespace Flatline.Tests.Locations;

/// <summary>The quorum of SPEC §16, pure: failed locations against the ones that report.</summary>
public class QuorumTests
{
    static LocationState S(string name, MonitorStatus status) => new(name, status, status == MonitorStatus.Down ? 3 : 0);

    static readonly Func<string, bool> Everyone = _ => true;

    [Test]
    [Arguments("any", 1, true)]
    [Arguments("majority", 1, false)]
    [Arguments("majority", 2, true)]
    [Arguments("all", 2, false)]
    [Arguments("all", 3, true)]
    [Arguments("2", 1, false)]
    [Arguments("2", 2, true)]
    public async Task Three_locations_are_down_when_enough_have_failed(string quorum, int failed, bool down)
    {
        var states = new[] { "local", "eu", "us" }.Select((n, i) => S(n, i < failed ? MonitorStatus.Down : MonitorStatus.Up)).ToList();
        var decision = QuorumRules.Decide(states, Everyone, Quorum.Parse(quorum)!.Value);
        await Assert.That(decision.Down).IsEqualTo(down);
        await Assert.That(decision.Failed.Count).IsEqualTo(failed);
    }

    [Test]
    public async Task A_location_that_does_not_report_counts_neither_way()
    {
        var states = new List<LocationState> { S("local", MonitorStatus.Down), S("eu", MonitorStatus.Up), S("us", MonitorStatus.Down) };
        // us is offline: one of two reporting failed, which is no majority; with eu offline instead, it is.
        var withoutUs = QuorumRules.Decide(states, l => l != "us", Quorum.Majority);
        await Assert.That(withoutUs.Down).IsFalse();
        await Assert.That(withoutUs.Failed).IsEquivalentTo(["local"]);
        var withoutEu = QuorumRules.Decide(states, l => l != "eu", Quorum.Majority);
        await Assert.That(withoutEu.Down).IsTrue();
        await Assert.That(withoutEu.Failed).IsEquivalentTo(["local", "us"]);
        // A number larger than the reporting locations means all of them.
        await Assert.That(QuorumRules.Decide(states, l => l != "eu", new Quorum(QuorumKind.Count, 3)).Down).IsTrue();
        // Nobody reporting is not down.
        await Assert.That(QuorumRules.Decide(states, _ => false, new Quorum(QuorumKind.Any)).Down).IsFalse();
    }

    [Test]
    public async Task Up_needs_one_reporting_location_up()
    {
        var states = new List<LocationState> { S("local", MonitorStatus.Unknown), S("eu", MonitorStatus.Up) };
        await Assert.That(QuorumRules.Decide(states, Everyone, Quorum.Majority).AnyUp).IsTrue();
        await Assert.That(QuorumRules.Decide(states, l => l == "local", Quorum.Majority).AnyUp).IsFalse();
    }

    [Test]
    [Arguments("any")]
    [Arguments("majority")]
    [Arguments("all")]
    [Arguments("4")]
    public async Task A_quorum_reads_back_as_it_was_written(string text)
    {
        var quorum = Quorum.Parse(text)!.Value;
        var json = System.Text.Json.JsonSerializer.Serialize(quorum, FlatlineJson.Default.Quorum);
        await Assert.That(json).IsEqualTo(text == "4" ? "4" : $"\"{text}\"");
        await Assert.That(System.Text.Json.JsonSerializer.Deserialize(json, FlatlineJson.Default.Quorum)).IsEqualTo(quorum);
    }
}
