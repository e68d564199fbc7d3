namespace Flatline.Tests.Foundation;

public class SettingsTests
{
    static Settings? Parse(out List<string> errors, string? address = null, params (string Key, string Value)[] values) =>
        Settings.Parse(values.ToDictionary(v => v.Key, v => v.Value), address, out errors);

    [Test]
    public async Task No_configuration_at_all_gives_the_documented_defaults()
    {
        var settings = Parse(out var errors);
        await Assert.That(errors.Count).IsEqualTo(0);
        await Assert.That(settings!.DatabasePath).IsEqualTo("flatline.db");
        await Assert.That(settings.Address.ToString()).IsEqualTo("0.0.0.0:3000");
        await Assert.That(settings.PublicUrl).IsNull();
        await Assert.That(settings.OAuth).IsNull();
        await Assert.That(settings.JwtSecret).IsNull();
        await Assert.That(settings.RetentionDays).IsEqualTo(90);
        await Assert.That(settings.SweepIntervalSeconds).IsEqualTo(60);
        await Assert.That(settings.LogLevel).IsEqualTo(LogLevel.Information);
    }

    [Test]
    public async Task Every_variable_is_read()
    {
        var settings = Parse(out var errors, null,
            ("DATABASE_URL", "sqlite:///var/lib/flatline/db.sqlite?mode=rwc"),
            ("FLATLINE_ADDRESS", "127.0.0.1:8080"),
            ("PUBLIC_URL", "https://status.example.com"),
            ("OAUTH_ISSUER_URL", "https://id.example.com"),
            ("OAUTH_CLIENT_ID", "flatline"),
            ("OAUTH_CLIENT_SECRET", "s3cret"),
            ("OAUTH_REDIRECT_URL", "https://status.example.com/auth/callback"),
            ("OAUTH_TOKEN_AUTH", "post"),
            ("JWT_SECRET", new string('k', 32)),
            ("MONITOR_CHECKS_RETENTION_DAYS", "30"),
            ("SWEEP_INTERVAL_SECONDS", "15"),
            ("LOG_LEVEL", "debug"));
        await Assert.That(errors.Count).IsEqualTo(0);
        await Assert.That(settings!.DatabasePath).IsEqualTo("/var/lib/flatline/db.sqlite");
        await Assert.That(settings.Address.ToString()).IsEqualTo("127.0.0.1:8080");
        await Assert.That(settings.PublicUrl!.ToString()).IsEqualTo("https://status.example.com/");
        await Assert.That(settings.OAuth!.ClientId).IsEqualTo("flatline");
        await Assert.That(settings.OAuth.RedirectUrl.ToString()).IsEqualTo("https://status.example.com/auth/callback");
        await Assert.That(settings.OAuth.TokenAuth).IsEqualTo(TokenEndpointAuth.Post);
        await Assert.That(settings.JwtSecret!.Length).IsEqualTo(32);
        await Assert.That(settings.RetentionDays).IsEqualTo(30);
        await Assert.That(settings.SweepIntervalSeconds).IsEqualTo(15);
        await Assert.That(settings.LogLevel).IsEqualTo(LogLevel.Debug);
    }

    [Test]
    [Arguments("sqlite:data/f.db", "data/f.db")]
    [Arguments("sqlite://data/f.db", "data/f.db")]
    [Arguments("/srv/f.db", "/srv/f.db")]
    [Arguments("sqlite:f.db?mode=rwc", "f.db")]
    public async Task Database_url_forms_name_the_file(string url, string path)
    {
        var settings = Parse(out _, null, ("DATABASE_URL", url));
        await Assert.That(settings!.DatabasePath).IsEqualTo(path);
    }

    [Test]
    public async Task The_push_rate_limits_default_to_5_per_monitor_and_1000_in_all_and_are_read_and_checked()
    {
        var defaults = Parse(out _);
        await Assert.That((defaults!.PushRateLimit, defaults.PushRateLimitTotal)).IsEqualTo((5, 1000));
        await Assert.That(PushLimits.From(defaults)).IsEqualTo(new PushLimits());
        var raised = Parse(out var errors, null, ("PUSH_RATE_LIMIT", "500"), ("PUSH_RATE_LIMIT_TOTAL", "20000"));
        await Assert.That(errors).IsEmpty();
        await Assert.That(PushLimits.From(raised!)).IsEqualTo(new PushLimits(2000, 500, 40000, 20000));

        foreach (var (name, value, message) in new[]
        {
            ("PUSH_RATE_LIMIT", "0", "PUSH_RATE_LIMIT must be a whole number from 1 to 100000 (got \"0\")"),
            ("PUSH_RATE_LIMIT", "5.5", "PUSH_RATE_LIMIT must be a whole number from 1 to 100000 (got \"5.5\")"),
            ("PUSH_RATE_LIMIT_TOTAL", "2000000", "PUSH_RATE_LIMIT_TOTAL must be a whole number from 1 to 1000000 (got \"2000000\")"),
            ("PUSH_RATE_LIMIT_TOTAL", "3", "PUSH_RATE_LIMIT_TOTAL (3) must be at least PUSH_RATE_LIMIT (5): the total caps all monitors together"),
        })
        {
            await Assert.That(Parse(out var problems, null, (name, value))).IsNull();
            await Assert.That(problems).IsEquivalentTo(new[] { message });
        }
    }

    [Test]
    public async Task The_address_flag_wins_over_the_environment()
    {
        var settings = Parse(out _, "[::1]:4000", ("FLATLINE_ADDRESS", "127.0.0.1:8080"));
        await Assert.That(settings!.Address.ToString()).IsEqualTo("[::1]:4000");
    }

    [Test]
    public async Task The_redirect_url_defaults_from_the_public_url()
    {
        var settings = Parse(out var errors, null,
            ("PUBLIC_URL", "https://status.example.com/flatline/"),
            ("OAUTH_ISSUER_URL", "https://id.example.com"), ("OAUTH_CLIENT_ID", "c"), ("OAUTH_CLIENT_SECRET", "s"));
        await Assert.That(errors.Count).IsEqualTo(0);
        await Assert.That(settings!.OAuth!.RedirectUrl.ToString()).IsEqualTo("https://status.example.com/flatline/auth/callback");
        // The token endpoint's client authentication follows the provider's discovery unless forced.
        await Assert.That(settings.OAuth.TokenAuth).IsEqualTo(TokenEndpointAuth.Auto);
    }

    [Test]
    [Arguments("basic", TokenEndpointAuth.Basic)]
    [Arguments("client_secret_basic", TokenEndpointAuth.Basic)]
    [Arguments("POST", TokenEndpointAuth.Post)]
    [Arguments("auto", TokenEndpointAuth.Auto)]
    public async Task OAUTH_TOKEN_AUTH_forces_the_client_authentication(string value, TokenEndpointAuth expected)
    {
        var settings = Parse(out var errors, null,
            ("OAUTH_ISSUER_URL", "https://id.example.com"), ("OAUTH_CLIENT_ID", "c"), ("OAUTH_CLIENT_SECRET", "s"),
            ("OAUTH_REDIRECT_URL", "https://status.example.com/auth/callback"), ("OAUTH_TOKEN_AUTH", value));
        await Assert.That(errors.Count).IsEqualTo(0);
        await Assert.That(settings!.OAuth!.TokenAuth).IsEqualTo(expected);
    }

    [Test]
    [Arguments("JWT_SECRET", "too-short", "JWT_SECRET must be at least 32 bytes")]
    [Arguments("DATABASE_URL", "postgres://localhost/flatline", "DATABASE_URL must be sqlite:PATH")]
    [Arguments("DATABASE_URL", "sqlite::memory:", "DATABASE_URL must name a database file")]
    [Arguments("FLATLINE_ADDRESS", "localhost", "FLATLINE_ADDRESS must be HOST:PORT")]
    [Arguments("FLATLINE_ADDRESS", "127.0.0.1:70000", "FLATLINE_ADDRESS must be HOST:PORT")]
    [Arguments("PUBLIC_URL", "status.example.com", "PUBLIC_URL must be an absolute http or https URL")]
    [Arguments("MONITOR_CHECKS_RETENTION_DAYS", "0", "MONITOR_CHECKS_RETENTION_DAYS must be a whole number from 1 to 3650")]
    [Arguments("MONITOR_CHECKS_RETENTION_DAYS", "ninety", "MONITOR_CHECKS_RETENTION_DAYS must be a whole number")]
    [Arguments("SWEEP_INTERVAL_SECONDS", "-5", "SWEEP_INTERVAL_SECONDS must be a whole number from 1 to 86400")]
    [Arguments("LOG_LEVEL", "loud", "LOG_LEVEL must be one of")]
    [Arguments("OAUTH_TOKEN_AUTH", "private_key_jwt", "OAUTH_TOKEN_AUTH must be basic, post or auto (got \"private_key_jwt\")")]
    public async Task A_bad_value_gives_one_line_naming_the_variable(string key, string value, string expected)
    {
        var settings = Parse(out var errors, null, (key, value));
        await Assert.That(settings).IsNull();
        await Assert.That(errors.Count).IsEqualTo(1);
        await Assert.That(errors[0]).StartsWith(expected);
    }

    [Test]
    public async Task A_partial_oauth_configuration_names_each_missing_variable()
    {
        var settings = Parse(out var errors, null, ("OAUTH_ISSUER_URL", "https://id.example.com"));
        await Assert.That(settings).IsNull();
        await Assert.That(errors.Count).IsEqualTo(3);
        await Assert.That(errors[0]).StartsWith("OAUTH_CLIENT_ID must be set");
        await Assert.That(errors[1]).StartsWith("OAUTH_CLIENT_SECRET must be set");
        await Assert.That(errors[2]).StartsWith("OAUTH_REDIRECT_URL must be set");
    }

    [Test]
    public async Task Several_problems_are_all_reported()
    {
        var settings = Parse(out var errors, null, ("JWT_SECRET", "x"), ("LOG_LEVEL", "?"), ("SWEEP_INTERVAL_SECONDS", "0"));
        await Assert.That(settings).IsNull();
        await Assert.That(errors.Count).IsEqualTo(3);
    }

    [Test]
    public async Task Dotenv_parses_comments_quotes_and_export_and_the_environment_wins()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File(".env"), """
            # a comment
            export DATABASE_URL=sqlite:from-file.db
            LOG_LEVEL="warning"
            PUBLIC_URL='https://a.example.com'   
            FLATLINE_ADDRESS=127.0.0.1:1234 # trailing comment
            JWT_SECRET=from-file
            not a line
            """);
        var environment = new System.Collections.Hashtable { ["JWT_SECRET"] = "from-environment" };
        var merged = DotEnv.Load(folder.Path, environment);
        await Assert.That(merged["DATABASE_URL"]).IsEqualTo("sqlite:from-file.db");
        await Assert.That(merged["LOG_LEVEL"]).IsEqualTo("warning");
        await Assert.That(merged["PUBLIC_URL"]).IsEqualTo("https://a.example.com");
        await Assert.That(merged["FLATLINE_ADDRESS"]).IsEqualTo("127.0.0.1:1234");
        await Assert.That(merged["JWT_SECRET"]).IsEqualTo("from-environment");
    }

    [Test]
    public async Task The_help_and_the_readme_name_every_variable()
    {
        var readme = await File.ReadAllTextAsync(Repository.File("README.md"));
        foreach (var variable in Settings.Variables)
        {
            await Assert.That(FlatlineApp.Help).Contains(variable);
            await Assert.That(readme).Contains($"`{variable}`");
        }
    }

    [Test]
    public async Task The_example_file_documents_every_variable()
    {
        var example = await File.ReadAllTextAsync(Repository.File(".env.example"));
        foreach (var variable in Settings.Variables)
            await Assert.That(example).Contains(variable + "=");
    }
}
