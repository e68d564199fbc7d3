using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flatline;

/// <summary><c>flatline agent --server URL --token TOKEN [--data FILE]</c>: the same executable as a probe
/// agent (SPEC §16). It only ever connects out: it long-polls the main node for its monitors, checks them with
/// the main node's scheduler, probe pool and check types, keeps every result in its buffer file, and sends them
/// in order, in batches, until the main node has stored them. No web host, no main database: it stays small.</summary>
public sealed class AgentCommand
{
    public const string Usage = """
        usage: flatline agent --server URL --token TOKEN [--data FILE]
          --server URL   the main node, e.g. https://status.example.com
          --token TOKEN  the location's agent token (flatline location create NAME); or FLATLINE_AGENT_TOKEN
          --data FILE    the buffer of results not sent yet (default flatline-agent.db); or FLATLINE_AGENT_DATA
        """;

    const int BatchSize = 500;
    static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    readonly Uri server;
    readonly TextWriter log;
    readonly HttpClient http;
    readonly AgentSchedule schedule = new();
    readonly Lock stateGate = new();
    string state = "starting";
    long unreachableSince;
    string? location;

    AgentCommand(Uri server, string token, TextWriter log)
    {
        this.server = server;
        this.log = log;
        http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"Flatline-Agent/{FlatlineApp.Version}");
        http.DefaultRequestHeaders.Add(AgentEndpoints.VersionHeader, FlatlineApp.Version);
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, TextWriter stdout, TextWriter stderr)
    {
        string? serverText = null, token = environment.GetValueOrDefault("FLATLINE_AGENT_TOKEN"), data = environment.GetValueOrDefault("FLATLINE_AGENT_DATA");
        for (var i = 0; i < args.Count; i++)
        {
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (args[i])
            {
                case "--server": serverText = Value(); break;
                case "--token": token = Value(); break;
                case "--data": data = Value(); break;
                default: return Fail(stderr, $"unknown argument '{args[i]}'");
            }
        }
        if (serverText is null || !Uri.TryCreate(serverText.EndsWith('/') ? serverText : serverText + "/", UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
            return Fail(stderr, "--server must be the main node's http or https URL");
        if (string.IsNullOrWhiteSpace(token) || !LocationRegistry.LooksLikeAgentToken(token.Trim()))
            return Fail(stderr, "--token (or FLATLINE_AGENT_TOKEN) must be a location's agent token (fla_…)");

        var agent = new AgentCommand(server, token.Trim(), stderr);
        AgentBuffer buffer;
        try
        {
            buffer = AgentBuffer.Open(string.IsNullOrWhiteSpace(data) ? "flatline-agent.db" : data, TimeProvider.System, agent.schedule.IdOf);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot open the buffer file: {e.Message}");
            return 2;
        }
        return await agent.RunAsync(buffer);
    }

    static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine(Usage);
        return 2;
    }

    async Task<int> RunAsync(AgentBuffer buffer)
    {
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        using var checkTypes = CheckTypes.Create(TimeProvider.System);
        var scheduler = new Scheduler(schedule, checkTypes, new SchedulerHeartbeat(), TimeProvider.System, NullLogger<Scheduler>.Instance);
        using var engine = new ProbeEngine(scheduler, buffer, TimeProvider.System, new EngineMetrics());
        Write($"flatline agent {FlatlineApp.Version} for {server}; {buffer.Count} results wait in {buffer.Instance[..8]}'s buffer");
        await engine.StartAsync(CancellationToken.None);
        var pulling = PullAsync(scheduler, stop.Token);
        var sending = SendAsync(buffer, stop.Token);
        var collecting = IdleCollector.RunAsync(TimeProvider.System, stop.Token);
        // Once start-up is over (connected, monitors taken, their first checks run), the pages only it used go back.
        var paging = StartupPages.PageOutAfterAsync(StartupPages.After, stop.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        Write("stopping: finishing the checks in flight");
        await engine.StopAsync(CancellationToken.None);
        await Task.WhenAll(pulling, sending, collecting, paging);
        // One last try, so that a clean stop leaves nothing behind when the main node is there.
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            while (buffer.Count > 0 && await SendOnceAsync(buffer, last.Token)) { }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
        }
        Write(buffer.Count == 0 ? "stopped; nothing waits in the buffer" : $"stopped; {buffer.Count} results wait in the buffer for the next start");
        return buffer.Lost > 0 ? 1 : 0;
    }

    /// <summary>Long-polls the assignments: a change reaches the scheduler as soon as the main node answers.</summary>
    async Task PullAsync(Scheduler scheduler, CancellationToken stop)
    {
        long? revision = null;
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(TimeSpan.FromSeconds(40));
                var path = revision is { } known ? $"api/agent/v1/assignments?since={known}" : "api/agent/v1/assignments";
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add(AgentEndpoints.TimeHeader, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    Connected(null);
                    failures = 0;
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                {
                    await RefusedAsync(response, ++failures, stop);
                    continue;
                }
                await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
                var assignments = await JsonSerializer.DeserializeAsync(body, FlatlineJson.Default.AgentAssignments, timeout.Token);
                if (assignments is null) continue;
                failures = 0;
                location = assignments.Location;
                var changed = schedule.Update(assignments.Monitors);
                // The first assignments (at start, or a new agent's) begin on each monitor's phase, as a
                // restarted server's do; a change made while it runs is checked at once, as on the main node.
                foreach (var key in changed) scheduler.MonitorChanged(key, atOnce: revision is not null);
                var skew = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - assignments.ServerTime) / 1000;
                Connected(revision is null ? $"{assignments.Monitors.Count} monitors{(Math.Abs(skew) >= 2 ? $"; this clock is {skew} s off the server's (the server corrects it)" : "")}" : null);
                if (revision is not null && changed.Count > 0) Write($"assignments changed: {changed.Count} monitors, {schedule.Count} in all");
                revision = assignments.Revision;
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or IOException || (e is OperationCanceledException && !stop.IsCancellationRequested))
            {
                Unreachable(e);
                await Backoff(++failures, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sends the buffer in order, oldest first, one batch at a time; a batch is removed only once the main node answered that it stored it.</summary>
    async Task SendAsync(AgentBuffer buffer, CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await buffer.WaitAsync(TimeSpan.FromSeconds(1), stop);
                if (buffer.Count == 0) continue;
                if (await SendOnceAsync(buffer, stop)) failures = 0;
                else await Backoff(++failures, stop);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !stop.IsCancellationRequested))
            {
                Unreachable(e);
                await Backoff(++failures, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    async Task<bool> SendOnceAsync(AgentBuffer buffer, CancellationToken cancellationToken)
    {
        var results = buffer.Oldest(BatchSize);
        if (results.Count == 0) return true;
        var batch = new AgentBatch(buffer.Instance, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), results);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(batch, FlatlineJson.Default.AgentBatch));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync("api/agent/v1/results", content, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            await RefusedAsync(response, 1, CancellationToken.None, wait: false);
            return false;
        }
        var waited = buffer.Count;
        buffer.Remove(results[^1].Seq);
        Connected(null);
        if (waited > BatchSize) Write($"sent {results.Count} buffered results; {buffer.Count} still waiting");
        return true;
    }

    async Task RefusedAsync(HttpResponseMessage response, int failures, CancellationToken stop, bool wait = true)
    {
        var status = (int)response.StatusCode;
        SetState(status is 401 or 403 ? "refused" : "failing",
            status is 401 or 403 ? $"the main node refuses this agent's token ({status}): is the location deleted, or the token wrong?"
                : $"the main node answered {status}; retrying");
        if (wait) await Backoff(status is 401 or 403 ? 6 : failures, stop);
    }

    static async Task Backoff(int failures, CancellationToken stop)
    {
        var delay = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 8))));
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    void Connected(string? detail)
    {
        lock (stateGate)
        {
            if (state == "connected") return;
            var was = state;
            var since = unreachableSince;
            state = "connected";
            Write(was == "unreachable"
                ? $"reconnected to {server} after {(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - since) / 1000} s; sending what was buffered"
                : $"connected to {server} as location {location}{(detail is null ? "" : "; " + detail)}");
        }
    }

    void Unreachable(Exception e)
    {
        lock (stateGate)
        {
            if (state == "unreachable") return;
            state = "unreachable";
            unreachableSince = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Write($"the main node is unreachable ({Short(e)}); results are kept in the buffer until it is back");
        }
    }

    void SetState(string next, string message)
    {
        lock (stateGate)
        {
            if (state == next) return;
            state = next;
            Write(message);
        }
    }

    static string Short(Exception e) => e is OperationCanceledException ? "timed out" : (e.InnerException ?? e).Message;

    void Write(string message)
    {
        lock (log)
        {
            log.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} agent: {message}");
            log.Flush();
        }
    }
}
