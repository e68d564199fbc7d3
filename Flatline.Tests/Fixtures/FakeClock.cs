using Microsoft.Extensions.Time.Testing;

namespace Flatline.Tests;

/// <summary>Fake time for a test that drives it, given to the app as its <see cref="TimeProvider"/>.
/// The server's work runs in real time between steps, so every step leaves it a moment to catch up
/// before the next.</summary>
public sealed class FakeClock : FakeTimeProvider
{
    static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(3);

    /// <summary>Starts at the real now (sessions and certificates check against real clocks too).</summary>
    public FakeClock() : base(DateTimeOffset.UtcNow)
    {
    }

    public FakeClock(DateTimeOffset start) : base(start)
    {
    }

    /// <summary>Sets the clock <paramref name="span"/> later at once and leaves the timers to their own
    /// schedule, as a change of the system clock does. For a jump of days that no timer's work matters
    /// to: <see cref="FakeTimeProvider.Advance"/> would fire every 25 ms scheduler tick in between, one
    /// by one, for half a minute of CPU.</summary>
    public void Jump(TimeSpan span) => AdjustTime(GetUtcNow() + span);

    /// <summary>Moves on <paramref name="steps"/> times by <paramref name="step"/>, a moment apart.</summary>
    public async Task AdvanceAsync(TimeSpan step, int steps = 1)
    {
        for (var i = 0; i < steps; i++)
        {
            Advance(step);
            await Task.Delay(Moment);
        }
    }

    /// <summary>Moves on by <paramref name="step"/> until <paramref name="done"/> holds; fails after
    /// <paramref name="maxSteps"/> steps, which bounds the real time spent too.</summary>
    public async Task AdvanceUntilAsync(Func<bool> done, TimeSpan step, int maxSteps = 3000)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            if (done()) return;
            Advance(step);
            await Task.Delay(Moment);
        }
        if (!done()) throw new TimeoutException($"the condition did not hold after {maxSteps} steps of {step}");
    }

    /// <summary>Moves on by <paramref name="step"/> in the background, a moment apart, until the
    /// returned handle is disposed: for tests that wait on the server rather than on a condition.</summary>
    public IAsyncDisposable Run(TimeSpan step) => new Ticking(this, step);

    sealed class Ticking : IAsyncDisposable
    {
        readonly CancellationTokenSource stop = new();
        readonly Task ticks;

        public Ticking(FakeClock clock, TimeSpan step) => ticks = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                clock.Advance(step);
                try { await Task.Delay(Moment, stop.Token); } catch (OperationCanceledException) { }
            }
        });

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await ticks;
            stop.Dispose();
        }
    }
}
