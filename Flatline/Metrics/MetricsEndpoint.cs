namespace Flatline;

/// <summary><c>GET /metrics</c>: Prometheus text, or OpenMetrics when the scraper asks for it by
/// <c>Accept</c>. Per monitor: its state, last response time, checks since start, last check time,
/// certificate expiry and uptime windows; and Flatline's own figures. Needs a token or a session
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

    static readonly string[] Windows = ["24h", "7d", "30d", "90d"];

    static async Task Scrape(HttpContext context, Database database, StatsCache stats, EngineMetrics metrics, Scheduler scheduler,
        LiveHub live, ProbeEngine engine, TimeProvider time)
    {
        var openMetrics = context.Request.Headers.Accept.ToString().Contains("application/openmetrics-text", StringComparison.Ordinal);
        context.Response.ContentType = openMetrics ? Exposition.OpenMetricsContentType : Exposition.TextContentType;
        context.Response.Headers.CacheControl = "no-store";
        var cancel = context.RequestAborted;
        var output = new Exposition(context.Response.BodyWriter, openMetrics);

        var rows = ReadMonitors(database, out var outboxPending);
        var keys = new HashSet<long>(rows.Count);
        foreach (var row in rows) keys.Add(row.Key);
        metrics.Retain(keys);

        await MonitorFamiliesAsync(output, rows, stats, metrics, cancel);
        OwnFigures(output, metrics, scheduler, live, engine, outboxPending, rows.Count, time);
        output.End();
        await output.FlushAsync(cancel);
    }

    sealed record MonitorRow(long Key, string Id, string Name, string Type, bool Enabled, MonitorStatus Status,
        long? LastCheckedAt, long? TlsExpiresAt, long? LastLatencyUs);

    static List<MonitorRow> ReadMonitors(Database database, out long outboxPending)
    {
        var rows = new List<MonitorRow>();
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        using (var command = Sql.Prepare(connection, transaction, """
            SELECT m.id, m.uid, m.name, coalesce(json_extract(m.config, '$.type'), ''), m.enabled, m.status,
                   m.last_checked_at, m.tls_expires_at,
                   (SELECT c.latency_us FROM checks c WHERE c.monitor_id = m.id ORDER BY c.checked_at DESC LIMIT 1)
            FROM monitors m ORDER BY m.id
            """))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
                rows.Add(new MonitorRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.GetBoolean(4), (MonitorStatus)reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7),
                    reader.IsDBNull(8) ? null : reader.GetInt64(8)));
        }
        using (var command = Sql.Prepare(connection, transaction, "SELECT count(*) FROM outbox WHERE state = 'pending'"))
            outboxPending = (long)command.ExecuteScalar()!;
        transaction.Commit();
        return rows;
    }

    // Each family's samples together, as both formats require.
    static async Task MonitorFamiliesAsync(Exposition output, List<MonitorRow> rows, StatsCache stats, EngineMetrics metrics, CancellationToken cancel)
    {
        async ValueTask Each(Action<MonitorRow> write)
        {
            foreach (var row in rows)
            {
                write(row);
                if (output.ShouldFlush) await output.FlushAsync(cancel);
            }
        }

        output.Family("flatline_monitor_info", MetricType.Info, "A monitor's name and check type (value always 1)");
        await Each(r => output.Sample("flatline_monitor_info", ["monitor_id", r.Id, "monitor", r.Name, "type", r.Type], 1));

        output.Family("flatline_monitor_enabled", MetricType.Gauge, "1 when the monitor is checked, 0 when paused");
        await Each(r => output.Sample("flatline_monitor_enabled", ["monitor_id", r.Id, "monitor", r.Name], r.Enabled ? 1 : 0));

        static bool Known(MonitorRow r) => r.Enabled && r.Status is MonitorStatus.Up or MonitorStatus.Down or MonitorStatus.Degraded;
        output.Family("flatline_monitor_up", MetricType.Gauge, "1 when the monitor is up (degraded included), 0 when down; absent while unknown or paused");
        await Each(r =>
        {
            if (Known(r)) output.Sample("flatline_monitor_up", ["monitor_id", r.Id, "monitor", r.Name], r.Status == MonitorStatus.Down ? 0 : 1);
        });

        output.Family("flatline_monitor_degraded", MetricType.Gauge, "1 when the monitor is degraded (slow, or a certificate near expiry), else 0; absent while unknown or paused");
        await Each(r =>
        {
            if (Known(r)) output.Sample("flatline_monitor_degraded", ["monitor_id", r.Id, "monitor", r.Name], r.Status == MonitorStatus.Degraded ? 1 : 0);
        });

        output.Family("flatline_monitor_response_time_seconds", MetricType.Gauge, "Response time of the monitor's last check that got an answer", "seconds");
        await Each(r =>
        {
            if (r.LastLatencyUs is { } us) output.Sample("flatline_monitor_response_time_seconds", ["monitor_id", r.Id, "monitor", r.Name], us / 1e6);
        });

        output.Family("flatline_monitor_last_check_timestamp_seconds", MetricType.Gauge, "When the monitor was last checked, in Unix seconds", "seconds");
        await Each(r =>
        {
            if (r.LastCheckedAt is { } ms) output.Sample("flatline_monitor_last_check_timestamp_seconds", ["monitor_id", r.Id, "monitor", r.Name], ms / 1e3);
        });

        output.Family("flatline_monitor_checks_total", MetricType.Counter, "Checks of the monitor stored since Flatline started, by result");
        await Each(r =>
        {
            var (checks, failures) = metrics.Of(r.Key);
            output.Sample("flatline_monitor_checks_total", ["monitor_id", r.Id, "monitor", r.Name, "result", "success"], checks - failures);
            output.Sample("flatline_monitor_checks_total", ["monitor_id", r.Id, "monitor", r.Name, "result", "failure"], failures);
        });

        output.Family("flatline_monitor_certificate_expiry_timestamp_seconds", MetricType.Gauge,
            "When the TLS certificate the monitor last saw expires, in Unix seconds", "seconds");
        await Each(r =>
        {
            if (r.TlsExpiresAt is { } ms)
                output.Sample("flatline_monitor_certificate_expiry_timestamp_seconds", ["monitor_id", r.Id, "monitor", r.Name], ms / 1e3);
        });

        output.Family("flatline_monitor_uptime_ratio", MetricType.Gauge, "Time-based uptime of the monitor over a window (0 to 1); absent when it was never enabled in it", "ratio");
        await Each(r =>
        {
            if (stats.Get(r.Key, r.Id) is not { } s) return;
            var w = s.Windows;
            ReadOnlySpan<double?> values = [w.Last24Hours.Uptime, w.Last7Days.Uptime, w.Last30Days.Uptime, w.Last90Days.Uptime];
            for (var i = 0; i < Windows.Length; i++)
                if (values[i] is { } uptime) output.Sample("flatline_monitor_uptime_ratio", ["monitor_id", r.Id, "monitor", r.Name, "window", Windows[i]], uptime);
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

        output.Family("process_resident_memory_bytes", MetricType.Gauge, "Resident memory size in bytes", "bytes");
        output.Sample("process_resident_memory_bytes", Environment.WorkingSet);
        output.Family("process_cpu_seconds_total", MetricType.Counter, "User and system CPU time spent in seconds", "seconds");
        output.Sample("process_cpu_seconds_total", Environment.CpuUsage.TotalTime.TotalSeconds);
        output.Family("process_start_time_seconds", MetricType.Gauge, "Start time of the process since the Unix epoch in seconds", "seconds");
        output.Sample("process_start_time_seconds", metrics.StartedAt.ToUnixTimeMilliseconds() / 1e3);
    }
}
