using System.Globalization;
using System.Net;
using System.Text;

namespace Flatline;

/// <summary>How Flatline authenticates at the token endpoint: <see cref="Auto"/> picks from the
/// provider's discovery document (client_secret_basic first); the others force one (OAUTH_TOKEN_AUTH).</summary>
public enum TokenEndpointAuth { Auto, Basic, Post }

public sealed record OAuthSettings(Uri IssuerUrl, string ClientId, string ClientSecret, Uri RedirectUrl,
    TokenEndpointAuth TokenAuth = TokenEndpointAuth.Auto);

public sealed record ListenAddress(IPAddress Ip, int Port)
{
    public override string ToString() => Ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{Ip}]:{Port}" : $"{Ip}:{Port}";

    public static bool TryParse(string text, out ListenAddress? address)
    {
        address = null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            return false;
        IPAddress? ip = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (ip is null) return false;
        address = new ListenAddress(ip, port);
        return true;
    }
}

/// <summary>One connectivity canary of CONNECTIVITY_CHECK: <c>tcp:HOST:PORT</c> (a connection opens) or
/// <c>dns:NAME[@SERVER[:PORT]]</c> (an A query for NAME is answered, by the system's resolver without a server).</summary>
public sealed record ConnectivityCanary(string Type, string Host, int Port, string? Name)
{
    public override string ToString() => Type == "tcp"
        ? "tcp:" + TcpCheckType.HostPort(Host, Port)
        : "dns:" + Name + (Host.Length == 0 ? "" : "@" + TcpCheckType.HostPort(Host, Port));

    public const string Form = "a comma-separated list of tcp:HOST:PORT and dns:NAME[@SERVER[:PORT]]";

    /// <summary>Null when <paramref name="text"/> is none of the two forms.</summary>
    public static ConnectivityCanary? Parse(string text)
    {
        if (text.StartsWith("tcp:", StringComparison.Ordinal))
        {
            // host:port with a port of its own: DnsServer reads the same forms, but defaults the port.
            var hostPort = text[4..];
            var hasPort = hostPort.StartsWith('[') ? hostPort.Contains("]:", StringComparison.Ordinal) : hostPort.Count(c => c == ':') == 1;
            return hasPort && DnsServer.Parse(hostPort) is { } server ? new ConnectivityCanary("tcp", server.Host, server.Port, null) : null;
        }
        if (!text.StartsWith("dns:", StringComparison.Ordinal)) return null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? text[4..] : text[4..at];
        if (!DnsCheckType.IsDnsName(name)) return null;
        if (at < 0) return new ConnectivityCanary("dns", "", 53, name);
        return DnsServer.Parse(text[(at + 1)..]) is { } dns ? new ConnectivityCanary("dns", dns.Host, dns.Port, name) : null;
    }
}

/// <summary>Everything Flatline reads from its environment, parsed and validated by hand.</summary>
public sealed record Settings
{
    public required string DatabasePath { get; init; }
    public required ListenAddress Address { get; init; }
    public Uri? PublicUrl { get; init; }
    public OAuthSettings? OAuth { get; init; }
    public byte[]? JwtSecret { get; init; }
    public int RetentionDays { get; init; } = 90;
    public int SweepIntervalSeconds { get; init; } = 60;
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    /// <summary>METRICS_PUBLIC=true: /metrics answers without a token (for a scraper on a private network).</summary>
    public bool MetricsPublic { get; init; }
    /// <summary>CONNECTIVITY_CHECK: the canaries that tell whether Flatline itself has a network; empty: no guard.</summary>
    public IReadOnlyList<ConnectivityCanary> ConnectivityCheck { get; init; } = [];
    /// <summary>FLATLINE_CONFIG=FILE: a configuration file applied at start (docs/config.md).</summary>
    public string? ConfigFile { get; init; }
    /// <summary>LOCATION_OFFLINE_SECONDS: an agent silent this long makes its location offline (SPEC §16).</summary>
    public int LocationOfflineSeconds { get; init; } = 60;
    /// <summary>PUSH_RATE_LIMIT: pushes a second one push monitor takes (after a burst of four times as many).</summary>
    public int PushRateLimit { get; init; } = 5;
    /// <summary>PUSH_RATE_LIMIT_TOTAL: pushes a second all push monitors together take (after a burst of twice as many),
    /// so that a flood cannot crowd probe results out of the writer.</summary>
    public int PushRateLimitTotal { get; init; } = 1000;

    public static readonly string[] Variables =
    [
        "DATABASE_URL", "FLATLINE_ADDRESS", "PUBLIC_URL", "OAUTH_ISSUER_URL", "OAUTH_CLIENT_ID",
        "OAUTH_CLIENT_SECRET", "OAUTH_REDIRECT_URL", "OAUTH_TOKEN_AUTH", "JWT_SECRET", "MONITOR_CHECKS_RETENTION_DAYS",
        "SWEEP_INTERVAL_SECONDS", "LOG_LEVEL", "METRICS_PUBLIC",
        "CONNECTIVITY_CHECK", "FLATLINE_CONFIG", "LOCATION_OFFLINE_SECONDS", "PUSH_RATE_LIMIT", "PUSH_RATE_LIMIT_TOTAL",
    ];

    /// <summary>Parses the settings; <paramref name="errors"/> gets one line per problem, naming the variable.</summary>
    public static Settings? Parse(IReadOnlyDictionary<string, string> env, string? addressFlag, out List<string> errors)
    {
        var problems = new List<string>();
        string? Get(string key) => env.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        var databasePath = ParseDatabaseUrl(Get("DATABASE_URL") ?? "sqlite:flatline.db", problems);

        var addressText = addressFlag ?? Get("FLATLINE_ADDRESS") ?? "0.0.0.0:3000";
        var addressName = addressFlag is null ? "FLATLINE_ADDRESS" : "--address";
        if (!ListenAddress.TryParse(addressText, out var address))
            problems.Add($"{addressName} must be HOST:PORT with an IP address or localhost and a port 0-65535 (got \"{addressText}\")");

        Uri? publicUrl = null;
        if (Get("PUBLIC_URL") is { } publicText)
        {
            if (!Uri.TryCreate(publicText, UriKind.Absolute, out publicUrl) || publicUrl.Scheme is not ("http" or "https")
                || publicUrl.Query.Length > 0 || publicUrl.Fragment.Length > 0)
            {
                problems.Add($"PUBLIC_URL must be an absolute http or https URL without query or fragment (got \"{publicText}\")");
                publicUrl = null;
            }
        }

        // Checked even without the other OAUTH_* variables: a typo should not wait for OIDC to be turned on.
        var tokenAuth = ParseTokenAuth(Get, problems);
        var oauth = ParseOAuth(Get, publicUrl, tokenAuth, problems);

        byte[]? jwtSecret = null;
        if (env.TryGetValue("JWT_SECRET", out var secretText) && secretText.Length > 0)
        {
            jwtSecret = Encoding.UTF8.GetBytes(secretText);
            if (jwtSecret.Length < 32) problems.Add("JWT_SECRET must be at least 32 bytes");
        }

        var retention = ParseInt(Get, "MONITOR_CHECKS_RETENTION_DAYS", 90, 1, 3650, problems);
        var sweep = ParseInt(Get, "SWEEP_INTERVAL_SECONDS", 60, 1, 86400, problems);
        var locationOffline = ParseInt(Get, "LOCATION_OFFLINE_SECONDS", 60, 5, 3600, problems);
        var pushRate = ParseInt(Get, "PUSH_RATE_LIMIT", 5, 1, 100_000, problems);
        var pushTotal = ParseInt(Get, "PUSH_RATE_LIMIT_TOTAL", 1000, 1, 1_000_000, problems);
        if (pushTotal < pushRate)
            problems.Add($"PUSH_RATE_LIMIT_TOTAL ({pushTotal}) must be at least PUSH_RATE_LIMIT ({pushRate}): the total caps all monitors together");

        var logLevel = LogLevel.Information;
        if (Get("LOG_LEVEL") is { } levelText && !TryParseLogLevel(levelText, out logLevel))
            problems.Add($"LOG_LEVEL must be one of trace, debug, information, warning, error, critical, none (got \"{levelText}\")");

        var metricsPublic = false;
        if (Get("METRICS_PUBLIC") is { } metricsText)
        {
            if (metricsText.Equals("true", StringComparison.OrdinalIgnoreCase) || metricsText == "1") metricsPublic = true;
            else if (!(metricsText.Equals("false", StringComparison.OrdinalIgnoreCase) || metricsText == "0"))
                problems.Add($"METRICS_PUBLIC must be true or false (got \"{metricsText}\")");
        }

        var canaries = ParseCanaries(Get("CONNECTIVITY_CHECK"), problems);

        errors = problems;
        if (problems.Count > 0) return null;
        return new Settings
        {
            DatabasePath = databasePath!,
            Address = address!,
            PublicUrl = publicUrl,
            OAuth = oauth,
            JwtSecret = jwtSecret,
            RetentionDays = retention,
            SweepIntervalSeconds = sweep,
            LogLevel = logLevel,
            MetricsPublic = metricsPublic,
            ConnectivityCheck = canaries,
            ConfigFile = Get("FLATLINE_CONFIG"),
            LocationOfflineSeconds = locationOffline,
            PushRateLimit = pushRate,
            PushRateLimitTotal = pushTotal,
        };
    }

    static string? ParseDatabaseUrl(string url, List<string> problems)
    {
        string path;
        if (url.StartsWith("sqlite://", StringComparison.Ordinal)) path = url[9..];
        else if (url.StartsWith("sqlite:", StringComparison.Ordinal)) path = url[7..];
        else if (url.Contains("://", StringComparison.Ordinal))
        {
            problems.Add($"DATABASE_URL must be sqlite:PATH, sqlite://PATH or a file path (got a \"{url[..url.IndexOf(':')]}\" URL)");
            return null;
        }
        else path = url;

        // sqlx-style options such as ?mode=rwc are accepted and ignored: the file is always created if missing.
        var query = path.IndexOf('?');
        if (query >= 0) path = path[..query];
        if (path.Length == 0 || path == ":memory:")
        {
            problems.Add("DATABASE_URL must name a database file (in-memory databases lose every check on restart)");
            return null;
        }
        return path;
    }

    /// <summary>Every item must be a canary, at most ten of them, none twice.</summary>
    static List<ConnectivityCanary> ParseCanaries(string? text, List<string> problems)
    {
        var canaries = new List<ConnectivityCanary>();
        if (text is null) return canaries;
        foreach (var item in text.Split(','))
        {
            var canary = ConnectivityCanary.Parse(item.Trim());
            if (canary is null)
            {
                problems.Add($"CONNECTIVITY_CHECK must be {ConnectivityCanary.Form}, such as tcp:1.1.1.1:53,dns:example.com (\"{item.Trim()}\" is neither)");
                return [];
            }
            if (!canaries.Contains(canary)) canaries.Add(canary);
        }
        if (canaries.Count > 10)
        {
            problems.Add($"CONNECTIVITY_CHECK must name at most 10 canaries (got {canaries.Count})");
            return [];
        }
        return canaries;
    }

    static OAuthSettings? ParseOAuth(Func<string, string?> get, Uri? publicUrl, TokenEndpointAuth tokenAuth, List<string> problems)
    {
        string[] names = ["OAUTH_ISSUER_URL", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_REDIRECT_URL"];
        var present = names.Where(n => get(n) is not null).ToList();
        if (present.Count == 0) return null;

        // The redirect URL may be derived from PUBLIC_URL; the other three are required together.
        var missing = names.Where(n => get(n) is null && !(n == "OAUTH_REDIRECT_URL" && publicUrl is not null)).ToList();
        if (missing.Count > 0)
        {
            foreach (var name in missing)
                problems.Add($"{name} must be set when {string.Join(", ", present)} {(present.Count == 1 ? "is" : "are")} set (set all OAUTH_* variables or none)");
            return null;
        }

        var ok = true;
        if (!Uri.TryCreate(get("OAUTH_ISSUER_URL"), UriKind.Absolute, out var issuer) || issuer.Scheme is not ("http" or "https"))
        {
            problems.Add("OAUTH_ISSUER_URL must be an absolute http or https URL");
            ok = false;
        }
        Uri? redirect;
        if (get("OAUTH_REDIRECT_URL") is { } redirectText)
        {
            if (!Uri.TryCreate(redirectText, UriKind.Absolute, out redirect) || redirect.Scheme is not ("http" or "https"))
            {
                problems.Add("OAUTH_REDIRECT_URL must be an absolute http or https URL");
                ok = false;
            }
        }
        else redirect = new Uri(publicUrl!, "auth/callback");
        return ok ? new OAuthSettings(issuer!, get("OAUTH_CLIENT_ID")!, get("OAUTH_CLIENT_SECRET")!, redirect!, tokenAuth) : null;
    }

    /// <summary>auto (the default) takes what the provider's discovery offers; basic or post forces one.</summary>
    static TokenEndpointAuth ParseTokenAuth(Func<string, string?> get, List<string> problems)
    {
        var text = get("OAUTH_TOKEN_AUTH");
        switch (text?.ToLowerInvariant())
        {
            case null or "auto": return TokenEndpointAuth.Auto;
            case "basic" or "client_secret_basic": return TokenEndpointAuth.Basic;
            case "post" or "client_secret_post": return TokenEndpointAuth.Post;
            default:
                problems.Add($"OAUTH_TOKEN_AUTH must be basic, post or auto (got \"{text}\")");
                return TokenEndpointAuth.Auto;
        }
    }

    static int ParseInt(Func<string, string?> get, string name, int fallback, int min, int max, List<string> problems)
    {
        if (get(name) is not { } text) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        problems.Add($"{name} must be a whole number from {min} to {max} (got \"{text}\")");
        return fallback;
    }

    static bool TryParseLogLevel(string text, out LogLevel level)
    {
        level = text.ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "info" or "information" => LogLevel.Information,
            "warn" or "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "critical" => LogLevel.Critical,
            "none" or "off" => LogLevel.None,
            _ => (LogLevel)(-1),
        };
        return level >= 0;
    }
}
