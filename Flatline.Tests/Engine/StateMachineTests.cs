namespace Flatline.Tests.Engine;

public class StateMachineTests
{
    static MonitorState S(MonitorStatus status, int failures = 0) => new(status, failures);

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

    /// <summary>One check from a given state: the next state and what it means.</summary>
    [Test]
    [Arguments(MonitorStatus.Unknown, 0, false, 0, MonitorStatus.Down, 1, Transition.WentDown)]       // never up, no retries: down and alert
    [Arguments(MonitorStatus.Down, 7, true, 3, MonitorStatus.Up, 0, Transition.Recovered)]            // one success recovers
    [Arguments(MonitorStatus.Unknown, 0, true, 0, MonitorStatus.Up, 0, Transition.None)]              // a first success is no recovery
    [Arguments(MonitorStatus.Unknown, 0, false, 1, MonitorStatus.Unknown, 1, Transition.None)]        // below the threshold: still unknown
    [Arguments(MonitorStatus.Up, 2, false, 2, MonitorStatus.Down, 3, Transition.WentDown)]            // a count restored after a restart continues
    public async Task One_check_moves_the_state_as_the_rules_say(MonitorStatus status, int failures, bool ok, int retries,
        MonitorStatus nextStatus, int nextFailures, Transition transition)
    {
        var (next, happened) = StateMachine.Apply(S(status, failures), ok, retries);
        await Assert.That(next).IsEqualTo(S(nextStatus, nextFailures));
        await Assert.That(happened).IsEqualTo(transition);
    }
}
