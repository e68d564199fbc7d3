using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public sealed record HealthStatus(
    string Status,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

public static class HealthEndpoint
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth)
            .WithName("GetHealth")
            .WithSummary("Liveness: the database is writable and the scheduler ticks")
            .WithTags("Health");
        return app;
    }

    static Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>> GetHealth(HealthProbe probe)
    {
        var reason = probe.Check();
        return reason is null
            ? TypedResults.Ok(new HealthStatus("ok"))
            : TypedResults.Json(new HealthStatus("unavailable", reason), FlatlineJson.Default.HealthStatus, statusCode: 503);
    }
}

/// <summary>Answers /healthz. The database write test runs at most once a second, however often
/// the endpoint is polled.</summary>
public sealed class HealthProbe(Database database, SchedulerHeartbeat heartbeat, TimeProvider time, ILogger<HealthProbe> logger)
{
    readonly Lock gate = new();
    // Null until the first probe: "now - long.MinValue" would overflow and never probe at all.
    long? checkedAt;
    string? lastDatabaseProblem;

    public string? Check()
    {
        var now = Database.Now(time);
        string? databaseProblem;
        lock (gate)
        {
            if (checkedAt is not { } last || now - last >= 1000)
            {
                lastDatabaseProblem = ProbeDatabase(now);
                checkedAt = now;
            }
            databaseProblem = lastDatabaseProblem;
        }
        var problem = databaseProblem ?? heartbeat.Problem(now);
        if (problem is not null) ServerLog.Unhealthy(logger, problem);
        return problem;
    }

    string? ProbeDatabase(long now)
    {
        try
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO meta (key, value) VALUES ('healthz', $now) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
            command.Parameters.AddWithValue("$now", now.ToString(System.Globalization.CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
            transaction.Commit();
            return null;
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            return StorageErrors.Classify(e) switch
            {
                StorageFault.Full => "database: disk full",
                StorageFault.ReadOnly => "database: read-only",
                StorageFault.Unreachable => "database: read-only or unreachable (cannot open its files)",
                StorageFault.Locked => "database: locked",
                _ => $"database: not writable (SQLite error {e.SqliteErrorCode})",
            };
        }
        catch (IOException e)
        {
            return $"database: {e.Message}";
        }
    }
}
