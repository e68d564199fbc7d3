namespace Flatline.Tests.Foundation;

/// <summary>When the idle collector collects, driven by a scripted count of allocated bytes.</summary>
public class IdleCollectorTests
{
    const long MiB = 1024 * 1024;

    sealed class Script
    {
        public long Allocated;
        public int Collections;
        public IdleCollector Collector() => new(() => Allocated, () => Collections++);
    }

    [Test]
    public async Task A_quiet_first_period_gives_back_what_start_up_allocated()
    {
        var script = new Script { Allocated = 8 * MiB };
        var collector = script.Collector();
        script.Allocated += 10 * 1024;

        await Assert.That(collector.Tick()).IsTrue();
        await Assert.That(script.Collections).IsEqualTo(1);
    }

    [Test]
    public async Task A_busy_server_is_left_to_its_own_collections_and_collected_once_it_goes_quiet()
    {
        var script = new Script { Allocated = 8 * MiB };
        var collector = script.Collector();
        for (var period = 0; period < 5; period++)
        {
            script.Allocated += 3 * MiB;
            await Assert.That(collector.Tick()).IsFalse();
        }
        await Assert.That(script.Collections).IsEqualTo(0);

        script.Allocated += IdleCollector.QuietBytes - 1;
        await Assert.That(collector.Tick()).IsTrue();
        // Staying quiet with nothing new allocated: no collection again.
        for (var period = 0; period < 5; period++) await Assert.That(collector.Tick()).IsFalse();
        await Assert.That(script.Collections).IsEqualTo(1);
    }

    [Test]
    public async Task Small_allocations_while_quiet_wait_until_a_megabyte_is_worth_collecting()
    {
        var script = new Script { Allocated = 8 * MiB };
        var collector = script.Collector();
        await Assert.That(collector.Tick()).IsTrue();

        var collectedAt = script.Allocated;
        var ticks = 0;
        while (!collector.Tick())
        {
            script.Allocated += 200 * 1024;
            ticks++;
        }
        await Assert.That(script.Allocated - collectedAt).IsGreaterThanOrEqualTo(IdleCollector.WorthCollecting);
        await Assert.That(ticks).IsEqualTo(6);
        await Assert.That(script.Collections).IsEqualTo(2);
    }
}
