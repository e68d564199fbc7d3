using System.Buffers;

namespace Flatline;

/// <summary><c>GET /metrics</c>: Prometheus text, or OpenMetrics when the scraper asks for it by
/// <c>Accept</c>. Per monitor: its state, last response time, checks since start, last check time,
/// certificate expiry and uptime windows; per location of a monitor checked from several, its state, last
/// response time, checks and last check time (<see cref="LocationFamilies"/>); and Flatline's own figures,
/// each agent location's contact among them. Needs a token or a session
/// unless <c>METRICS_PUBLIC=true</c>.</summary>
/// <remarks>One read of the monitors table (with each monitor's last check by its primary key), the
/// stats cache's windows and the engine's counters; written straight into the response. Series carry
/// <c>monitor_id</c> (stable) and <c>monitor</c> (the name, for reading); the type is on
/// <c>flatline_monitor_info</c>. Nothing of a monitor's configuration (URLs, headers) is exported.</remarks>
public static class MetricsEndpoint
{
    public static IServiceCollection AddMetrics(this IServiceCollection services)
    {
        services.AddSingleton<EngineMetrics>();
        services.AddSingleton<MonitorLabels>();
        services.AddSingleton<IMonitorChangeListener>(sp => sp.GetRequiredService<MonitorLabels>());
        services.AddSingleton<ICommitListener>(sp => sp.GetRequiredService<EngineMetrics>());
        return services;
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app, Settings settings)
    {
        var route = app.MapGet("/metrics", Scrape).WithName("GetMetrics")
            .WithSummary("Prometheus/OpenMetrics exposition of every monitor and of Flatline itself")
            .Produces(200, contentType: Exposition.TextContentType);
        if (!settings.MetricsPublic) route.RequireCaller();
        return app;
    }

    static readonly byte[][] WindowLabels = [.. new[] { "24h", "7d", "30d", "90d" }.Select(w => Exposition.Labels(["window", w]))];
    static readonly string[] Generations = ["0", "1", "2"];
    static readonly byte[] Success = Exposition.Labels(["result", "success"]), Failure = Exposition.Labels(["result", "failure"]);

    static async Task Scrape(HttpContext context, Database database, StatsCache stats, EngineMetrics metrics, Scheduler scheduler,
        LiveHub live, ProbeEngine engine, MonitorLabels labels, LocationRegistry locations, TimeProvider time)
    {
        var openMetrics = context.Request.Headers.Accept.ToString().Contains("application/openmetrics-text", StringComparison.Ordinal);
        context.Response.ContentType = openMetrics ? Exposition.OpenMetricsContentType : Exposition.TextContentType;
        context.Response.Headers.CacheControl = "no-store";
        var cancel = context.RequestAborted;
        var output = new Exposition(context.Response.BodyWriter, openMetrics);

        // The rows, their keys and their uptimes in pooled arrays, and no object per monitor: a scrape allocated
        // ~6 MB for ten thousand monitors before, and a collection that fell into a scrape paused it 30-70 ms.
        var (rows, count) = ReadMonitors(database, labels, metrics, out var locationRows, out var outboxPending);
        var uptimes = ArrayPool<double>.Shared.Rent(count * 4);
        var monitorKeys = ArrayPool<long>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++) monitorKeys[i] = rows[i].Key;
            // Sorted, as the rows are read by id.
            var keys = monitorKeys.AsSpan(0, count);
            metrics.Retain(keys);
            labels.Retain(keys);
            // Every monitor's uptimes in one pass over the stats cache, with one clock reading.
            stats.Uptimes(keys, uptimes);
            await MonitorFamiliesAsync(output, new ArraySegment<MonitorRow>(rows, 0, count), uptimes, cancel);
            await LocationFamilies.WriteAsync(output, locationRows, cancel);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(monitorKeys);
            ArrayPool<double>.Shared.Return(uptimes);
            // The rows hold each monitor's labels: cleared, so the pool keeps no monitor alive.
            ArrayPool<MonitorRow>.Shared.Return(rows, clearArray: true);
        }
        OwnFigures(output, metrics, scheduler, live, engine, outboxPending, count, time);
        LocationFamilies.Agents(output, locations);
        output.End();
        await output.FlushAsync(cancel);
    }

    // The engine's counters are read with the row, once per monitor: a scrape is one snapshot of them.
    readonly record struct MonitorRow(long Key, MonitorLabels.Set Labels, bool Enabled, MonitorStatus Status,
        long? LastCheckedAt, long? TlsExpiresAt, long Checks, long Failures, long? LastLatencyUs);

    // As many rows as the last scrape had, to begin with.
    static int lastCount = 256;

    static (MonitorRow[] Rows, int Count) ReadMonitors(Database database, MonitorLabels labels, EngineMetrics metrics,
        out List<LocationFamilies.Row> locationRows, out long outboxPending)
    {
        var rows = ArrayPool<MonitorRow>.Shared.Rent(lastCount);
        var count = 0;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        // The scan of every monitor calls SQLite directly, five columns a row, each read once: through
        // SqliteDataReader every value was a type check and a read, twice the calls into SQLite, and this
        // loop was a third of a scrape of ten thousand monitors. It runs inside the transaction.
        using (var scan = RawStatement.Prepare(connection, """
            SELECT id, updated_at, (enabled <> 0) * 8 + status, coalesce(last_checked_at, -1), coalesce(tls_expires_at, -1) FROM monitors ORDER BY id
            """))
        using (var names = Sql.Prepare(connection, transaction,
            "SELECT uid, name, coalesce(json_extract(config, '$.type'), '') FROM monitors WHERE id = $id", "$id"))
        using (var latency = Sql.Prepare(connection, transaction,
            "SELECT latency_us FROM checks WHERE monitor_id = $id ORDER BY checked_at DESC LIMIT 1", "$id"))
        {
            while (scan.Step())
            {
                var key = scan.Int64(0);
                var updatedAt = scan.Int64(1);
                // The labels are read and encoded again only when the monitor was changed since (every
                // change of its name or type sets updated_at): ids and names are not read on every scrape.
                if (!labels.TryGet(key, updatedAt, out var set))
                {
                    names.Parameters[0].Value = key;
                    using var found = names.ExecuteReader();
                    found.Read();
                    set = labels.Put(key, updatedAt, found.GetString(0), found.GetString(1), found.GetString(2));
                }
                var flags = scan.Int64(2);
                var lastCheckedAt = scan.Int64(3) is var checkedAt and >= 0 ? checkedAt : (long?)null;
                var tlsExpiresAt = scan.Int64(4) is var expires and >= 0 ? expires : (long?)null;
                // Not checked since start: its last response time is the database's, read once.
                var counters = metrics.Of(key);
                if (lastCheckedAt is not null && !counters.LatencyKnown)
                {
                    latency.Parameters[0].Value = key;
                    counters = metrics.Seed(key, latency.ExecuteScalar() is long us ? us : null);
                }
                if (count == rows.Length)
                {
                    var larger = ArrayPool<MonitorRow>.Shared.Rent(rows.Length * 2);
                    rows.AsSpan().CopyTo(larger);
                    ArrayPool<MonitorRow>.Shared.Return(rows, clearArray: true);
                    rows = larger;
                }
                rows[count++] = new MonitorRow(key, set, flags >= 8, (MonitorStatus)(flags & 7),
                    lastCheckedAt, tlsExpiresAt, counters.Checks, counters.Failures, counters.LastLatencyUs);
            }
        }
        lastCount = Math.Max(count, 16);
        // A monitor's labels by its key, for its per-location rows (looked up only when there are some).
        Dictionary<long, MonitorLabels.Set>? byKey = null;
        var read = rows;
        locationRows = LocationFamilies.Read(connection, transaction,
            key => (byKey ??= read.Take(count).ToDictionary(r => r.Key, r => r.Labels)).GetValueOrDefault(key), metrics);
        using (var command = Sql.Prepare(connection, transaction, "SELECT count(*) FROM outbox WHERE state = 'pending'"))
            outboxPending = (long)command.ExecuteScalar()!;
        transaction.Commit();
        return (rows, count);
    }

    // Each family's samples together, as both formats require.
    static async Task MonitorFamiliesAsync(Exposition output, ArraySegment<MonitorRow> rows, double[] uptimes, CancellationToken cancel)
    {
        ValueTask Each(Action<MonitorRow, int> write) => output.EachAsync(rows, write, cancel);

        output.Family("flatline_monitor_info", MetricType.Info, "A monitor's name and check type (value always 1)");
        await Each((r, _) => output.Sample("flatline_monitor_info"u8, r.Labels.Monitor, r.Labels.Type, 1));

        output.Family("flatline_monitor_enabled", MetricType.Gauge, "1 when the monitor is checked, 0 when paused");
        await Each((r, _) => output.Sample("flatline_monitor_enabled"u8, r.Labels.Monitor, [], r.Enabled ? 1 : 0));

        static bool Known(MonitorRow r) => r.Enabled && r.Status is MonitorStatus.Up or MonitorStatus.Down or MonitorStatus.Degraded;
        output.Family("flatline_monitor_up", MetricType.Gauge, "1 when the monitor is up (degraded included), 0 when down; absent while unknown or paused");
        await Each((r, _) =>
        {
            if (Known(r)) output.Sample("flatline_monitor_up"u8, r.Labels.Monitor, [], r.Status == MonitorStatus.Down ? 0 : 1);
        });

        output.Family("flatline_monitor_degraded", MetricType.Gauge, "1 when the monitor is degraded (slow, or a certificate near expiry), else 0; absent while unknown or paused");
        await Each((r, _) =>
        {
            if (Known(r)) output.Sample("flatline_monitor_degraded"u8, r.Labels.Monitor, [], r.Status == MonitorStatus.Degraded ? 1 : 0);
        });

        output.Family("flatline_monitor_response_time_seconds", MetricType.Gauge, "Response time of the monitor's last check that got an answer", "seconds");
        await Each((r, _) =>
        {
            if (r.LastLatencyUs is { } us) output.Sample("flatline_monitor_response_time_seconds"u8, r.Labels.Monitor, [], us, 1_000_000);
        });

        output.Family("flatline_monitor_last_check_timestamp_seconds", MetricType.Gauge, "When the monitor was last checked, in Unix seconds", "seconds");
        await Each((r, _) =>
        {
            if (r.LastCheckedAt is { } ms) output.Sample("flatline_monitor_last_check_timestamp_seconds"u8, r.Labels.Monitor, [], ms, 1000);
        });

        output.Family("flatline_monitor_checks_total", MetricType.Counter, "Checks of the monitor stored since Flatline started, by result");
        await Each((r, _) =>
        {
            output.Sample("flatline_monitor_checks_total"u8, r.Labels.Monitor, Success, r.Checks - r.Failures);
            output.Sample("flatline_monitor_checks_total"u8, r.Labels.Monitor, Failure, r.Failures);
        });

        output.Family("flatline_monitor_certificate_expiry_timestamp_seconds", MetricType.Gauge,
            "When the TLS certificate the monitor last saw expires, in Unix seconds", "seconds");
        await Each((r, _) =>
        {
            if (r.TlsExpiresAt is { } ms)
                output.Sample("flatline_monitor_certificate_expiry_timestamp_seconds"u8, r.Labels.Monitor, [], ms, 1000);
        });

        output.Family("flatline_monitor_uptime_ratio", MetricType.Gauge, "Time-based uptime of the monitor over a window (0 to 1); absent when it was never enabled in it", "ratio");
        await Each((r, at) =>
        {
            for (var i = 0; i < WindowLabels.Length; i++)
                if (uptimes[at * 4 + i] is var uptime && !double.IsNaN(uptime))
                    output.Sample("flatline_monitor_uptime_ratio"u8, r.Labels.Monitor, WindowLabels[i], uptime);
        });
    }

    static void OwnFigures(Exposition output, EngineMetrics metrics, Scheduler scheduler, LiveHub live, ProbeEngine engine,
        long outboxPending, int monitors, TimeProvider time)
    {
        output.Family("flatline_build_info", MetricType.Info, "Flatline's version (value always 1)");
        output.Sample("flatline_build_info", ["version", FlatlineApp.Version], 1);

        output.Family("flatline_monitors", MetricType.Gauge, "Monitors configured");
        output.Sample("flatline_monitors", monitors);
        output.Family("flatline_scheduled_monitors", MetricType.Gauge, "Monitors the scheduler is checking");
        output.Sample("flatline_scheduled_monitors", scheduler.Count);

        output.Family("flatline_checks_total", MetricType.Counter, "Checks stored since Flatline started, by result (rate() of it is checks per second)");
        output.Sample("flatline_checks_total", ["result", "success"], metrics.Checks - metrics.Failures);
        output.Sample("flatline_checks_total", ["result", "failure"], metrics.Failures);

        output.Family("flatline_schedule_lag_seconds", MetricType.Histogram, "How late each check started after its due time", "seconds");
        var (lag, lagSum) = metrics.ScheduleLag.Read();
        output.Histogram("flatline_schedule_lag_seconds", EngineMetrics.Buckets, lag, lagSum);

        output.Family("flatline_writer_batch_duration_seconds", MetricType.Histogram, "Time to store one batch of results in one transaction", "seconds");
        var (batch, batchSum) = metrics.WriterBatch.Read();
        output.Histogram("flatline_writer_batch_duration_seconds", EngineMetrics.Buckets, batch, batchSum);

        output.Family("flatline_results_lost_total", MetricType.Counter, "Results dropped at shutdown because the database refused every write");
        output.Sample("flatline_results_lost_total", engine.Writer.Lost);

        output.Family("flatline_outbox_pending", MetricType.Gauge, "Notifications waiting for delivery or a retry");
        output.Sample("flatline_outbox_pending", outboxPending);

        output.Family("flatline_sse_clients", MetricType.Gauge, "Clients connected to the live event stream");
        output.Sample("flatline_sse_clients", live.Clients);

        output.Family("flatline_gc_collections_total", MetricType.Counter, "Garbage collections since start, by the oldest generation collected");
        for (var generation = 0; generation <= 2; generation++)
            output.Sample("flatline_gc_collections_total", ["generation", Generations[generation]],
                GC.CollectionCount(generation) - (generation < 2 ? GC.CollectionCount(generation + 1) : 0));
        output.Family("flatline_gc_pause_seconds_total", MetricType.Counter, "Time all threads were paused for garbage collection since start", "seconds");
        output.Sample("flatline_gc_pause_seconds_total", GC.GetTotalPauseDuration().TotalSeconds);
        output.Family("flatline_gc_heap_bytes", MetricType.Gauge, "Bytes the managed heap holds now, garbage not yet collected included", "bytes");
        output.Sample("flatline_gc_heap_bytes", GC.GetTotalMemory(forceFullCollection: false));

        output.Family("process_resident_memory_bytes", MetricType.Gauge, "Resident memory size in bytes", "bytes");
        output.Sample("process_resident_memory_bytes", Environment.WorkingSet);
        output.Family("process_cpu_seconds_total", MetricType.Counter, "User and system CPU time spent in seconds", "seconds");
        output.Sample("process_cpu_seconds_total", Environment.CpuUsage.TotalTime.TotalSeconds);
        output.Family("process_start_time_seconds", MetricType.Gauge, "Start time of the process since the Unix epoch in seconds", "seconds");
        output.Sample("process_start_time_seconds", metrics.StartedAt.ToUnixTimeMilliseconds() / 1e3);
    }
}
