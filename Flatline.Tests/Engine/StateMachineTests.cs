namespace Flatline.Tests.Engine;

public class StateMachineTests
{
    static MonitorState S(MonitorStatus status, int failures = 0) => new(status, failures);

    [Test]
    public async Task A_failure_from_unknown_with_no_retries_goes_down_and_alerts()
    {
        var (next, transition) = StateMachine.Apply(S(MonitorStatus.Unknown), ok: false, retries: 0);
        await Assert.That(next).IsEqualTo(S(MonitorStatus.Down, 1));
        await Assert.That(transition).IsEqualTo(Transition.WentDown);
    }

    [Test]
    public async Task Retries_plus_one_failures_in_a_row_turn_an_up_monitor_down_once()
    {
        var state = S(MonitorStatus.Up);
        var transitions = new List<Transition>();
        for (var i = 0; i < 5; i++)
        {
            (state, var t) = StateMachine.Apply(state, ok: false, retries: 2);
            transitions.Add(t);
        }
        await Assert.That(transitions).IsEquivalentTo(new[] { Transition.None, Transition.None, Transition.WentDown, Transition.None, Transition.None });
        await Assert.That(state).IsEqualTo(S(MonitorStatus.Down, 5));
    }

    [Test]
    public async Task A_success_between_failures_resets_the_count()
    {
        var state = S(MonitorStatus.Up);
        (state, _) = StateMachine.Apply(state, false, 1);
        (state, _) = StateMachine.Apply(state, true, 1);
        (state, var t) = StateMachine.Apply(state, false, 1);
        await Assert.That(t).IsEqualTo(Transition.None);
        await Assert.That(state).IsEqualTo(S(MonitorStatus.Up, 1));
    }

    [Test]
    public async Task One_success_recovers_a_down_monitor()
    {
        var (next, transition) = StateMachine.Apply(S(MonitorStatus.Down, 7), ok: true, retries: 3);
        await Assert.That(next).IsEqualTo(S(MonitorStatus.Up));
        await Assert.That(transition).IsEqualTo(Transition.Recovered);
    }

    [Test]
    public async Task A_first_success_from_unknown_is_up_without_a_recovery()
    {
        var (next, transition) = StateMachine.Apply(S(MonitorStatus.Unknown), ok: true, retries: 0);
        await Assert.That(next).IsEqualTo(S(MonitorStatus.Up));
        await Assert.That(transition).IsEqualTo(Transition.None);
    }

    [Test]
    public async Task Failures_below_the_threshold_leave_unknown_unknown()
    {
        var (next, transition) = StateMachine.Apply(S(MonitorStatus.Unknown), ok: false, retries: 1);
        await Assert.That(next).IsEqualTo(S(MonitorStatus.Unknown, 1));
        await Assert.That(transition).IsEqualTo(Transition.None);
    }

    [Test]
    public async Task A_restored_failure_count_continues_where_it_stopped()
    {
        // After a restart the count comes from the database: one more failure crosses the threshold.
        var (next, transition) = StateMachine.Apply(S(MonitorStatus.Up, 2), ok: false, retries: 2);
        await Assert.That(transition).IsEqualTo(Transition.WentDown);
        await Assert.That(next.ConsecutiveFailures).IsEqualTo(3);
    }
}
