using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

/// <summary>The agents' routes, their own group: the agent token is the only credential, it reaches its own
/// location's assignments and results and nothing else, it is compared in constant time, and each agent is
/// rate limited (a wrong token more so). Every request counts as the agent's contact.</summary>
public static class AgentEndpoints
{
    public const string VersionHeader = "Flatline-Agent-Version";
    /// <summary>The agent's clock (Unix ms) when it sent the request, for <see cref="LocationEntry.ObserveClock"/>.</summary>
    public const string TimeHeader = "Flatline-Agent-Time";
    public const int MaxBatch = 1000;
    static readonly TimeSpan CommitWait = TimeSpan.FromSeconds(10);
    // An agent's clock may be off, and a result may have waited a day in its buffer: nothing from before that, nor from the future.
    const long OldestMs = 25L * 3600 * 1000;

    public static IEndpointRouteBuilder MapAgents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/agent/v1").WithTags("Agents");
        group.MapGet("/assignments", Assignments).WithName("AgentAssignments")
            .WithSummary("An agent's monitors (agent token): answers at once when they changed since 'since', else waits up to wait_seconds (204 when nothing changed)");
        group.MapPost("/results", Results).WithName("AgentResults")
            .WithSummary("An agent's batch of results (agent token), answered once stored; a batch sent again is taken once");
        return app;
    }

    /// <summary>The calling agent's location, or the refusal to send: 401 for no or a wrong token (429 when
    /// wrong tokens come too fast), 429 when this agent asks too often.</summary>
    static ProblemHttpResult? Authenticate(HttpContext context, LocationRegistry locations, TimeProvider time, out LocationEntry entry)
    {
        entry = null!;
        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        if (locations.Authenticate(token) is not { } found)
        {
            if (!locations.AdmitUnknown()) return Limited(context);
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(statusCode: 401, title: "Unauthorized", detail: "send the location's agent token as 'Authorization: Bearer <token>'");
        }
        if (!found.Admit(time)) return Limited(context);
        var now = Database.Now(time);
        found.Seen(now, context.Request.Headers[VersionHeader].ToString() is { Length: > 0 } version ? version : null);
        if (long.TryParse(context.Request.Headers[TimeHeader].ToString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var agentTime))
            found.ObserveClock(now, agentTime);
        entry = found;
        return null;
    }

    static ProblemHttpResult Limited(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(statusCode: 429, title: "Too Many Requests", detail: "too many requests; slow down");
    }

    /// <param name="since">The revision the agent has; absent: answer at once.</param>
    static async Task<Results<Ok<AgentAssignments>, NoContent, ProblemHttpResult, ValidationProblem>> Assignments(long? since, HttpContext context,
        LocationRegistry locations, AgentFeed feed, Settings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Authenticate(context, locations, time, out var entry) is { } refused) return refused;
        // Well inside the offline delay, so that a waiting agent is never taken for a silent one.
        var wait = Math.Clamp(settings.LocationOfflineSeconds / 3, 1, 25);
        if (since is { } known && known == feed.Revision)
        {
            var changed = feed.Changed;
            if (known == feed.Revision)
            {
                try
                {
                    await changed.WaitAsync(TimeSpan.FromSeconds(wait), time, cancellationToken);
                }
                catch (TimeoutException)
                {
                    entry.Seen(Database.Now(time), null);
                    return TypedResults.NoContent();
                }
            }
        }
        var (revision, monitors, _) = feed.For(entry.Name);
        entry.Seen(Database.Now(time), null);
        return TypedResults.Ok(new AgentAssignments(revision, entry.Name, Database.Now(time), wait, monitors));
    }

    static async Task<Results<Ok<AgentBatchReceipt>, ProblemHttpResult, ValidationProblem>> Results(AgentBatch batch, HttpContext context,
        LocationRegistry locations, AgentFeed feed, ProbeEngine engine, Database database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Authenticate(context, locations, time, out var entry) is { } refused) return refused;
        if (batch.Instance is not { Length: >= 8 and <= 64 }) return Problems.Invalid("instance", "must be the agent's buffer id, 8-64 characters");
        if (batch.Results is null || batch.Results.Count > MaxBatch) return Problems.Invalid("results", $"must be a list of at most {MaxBatch} results");
        for (var i = 1; i < batch.Results.Count; i++)
            if (batch.Results[i].Seq <= batch.Results[i - 1].Seq) return Problems.Invalid("results", "must be in increasing seq order");

        var now = Database.Now(time);
        entry.ObserveClock(now, batch.SentAt);
        var offset = entry.ClockOffset;
        var (_, _, keys) = feed.For(entry.Name);
        BatchReceipt receipt;
        int accepted = 0, duplicates = 0, dropped = 0;
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Instance != batch.Instance)
            {
                // A new buffer file (the agent's first, or one made again): its numbers start over.
                using var connection = database.Open();
                using var reset = connection.CreateCommand();
                reset.CommandText = "UPDATE locations SET agent_instance = $instance, last_seq = 0 WHERE id = $id";
                reset.Parameters.AddWithValue("$instance", batch.Instance);
                reset.Parameters.AddWithValue("$id", entry.Id);
                reset.ExecuteNonQuery();
                (entry.Instance, entry.AcceptedSeq) = (batch.Instance, 0);
            }
            var fresh = batch.Results.Where(r => r.Seq > entry.AcceptedSeq).ToList();
            duplicates = batch.Results.Count - fresh.Count;
            receipt = new BatchReceipt(fresh.Count);
            foreach (var result in fresh)
            {
                // Only the location's own monitors: a token cannot write anywhere else.
                if (result.MonitorId is null || !keys.TryGetValue(result.MonitorId, out var key))
                {
                    dropped++;
                    receipt.Persisted();
                    continue;
                }
                var checkedAt = Math.Clamp(result.CheckedAt + offset, now - OldestMs, now);
                await engine.SubmitAsync(new ProbeResult(key, result.Revision, checkedAt, result.Outcome())
                {
                    Location = entry.Name,
                    LocationId = entry.Id,
                    Seq = result.Seq,
                    Receipt = receipt,
                }, cancellationToken);
                accepted++;
            }
            if (fresh.Count > 0) entry.AcceptedSeq = fresh[^1].Seq;
        }
        finally
        {
            entry.Gate.Release();
        }
        try
        {
            await receipt.Done.WaitAsync(CommitWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Taken, not yet stored (the disk refuses writes): the agent keeps them and sends them again, which is taken once.
            return TypedResults.Problem(statusCode: 503, title: "Service Unavailable", detail: "the results are not stored yet; send them again");
        }
        return TypedResults.Ok(new AgentBatchReceipt(accepted, duplicates, dropped));
    }
}
