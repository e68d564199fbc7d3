using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Flatline.Tests.Engine;

/// <summary>The degraded state (SPEC §12): the rules as pure code, then through the real server with a
/// fake clock: a certificate from a test CA that ends in 3 days, served by a local TLS listener, and a
/// target that answers slowly; notified once to the channel that opts in, counted in stats to the
/// second, carried on the live stream, never an incident; its end notified to the channels that heard it begin.</summary>
public sealed class DegradedTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    static readonly DateTimeOffset Expiry = new(2030, 1, 10, 0, 0, 0, TimeSpan.Zero);

    static ProbeOutcome Ok(string? slow = null, string? certificate = null, DateTimeOffset? expires = null) =>
        new(true, 200, 1000, null, expires ?? (certificate is null ? null : Expiry), slow is null && certificate is null ? null : new Degradation(slow, certificate));

    static readonly ProbeOutcome Failed = ProbeOutcome.Failure("connection refused");

    /// <summary>One check through both rule sets, as the state recorder runs them.</summary>
    static (MonitorState State, Transition Transition, DegradedNotice Notice) Step(MonitorState state, ProbeOutcome outcome, int retries)
    {
        var (upOrDown, transition) = StateMachine.Apply(state, outcome.Ok, retries);
        var (next, notify) = DegradedRules.Apply(state, upOrDown, outcome, retries);
        return (next, transition, notify);
    }

    [Test]
    public async Task Slow_checks_turn_a_monitor_degraded_after_retries_plus_one_in_a_row_and_a_fast_one_turns_it_up()
    {
        var state = new MonitorState(MonitorStatus.Up, 0);
        var seen = new List<(MonitorStatus, DegradedNotice)>();
        foreach (var outcome in new[] { Ok("slow"), Ok("slow"), Ok("slow"), Ok(), Ok("slow") })
        {
            (state, _, var notify) = Step(state, outcome, retries: 1);
            seen.Add((state.Status, notify));
        }
        await Assert.That(seen).IsEquivalentTo(new[]
        {
            (MonitorStatus.Up, DegradedNotice.None), (MonitorStatus.Degraded, DegradedNotice.Began), (MonitorStatus.Degraded, DegradedNotice.None),
            (MonitorStatus.Up, DegradedNotice.Ended), (MonitorStatus.Up, DegradedNotice.None),
        }, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(state.ConsecutiveSlow).IsEqualTo(1);
    }

    [Test]
    public async Task A_failure_breaks_a_run_of_slow_checks()
    {
        var state = new MonitorState(MonitorStatus.Up, 0);
        (state, _, _) = Step(state, Ok("slow"), retries: 2);
        (state, _, _) = Step(state, Failed, retries: 2);
        (state, _, _) = Step(state, Ok("slow"), retries: 2);
        (state, _, var notify) = Step(state, Ok("slow"), retries: 2);
        await Assert.That(state.Status).IsEqualTo(MonitorStatus.Up);
        await Assert.That(notify).IsEqualTo(DegradedNotice.None);
        (state, _, notify) = Step(state, Ok("slow"), retries: 2);
        await Assert.That(state.Status).IsEqualTo(MonitorStatus.Degraded);
        await Assert.That(notify).IsEqualTo(DegradedNotice.Began);
    }

    [Test]
    public async Task A_certificate_near_expiry_is_degraded_at_once_and_notified_once_per_certificate()
    {
        var state = new MonitorState(MonitorStatus.Unknown, 0);
        var notices = new List<DegradedNotice>();
        var renewed = Expiry.AddDays(2);
        foreach (var outcome in new[]
        {
            Ok(certificate: "expires soon"), Ok(certificate: "expires soon"), Failed, Ok(certificate: "expires soon"),
            Ok(certificate: "another", expires: renewed), Ok(certificate: "another", expires: renewed),
            Ok(expires: Expiry.AddDays(90)), Ok(certificate: "expires soon"),
        })
        {
            (state, _, var notify) = Step(state, outcome, retries: 0);
            notices.Add(notify);
        }
        // The failure (with no retries) took it down; the same certificate after recovery is not news;
        // a certificate far from expiry ends the spell.
        await Assert.That(notices).IsEquivalentTo(new[]
        {
            DegradedNotice.Began, DegradedNotice.None, DegradedNotice.None, DegradedNotice.None,
            DegradedNotice.Began, DegradedNotice.None, DegradedNotice.Ended, DegradedNotice.Began,
        }, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(state).IsEqualTo(new MonitorState(MonitorStatus.Degraded, 0, 0, "expires soon", Expiry.ToUnixTimeMilliseconds()));
    }

    [Test]
    public async Task Down_wins_over_degraded_and_recovery_may_land_in_degraded()
    {
        var state = new MonitorState(MonitorStatus.Degraded, 0, 0, "expires soon", Expiry.ToUnixTimeMilliseconds());
        (state, var transition, _) = Step(state, Failed, retries: 1);
        await Assert.That((state.Status, transition)).IsEqualTo((MonitorStatus.Degraded, Transition.None));
        (state, transition, _) = Step(state, Failed, retries: 1);
        await Assert.That((state.Status, transition)).IsEqualTo((MonitorStatus.Down, Transition.WentDown));
        await Assert.That(state.DegradedReason).IsNull();
        (state, transition, var notify) = Step(state, Ok(certificate: "expires soon"), retries: 1);
        await Assert.That((state.Status, transition, notify)).IsEqualTo((MonitorStatus.Degraded, Transition.Recovered, DegradedNotice.None));
    }

    [Test]
    public async Task Degraded_then_down_then_up_is_a_recovery_and_no_end_of_a_degraded_spell()
    {
        var state = new MonitorState(MonitorStatus.Degraded, 0, 2, "slow: 900 ms (max 800 ms)");
        var seen = new List<(MonitorStatus, Transition, DegradedNotice)>();
        foreach (var outcome in new[] { Failed, Failed, Ok() })
        {
            (state, var transition, var notice) = Step(state, outcome, retries: 1);
            seen.Add((state.Status, transition, notice));
        }
        await Assert.That(seen).IsEquivalentTo(new[]
        {
            (MonitorStatus.Degraded, Transition.None, DegradedNotice.None), (MonitorStatus.Down, Transition.WentDown, DegradedNotice.None),
            (MonitorStatus.Up, Transition.Recovered, DegradedNotice.None),
        }, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        // A failure that does not take it down leaves it degraded, and the next good check ends the spell.
        state = new MonitorState(MonitorStatus.Degraded, 0, 2, "slow: 900 ms (max 800 ms)");
        (state, _, _) = Step(state, Failed, retries: 1);
        (state, var last, var end) = Step(state, Ok(), retries: 1);
        await Assert.That((state.Status, last, end)).IsEqualTo((MonitorStatus.Up, Transition.None, DegradedNotice.Ended));
    }

    [Test]
    [Arguments(2.5, "TLS certificate expires in 3 days (2030-01-10)")]
    [Arguments(0.2, "TLS certificate expires in 1 day (2030-01-10)")]
    [Arguments(-1.0, "TLS certificate expired on 2030-01-10")]
    public async Task The_warning_says_how_many_days_are_left(double daysLeft, string text)
    {
        var now = Expiry - TimeSpan.FromDays(daysLeft);
        var assessed = new DegradedWhen(null, 14).Assess(new ProbeOutcome(true, 200, 1000, null, Expiry), now.ToUnixTimeMilliseconds());
        await Assert.That(assessed.Degradation).IsEqualTo(new Degradation(null, text));
        var far = new DegradedWhen(null, 14).Assess(new ProbeOutcome(true, 200, 1000, null, Expiry), (Expiry - TimeSpan.FromDays(15)).ToUnixTimeMilliseconds());
        await Assert.That(far.Degradation).IsNull();
        var slow = new DegradedWhen(1, null).Assess(new ProbeOutcome(true, 200, 1500, null, null), 0);
        await Assert.That(slow.Degradation).IsEqualTo(new Degradation("slow: 2 ms (max 1 ms)", null));
    }

    // ---- through the server

    sealed class Setup : IAsyncDisposable
    {
        public required FakeClock Clock { get; init; }
        public required FlatlineServer Server { get; init; }
        public required FlatlineClient Api { get; init; }
        public required Receiver OptedIn { get; init; }
        public required Receiver Other { get; init; }
        public string Id { get; set; } = "";

        public static async Task<Setup> StartAsync()
        {
            var clock = new FakeClock();
            var server = await FlatlineServer.StartAsync(time: clock);
            return new Setup { Clock = clock, Server = server, Api = server.CreateApiClient(), OptedIn = await Receiver.StartAsync(), Other = await Receiver.StartAsync() };
        }

        /// <summary>Creates the monitor paused, links both channels (only one with on_degraded), then enables it.</summary>
        public async Task CreateAsync(MonitorBody monitor)
        {
            Id = (await Api.CreateMonitorAsync(monitor.Paused())).Expect(HttpStatusCode.Created).Value.Id;
            var optedIn = (await Api.CreateNotificationChannelAsync(ChannelBody.Webhook(OptedIn.Url("/hook")))).Value.Id;
            var other = (await Api.CreateNotificationChannelAsync(ChannelBody.Webhook(Other.Url("/hook")))).Value.Id;
            var link = await Api.PostAsync($"/api/v1/monitors/{Id}/notification-channels", $$"""{"channel_id":"{{optedIn}}","on_degraded":true}""");
            await Assert.That(link.Json.GetProperty("on_degraded").GetBoolean()).IsTrue();
            var plain = (await Api.LinkMonitorChannelAsync(Id, other)).Expect(HttpStatusCode.Created);
            await Assert.That(plain.Json.GetProperty("on_degraded").GetBoolean()).IsFalse();
            (await Api.UpdateMonitorAsync(Id, MonitorBody.Change().Enabled())).Expect(HttpStatusCode.OK);
        }

        public long Checks => Server.Scalar<long>($"SELECT count(*) FROM checks WHERE monitor_id = (SELECT id FROM monitors WHERE uid = '{Id}')");

        public long Status => Server.Scalar<long>($"SELECT status FROM monitors WHERE uid = '{Id}'");

        public long CheckTime(int n) => Server.Scalar<long>(
            $"SELECT checked_at FROM checks WHERE monitor_id = (SELECT id FROM monitors WHERE uid = '{Id}') ORDER BY checked_at LIMIT 1 OFFSET {n - 1}");

        /// <summary>Moves the clock on until the monitor has <paramref name="count"/> checks.</summary>
        public Task ChecksAsync(int count) => UntilAsync(() => Checks >= count);

        /// <summary>Moves the clock on until <paramref name="done"/> holds: after a change of config, a check
        /// of the old one may still land, so tests wait for what the new one does rather than count checks.</summary>
        public Task UntilAsync(Func<bool> done) => Clock.AdvanceUntilAsync(done, TimeSpan.FromMilliseconds(250));

        public long Outbox => Server.Scalar<long>("SELECT count(*) FROM outbox");

        public async Task<JsonElement> Stats24h() =>
            (await Api.GetMonitorStatsAsync(Id)).Expect(HttpStatusCode.OK).Json.GetProperty("windows").GetProperty("24h");

        public async ValueTask DisposeAsync()
        {
            Api.Dispose();
            await Server.DisposeAsync();
            await OptedIn.DisposeAsync();
            await Other.DisposeAsync();
        }
    }

    static async Task<IReadOnlyList<ReceivedRequest>> Received(Receiver receiver, int count)
    {
        for (var deadline = DateTime.UtcNow + Wait; receiver.Requests.Count < count && DateTime.UtcNow < deadline;) await Task.Delay(20);
        return receiver.Requests;
    }

    static Task<LoopbackServer> TlsTarget(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        LoopbackServer.StartAsync(context => context.Response.WriteAsync("ok"), certificate);

    [Test]
    public async Task A_certificate_that_ends_in_3_days_makes_the_monitor_degraded_notified_once_to_the_channel_that_opts_in()
    {
        using var ca = new TestCa();
        using var soon = ca.Issue(DateTimeOffset.UtcNow.AddDays(3));
        await using var target = await TlsTarget(soon);
        await using var setup = await Setup.StartAsync();
        await setup.CreateAsync(MonitorBody.Http(target.Url("/")).Interval(10).Timeout(5).VerifyTls(false));
        await using var stream = await setup.Api.OpenStreamAsync();

        await setup.ChecksAsync(1);
        var check = await stream.NextOfTypeAsync("check_result", Wait, setup.Id);
        await Assert.That(check.GetProperty("status").GetString()).IsEqualTo("up");
        await Assert.That(check.GetProperty("monitor_status").GetString()).IsEqualTo("degraded");

        var monitor = (await setup.Api.GetMonitorAsync(setup.Id)).Json;
        await Assert.That(monitor.GetProperty("status").GetString()).IsEqualTo("degraded");
        var expected = $"TLS certificate expires in 3 days ({soon.NotAfter.ToUniversalTime():yyyy-MM-dd})";
        await Assert.That(monitor.GetProperty("degraded_reason").GetString()).IsEqualTo(expected);

        var notified = await Received(setup.OptedIn, 1);
        await Assert.That(notified.Count).IsEqualTo(1);
        var payload = notified[0].Json();
        await Assert.That(payload.GetProperty("event").GetString()).IsEqualTo("monitor.degraded");
        await Assert.That(payload.GetProperty("incident").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(payload.GetProperty("check").GetProperty("error").GetString()).IsEqualTo(expected);

        // Degraded time to the second: from the first check to now, nothing of it down.
        var first = setup.CheckTime(1);
        var now = setup.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var stats = await setup.Stats24h();
        await Assert.That(stats.GetProperty("degraded_seconds").GetInt64()).IsEqualTo((now - first) / 1000);
        await Assert.That(stats.GetProperty("downtime_seconds").GetInt64()).IsEqualTo(0L);
        await Assert.That(stats.GetProperty("uptime").GetDouble()).IsEqualTo(1.0);
        setup.Clock.Jump(TimeSpan.FromHours(2));
        await Assert.That((await setup.Stats24h()).GetProperty("degraded_seconds").GetInt64()).IsEqualTo((now + 7_200_000 - first) / 1000);

        // More checks of the same certificate: no more notices, no incident, and the other channel heard nothing.
        await setup.ChecksAsync(4);
        await Assert.That(setup.Status).IsEqualTo((long)MonitorStatus.Degraded);
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM outbox")).IsEqualTo(1L);
        await Assert.That((await setup.Api.ListIncidentsAsync(setup.Id)).Value).IsEmpty();
        await Assert.That(setup.Other.Requests).IsEmpty();

        // A new connection gets the snapshot: degraded, with its degraded time.
        await using var fresh = await setup.Api.OpenStreamAsync();
        var snapshot = await fresh.NextOfTypeAsync("stats_update", Wait, setup.Id);
        await Assert.That(snapshot.GetProperty("status").GetString()).IsEqualTo("degraded");
        await Assert.That(snapshot.GetProperty("windows").GetProperty("24h").GetProperty("degraded_seconds").GetInt64()).IsGreaterThanOrEqualTo(7200L);
    }

    [Test]
    public async Task Another_certificate_near_expiry_is_notified_again_and_a_renewed_one_turns_the_monitor_up()
    {
        using var ca = new TestCa();
        using var soon = ca.Issue(DateTimeOffset.UtcNow.AddDays(3));
        using var other = ca.Issue(DateTimeOffset.UtcNow.AddDays(5));
        using var renewed = ca.Issue(DateTimeOffset.UtcNow.AddDays(90));
        await using var first = await TlsTarget(soon);
        await using var second = await TlsTarget(other);
        await using var third = await TlsTarget(renewed);
        await using var setup = await Setup.StartAsync();
        var monitor = MonitorBody.Http(first.Url("/")).Interval(10).Timeout(5).VerifyTls(false);
        await setup.CreateAsync(monitor);
        await setup.ChecksAsync(1);
        await Assert.That((await Received(setup.OptedIn, 1)).Count).IsEqualTo(1);

        // The same host serves another certificate (a new URL stands in for it): a notice of its own.
        (await setup.Api.UpdateMonitorAsync(setup.Id, MonitorBody.Change().WithConfig("type", "http").WithConfig("url", second.Url("/").AbsoluteUri).WithConfig("verify_tls", false)))
            .Expect(HttpStatusCode.OK);
        await setup.UntilAsync(() => setup.Outbox == 2);
        var notices = await Received(setup.OptedIn, 2);
        await Assert.That(notices.Count).IsEqualTo(2);
        await Assert.That(notices[1].Json().GetProperty("check").GetProperty("error").GetString()).StartsWith("TLS certificate expires in 5 days");

        (await setup.Api.UpdateMonitorAsync(setup.Id, MonitorBody.Change().WithConfig("type", "http").WithConfig("url", third.Url("/").AbsoluteUri).WithConfig("verify_tls", false)))
            .Expect(HttpStatusCode.OK);
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Up);
        var up = (await setup.Api.GetMonitorAsync(setup.Id)).Json;
        await Assert.That(up.GetProperty("status").GetString()).IsEqualTo("up");
        await Assert.That(up.GetProperty("degraded_reason").ValueKind).IsEqualTo(JsonValueKind.Null);
        // The renewed certificate ends the spell: one notice of that, saying what it was.
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM outbox")).IsEqualTo(3L);
        var ended = (await Received(setup.OptedIn, 3))[2].Json();
        await Assert.That(ended.GetProperty("event").GetString()).IsEqualTo("monitor.degraded_ended");
        await Assert.That(ended.GetProperty("check").GetProperty("error").GetString()).StartsWith("TLS certificate expires in 5 days");
        await Assert.That(setup.Other.Requests).IsEmpty();
    }

    [Test]
    public async Task Slow_answers_turn_the_monitor_degraded_after_retries_plus_one_and_a_fast_one_recovers_it()
    {
        var delayMs = 400;
        await using var target = await LoopbackServer.StartAsync(async context =>
        {
            await Task.Delay(Volatile.Read(ref delayMs));
            await context.Response.WriteAsync("ok");
        });
        await using var setup = await Setup.StartAsync();
        await setup.CreateAsync(MonitorBody.Http(target.Url("/")).Interval(10).Timeout(5).Retries(1).WithConfig("max_response_ms", 150));

        await setup.ChecksAsync(1);
        await Assert.That(setup.Status).IsEqualTo((long)MonitorStatus.Up);
        await setup.ChecksAsync(2);
        await Assert.That(setup.Status).IsEqualTo((long)MonitorStatus.Degraded);
        var reason = (await setup.Api.GetMonitorAsync(setup.Id)).Json.GetProperty("degraded_reason").GetString()!;
        await Assert.That(reason).Matches(@"^slow: \d+ ms \(max 150 ms\)$");
        var notified = await Received(setup.OptedIn, 1);
        await Assert.That(notified.Count).IsEqualTo(1);
        await Assert.That(notified[0].Json().GetProperty("check").GetProperty("error").GetString()).IsEqualTo(reason);

        // A slow check already under way may still land: the first fast one turns the monitor up.
        Volatile.Write(ref delayMs, 0);
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Up);
        var fast = setup.CheckTime((int)setup.Checks);
        // Degraded from the second check to the fast one, to the second; no down time, no incident.
        var stats = await setup.Stats24h();
        await Assert.That(stats.GetProperty("degraded_seconds").GetInt64()).IsEqualTo((fast - setup.CheckTime(2)) / 1000);
        await Assert.That(stats.GetProperty("downtime_seconds").GetInt64()).IsEqualTo(0L);
        await Assert.That((await setup.Api.ListIncidentsAsync(setup.Id)).Value).IsEmpty();
        var today = (await setup.Api.GetMonitorUptimeAsync(setup.Id, "days=1")).Json[0];
        await Assert.That(today.GetProperty("degraded_seconds").GetInt64()).IsEqualTo(stats.GetProperty("degraded_seconds").GetInt64());
        // The channel that heard it begin hears it end, through the outbox; the other hears nothing of either.
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM outbox")).IsEqualTo(2L);
        var ended = (await Received(setup.OptedIn, 2))[1].Json();
        await Assert.That(ended.GetProperty("event").GetString()).IsEqualTo("monitor.degraded_ended");
        await Assert.That(ended.GetProperty("monitor").GetProperty("id").GetString()).IsEqualTo(setup.Id);
        await Assert.That(ended.GetProperty("incident").ValueKind).IsEqualTo(JsonValueKind.Null);
        await Assert.That(ended.GetProperty("check").GetProperty("error").GetString()).IsEqualTo(reason);
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM outbox WHERE kind = 'degraded_ended' AND state = 'delivered'")).IsEqualTo(1L);
        await Assert.That(setup.Other.Requests).IsEmpty();
    }

    /// <summary>A target that answers slowly, with a 503, or quickly, as the test says.</summary>
    sealed class ShiftingTarget : IAsyncDisposable
    {
        public const int Slow = 0, Failing = 1, Fast = 2;
        int mode;
        public required LoopbackServer Server { get; init; }
        public int Mode { get => Volatile.Read(ref mode); set => Volatile.Write(ref mode, value); }

        public static async Task<ShiftingTarget> StartAsync()
        {
            ShiftingTarget? target = null;
            var server = await LoopbackServer.StartAsync(async context =>
            {
                switch (target!.Mode)
                {
                    case Slow:
                        await Task.Delay(400);
                        break;
                    case Failing:
                        context.Response.StatusCode = 503;
                        break;
                }
                await context.Response.WriteAsync("ok");
            });
            return target = new ShiftingTarget { Server = server };
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    static MonitorBody SlowAbove150(ShiftingTarget target) =>
        MonitorBody.Http(target.Server.Url("/")).Interval(10).Timeout(5).Retries(1).WithConfig("max_response_ms", 150);

    /// <summary>The events a receiver got, in the order it got them.</summary>
    static string Events(IEnumerable<ReceivedRequest> requests) => string.Join(", ", requests.Select(r => r.Json().GetProperty("event").GetString()));

    [Test]
    public async Task Degraded_then_down_then_up_sends_what_down_then_up_sends_and_no_end_of_the_degraded_spell()
    {
        await using var target = await ShiftingTarget.StartAsync();
        await using var setup = await Setup.StartAsync();
        await setup.CreateAsync(SlowAbove150(target));
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Degraded);
        await Assert.That((await Received(setup.OptedIn, 1)).Count).IsEqualTo(1);

        target.Mode = ShiftingTarget.Failing;
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Down);
        target.Mode = ShiftingTarget.Fast;
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Up);

        // Both links have on_recovery (the default): each hears down and up; only the opted-in one heard degraded.
        var optedIn = await Received(setup.OptedIn, 3);
        var other = await Received(setup.Other, 2);
        await Assert.That(Events(optedIn)).IsEqualTo("monitor.degraded, monitor.down, monitor.up");
        await Assert.That(Events(other)).IsEqualTo("monitor.down, monitor.up");
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM outbox WHERE kind = 'degraded_ended'")).IsEqualTo(0L);
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM outbox")).IsEqualTo(5L);
    }

    [Test]
    public async Task The_end_goes_only_to_links_that_heard_the_spell_begin_and_each_later_spell_is_told_whole()
    {
        await using var target = await ShiftingTarget.StartAsync();
        await using var late = await Receiver.StartAsync();
        await using var setup = await Setup.StartAsync();
        await setup.CreateAsync(SlowAbove150(target));
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Degraded);
        await Assert.That((await Received(setup.OptedIn, 1)).Count).IsEqualTo(1);

        // Linked with on_degraded while the monitor is degraded: it never heard this spell begin.
        var lateId = (await setup.Api.CreateNotificationChannelAsync(ChannelBody.Webhook(late.Url("/hook")))).Value.Id;
        (await setup.Api.PostAsync($"/api/v1/monitors/{setup.Id}/notification-channels", $$"""{"channel_id":"{{lateId}}","on_degraded":true}"""))
            .Expect(HttpStatusCode.Created);
        target.Mode = ShiftingTarget.Fast;
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Up);
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM outbox WHERE kind = 'degraded_ended'")).IsEqualTo(1L);
        await Assert.That((await Received(setup.OptedIn, 2))[1].Json().GetProperty("event").GetString()).IsEqualTo("monitor.degraded_ended");

        // The next spell reaches both opted-in links, and so does its end; the plain link hears none of it.
        target.Mode = ShiftingTarget.Slow;
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Degraded);
        target.Mode = ShiftingTarget.Fast;
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Up);
        var optedIn = await Received(setup.OptedIn, 4);
        var heard = await Received(late, 2);
        await Assert.That(Events(optedIn)).IsEqualTo("monitor.degraded, monitor.degraded_ended, monitor.degraded, monitor.degraded_ended");
        await Assert.That(Events(heard)).IsEqualTo("monitor.degraded, monitor.degraded_ended");
        await Assert.That(setup.Other.Requests).IsEmpty();
        await Assert.That(setup.Server.Scalar<long>("SELECT count(*) FROM outbox")).IsEqualTo(6L);
    }

    [Test]
    public async Task A_tcp_monitor_with_tls_and_a_certificate_near_expiry_is_degraded()
    {
        using var ca = new TestCa();
        using var soon = ca.Issue(DateTimeOffset.UtcNow.AddDays(3));
        await using var target = await TlsTarget(soon);
        await using var setup = await Setup.StartAsync();
        await setup.CreateAsync(MonitorBody.Of("tcp").Interval(10).Timeout(5)
            .WithConfig("host", "127.0.0.1").WithConfig("port", target.BaseAddress.Port).WithConfig("tls", true).WithConfig("verify_tls", false));
        await setup.ChecksAsync(1);
        await Assert.That(setup.Status).IsEqualTo((long)MonitorStatus.Degraded);
        await Assert.That((await Received(setup.OptedIn, 1)).Count).IsEqualTo(1);

        // With the warning off, the same certificate is just up.
        (await setup.Api.UpdateMonitorAsync(setup.Id, MonitorBody.Change().WithConfig("type", "tcp").WithConfig("host", "127.0.0.1")
            .WithConfig("port", target.BaseAddress.Port).WithConfig("tls", true).WithConfig("verify_tls", false).WithConfig("tls_expiry_warn_days", 0)))
            .Expect(HttpStatusCode.OK);
        await setup.UntilAsync(() => setup.Status == (long)MonitorStatus.Up);
        await Assert.That(setup.Server.Scalar<long>($"SELECT consecutive_failures FROM monitors WHERE uid = '{setup.Id}'")).IsEqualTo(0L);
    }

    [Test]
    public async Task A_link_update_may_set_on_degraded_alone_and_keeps_on_recovery()
    {
        await using var setup = await Setup.StartAsync();
        var id = (await setup.Api.CreateMonitorAsync(MonitorBody.Http("http://127.0.0.1:9/").Paused())).Value.Id;
        var channel = (await setup.Api.CreateNotificationChannelAsync(ChannelBody.Webhook(setup.Other.Url("/hook")))).Value.Id;
        (await setup.Api.LinkMonitorChannelAsync(id, channel, onRecovery: false)).Expect(HttpStatusCode.Created);
        var updated = await setup.Api.PatchAsync($"/api/v1/monitors/{id}/notification-channels/{channel}", """{"on_degraded":true}""");
        await Assert.That(updated.Status).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(updated.Json.GetProperty("on_degraded").GetBoolean()).IsTrue();
        await Assert.That(updated.Json.GetProperty("on_recovery").GetBoolean()).IsFalse();
        var links = (await setup.Api.ListMonitorChannelsAsync(id)).Json;
        await Assert.That(links[0].GetProperty("on_degraded").GetBoolean()).IsTrue();
        var empty = await setup.Api.PatchAsync($"/api/v1/monitors/{id}/notification-channels/{channel}", "{}");
        await Assert.That(empty.Status).IsEqualTo(HttpStatusCode.BadRequest);
        await Assert.That(empty.HasErrorFor("on_recovery")).IsTrue();
    }
}
