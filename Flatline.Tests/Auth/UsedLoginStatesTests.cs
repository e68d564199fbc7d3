namespace Flatline.Tests.Auth;

/// <summary>The memory of used sign-in states: each works once, is forgotten when its cookie expires,
/// and the set never grows past its cap.</summary>
public class UsedLoginStatesTests
{
    static OidcLoginState Login(FakeClock time, TimeSpan? left = null) => OidcLoginState.New(time.GetUtcNow() + (left ?? OidcLoginCookie.Lifetime));

    [Test]
    public async Task A_state_is_taken_once_and_a_copy_of_it_is_refused()
    {
        var time = new FakeClock();
        var used = new UsedLoginStates(time);
        var login = Login(time);
        await Assert.That(used.TryUse(login)).IsTrue();
        await Assert.That(used.TryUse(login with { })).IsFalse();
        await Assert.That(used.TryUse(Login(time))).IsTrue();
        await Assert.That(used.Count).IsEqualTo(2);
    }

    [Test]
    public async Task A_state_is_remembered_until_its_cookie_expires_and_then_forgotten()
    {
        var time = new FakeClock();
        var used = new UsedLoginStates(time);
        var login = Login(time);
        await Assert.That(used.TryUse(login)).IsTrue();
        time.Jump(OidcLoginCookie.Lifetime - TimeSpan.FromSeconds(1));
        await Assert.That(used.TryUse(login)).IsFalse();

        // Past the expiry the cookie itself is refused, so the state need not be kept.
        time.Jump(TimeSpan.FromSeconds(2));
        used.TryUse(Login(time));
        await Assert.That(used.Count).IsEqualTo(1);
    }

    [Test]
    public async Task At_its_cap_the_set_forgets_the_state_closest_to_expiry_first()
    {
        var time = new FakeClock();
        var used = new UsedLoginStates(time);
        var soonest = Login(time, TimeSpan.FromMinutes(1));
        await Assert.That(used.TryUse(soonest)).IsTrue();
        var kept = new List<OidcLoginState>();
        for (var i = 1; i < UsedLoginStates.Capacity; i++)
        {
            var login = Login(time);
            kept.Add(login);
            used.TryUse(login);
        }
        await Assert.That(used.Count).IsEqualTo(UsedLoginStates.Capacity);

        await Assert.That(used.TryUse(Login(time))).IsTrue();
        await Assert.That(used.Count).IsEqualTo(UsedLoginStates.Capacity);
        // The one that was to expire first made room; the others are still refused.
        await Assert.That(used.TryUse(kept[0])).IsFalse();
        await Assert.That(used.TryUse(kept[^1])).IsFalse();
        await Assert.That(used.TryUse(soonest)).IsTrue();
    }
}
