using System.Diagnostics;
using System.Reflection;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;

namespace Flatline;

public sealed class StartupException(string message) : Exception(message);

/// <summary>The composition root: the command line, and the one web application that the CLI,
/// the tests and the benchmarks all build.</summary>
public static class FlatlineApp
{
    public static string Version { get; } = ReadVersion();

    public const string Help = """
        Flatline — a self-hosted uptime monitor in one executable.

        usage: flatline [serve] [-a|--address HOST:PORT]
               flatline token create --name NAME [--read-only]
               flatline token list
               flatline token revoke ID
               flatline backup FILE
               flatline location create NAME | list | delete ID|NAME
                                        agent locations; create prints the agent's token
               flatline agent --server URL --token TOKEN [--data FILE]
                                        run as a probe agent of the main node at URL
               flatline import PATH     take in a database of the original Flatline
               flatline apply FILE [--dry-run] [--prune] [--yes]
                                        make the database match a configuration file
               flatline export [FILE]   write the database as a configuration file
               flatline --version | --help

        Configuration comes from the environment, or a .env file in the working directory
        (the real environment wins): DATABASE_URL, FLATLINE_ADDRESS, PUBLIC_URL, OAUTH_ISSUER_URL,
        OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_REDIRECT_URL, OAUTH_TOKEN_AUTH, JWT_SECRET,
        MONITOR_CHECKS_RETENTION_DAYS, SWEEP_INTERVAL_SECONDS, LOG_LEVEL, METRICS_PUBLIC, CONNECTIVITY_CHECK,
        FLATLINE_CONFIG, LOCATION_OFFLINE_SECONDS, PUSH_RATE_LIMIT, PUSH_RATE_LIMIT_TOTAL,
        PUBLIC_RATE_LIMIT (requests/s per address on status pages and badges, default 50).
        See .env.example.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? address = null;
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help" or "help":
                    stdout.WriteLine(Help);
                    return 0;
                case "-V" or "--version" or "version":
                    stdout.WriteLine($"flatline {Version}");
                    return 0;
                case "-a" or "--address":
                    if (i + 1 >= args.Length) return Usage(stderr, $"{args[i]} needs HOST:PORT");
                    address = args[++i];
                    break;
                default:
                    if (args[i].StartsWith("--address=", StringComparison.Ordinal)) address = args[i][10..];
                    else positional.Add(args[i]);
                    break;
            }
        }

        var command = positional.Count > 0 ? positional[0] : "serve";
#if !FLATLINE_EMBEDDED_OPENAPI
        // Build step only: the published executable embeds the document this writes.
        if (command == "openapi" && positional.Count == 2) return await ApiDocs.WriteDocumentAsync(positional[1], stderr);
        if (command == "docs-bundle" && positional.Count == 2) return ApiDocs.WriteScalarBundle(positional[1]);
#endif
        if (command is not ("serve" or "token" or "backup" or "import" or "apply" or "export" or "location" or "agent")) return Usage(stderr, $"unknown command '{command}'");
        if (command == "serve" && positional.Count > 1) return Usage(stderr, $"unexpected argument '{positional[1]}'");

        var environment = DotEnv.Load(Directory.GetCurrentDirectory(), Environment.GetEnvironmentVariables());
        // An agent has no database or web host of its own: none of the server's settings apply.
        if (command == "agent") return await AgentCommand.RunAsync(positional[1..], environment, stdout, stderr);
        var settings = Settings.Parse(environment, address, out var errors);
        if (settings is null)
        {
            foreach (var error in errors) stderr.WriteLine($"error: {error}");
            return 2;
        }

        try
        {
            if (command == "serve")
                return ConfigCommands.ApplyAtStart(settings, environment, stdout, stderr) ? await ServeAsync(settings, stderr) : 2;
            if (command == "apply") return ConfigCommands.Apply(positional[1..], settings, environment, stdout, stderr);
            if (command == "export") return ConfigCommands.Export(positional[1..], settings, stdout, stderr);
            // Reads the source before it opens (or creates) the database, so a bad file changes nothing.
            if (command == "import") return ImportCommand.Run(positional[1..], settings, stdout, stderr);
            var database = OpenDatabase(settings);
            return command switch
            {
                "token" => TokenCommand.Run(positional[1..], new ApiTokenStore(database, TimeProvider.System), stdout, stderr),
                "location" => LocationCommand.Run(positional[1..], new LocationRegistry(database, TimeProvider.System), stdout, stderr),
                _ => BackupCommand.Run(positional[1..], database, stdout, stderr),
            };
        }
        catch (StartupException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    static async Task<int> ServeAsync(Settings settings, TextWriter stderr)
    {
        await using var app = Build(settings);
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            stderr.WriteLine($"error: cannot listen on {settings.Address}: {e.Message}");
            return 2;
        }
        // Start-up, a sign-in or a large dashboard leave megabytes of garbage that a quiet server would
        // otherwise keep for hours. Here and not in Build, because this process owns the heap (tests
        // host many servers in one).
        _ = IdleCollector.RunAsync(TimeProvider.System, app.Lifetime.ApplicationStopping);
        _ = StartupPages.PageOutAfterAsync(StartupPages.After, app.Lifetime.ApplicationStopping);
        await app.WaitForShutdownAsync();
        // Results the database refused until the end (a full disk) are lost: say so with the exit code.
        return app.Services.GetRequiredService<ProbeEngine>().Writer.Lost > 0 ? 1 : 0;
    }

    static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine("Run 'flatline --help' for usage.");
        return 2;
    }

    public static Database OpenDatabase(Settings settings)
    {
        var database = new Database(settings.DatabasePath);
        try
        {
            database.Initialize();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new StartupException($"DATABASE_URL: cannot open {database.Path}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StartupException($"DATABASE_URL: cannot open {database.Path}: {e.Message}");
        }
        catch (SchemaTooNewException e)
        {
            throw new StartupException($"DATABASE_URL: {e.Message}");
        }
        return database;
    }

    /// <param name="services">More registrations after Flatline's own: a test adds a channel type this way.</param>
    public static WebApplication Build(Settings settings, TimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        time ??= TimeProvider.System;
        var database = OpenDatabase(settings);

        // The empty builder: no appsettings files, file watchers or configuration binding, which
        // Flatline does not use (settings come from Settings.Parse) and which would add to the file.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new LineLogProvider());
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        if (settings.LogLevel > LogLevel.Debug) builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
            kestrel.Listen(settings.Address.Ip, settings.Address.Port);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.ConfigureHttpJsonOptions(o => FlatlineJson.Apply(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<FlatlineExceptionHandler>();

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton<UiAssets>();
        builder.Services.AddSingleton<HealthProbe>();
        builder.Services.AddAuth();
        builder.Services.AddMonitors();
        builder.Services.AddEngine();
        builder.Services.AddMetrics();
        builder.Services.AddPush();
        builder.Services.AddStats();
        builder.Services.AddNotifications();
        builder.Services.AddMaintenance();
        builder.Services.AddStatusPages();
        builder.Services.AddConnectivity(settings);
        builder.Services.AddLocations();
        builder.Services.AddApiDocs();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.UseStatusPageDomains();
        app.UseRouting();
        app.UseApiAuth();

        // Public: the docs, health, sign-in, status pages, badges, push and the UI's files (and /metrics with METRICS_PUBLIC). Everything under /api/v1 needs a caller.
        app.MapApiDocs();
        app.MapHealth();
        app.MapMetrics(settings);
        app.MapAuth();
        app.MapPublicStatusPages();
        app.MapBadges();
        if (settings.OAuth is not null) app.MapOidc();
        app.MapUi();
        // Public too, as their own groups: a push's token is its credential.
        app.MapPush();
        // An agent's token is its credential, for its location's routes only.
        app.MapAgents();
        var api = app.MapGroup("/api/v1").RequireCaller();
        api.MapApiTokens();
        api.MapMonitors();
        api.MapStats();
        api.MapNotificationChannels();
        api.MapMaintenance();
        api.MapTags();
        api.MapStatusPages();
        api.MapConnectivity();
        api.MapLocations();
        api.MapLocationStats();
        api.MapConfigFile();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var url = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? settings.Address.ToString();
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Flatline");
            ServerLog.Listening(log, Version, url, database.Path);
            // A thread of its own, not the pool's: the first requests must not wait for the windows.
            _ = Task.Factory.StartNew(() => AfterStart(app.Services.GetRequiredService<StatsCache>(), log, app.Lifetime.ApplicationStopping),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (settings.OAuth is not null) _ = app.Services.GetRequiredService<Oidc>().WarmUpAsync();
            else if (app.Services.GetRequiredService<LocalOwner>().NewSetupToken() is { } token)
            {
                // Printed whatever LOG_LEVEL says: it is the only way to create the owner.
                var root = settings.PublicUrl?.ToString().TrimEnd('/') ?? url.Replace("0.0.0.0", "localhost", StringComparison.Ordinal).Replace("[::]", "localhost", StringComparison.Ordinal);
                Console.Out.WriteLine($"Flatline setup: create the owner account at {root}/setup?token={token}");
                Console.Out.Flush();
            }
        });
        return app;
    }

    /// <summary>Loads the stats windows of every monitor after start, so the first request need not.</summary>
    static void AfterStart(StatsCache stats, ILogger log, CancellationToken stopping)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            stats.Warm(stopping);
            ServerLog.Warmed(log, stats.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            ServerLog.WarmFailed(log, e.Message);
        }
    }

    static string ReadVersion()
    {
        var informational = typeof(FlatlineApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+');
        return plus < 0 ? informational : informational[..plus];
    }
}
