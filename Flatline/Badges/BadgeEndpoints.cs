using System.Globalization;
using System.Text;

namespace Flatline;

/// <summary>The Shields endpoint format (https://shields.io/badges/endpoint-badge).</summary>
public sealed record ShieldsEndpoint([property: System.Text.Json.Serialization.JsonPropertyName("schemaVersion")] int SchemaVersion, string Label, string Message, string Color);

/// <summary>README badges of one monitor: its status, its uptime over a window, its median response
/// time, and the same as Shields endpoint JSON. Public only for a monitor on a page without a
/// password; otherwise they need an API token (<c>Authorization: Bearer</c>, or a read-only one as
/// <c>?token=</c>, since an image URL cannot send headers). Any other monitor, and an unknown one,
/// is the same 404. Each answer has an ETag and is cached for a minute.</summary>
public static class BadgeEndpoints
{
    public const int MaxAgeSeconds = 60;

    public static IEndpointRouteBuilder MapBadges(this IEndpointRouteBuilder app)
    {
        // Public by its own group; each answer first takes its share of the address's rate limit.
        var group = app.MapGroup("/badge/{id}").WithTags("Badges");
        group.MapMethods("/status.svg", PublicStatusEndpoints.GetAndHead, Status).WithName("GetStatusBadge").WithSummary("The monitor's status as an SVG badge")
            .Produces(200, contentType: "image/svg+xml").Produces(304).ProducesProblem(404).ProducesProblem(429);
        group.MapMethods("/uptime.svg", PublicStatusEndpoints.GetAndHead, Uptime).WithName("GetUptimeBadge").WithSummary("The monitor's uptime over window=24h|7d|30d|90d (default 30d) as an SVG badge")
            .Produces(200, contentType: "image/svg+xml").Produces(304).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(429);
        group.MapMethods("/response.svg", PublicStatusEndpoints.GetAndHead, Response).WithName("GetResponseBadge").WithSummary("The monitor's median response time over the last 24 hours as an SVG badge")
            .Produces(200, contentType: "image/svg+xml").Produces(304).ProducesProblem(404).ProducesProblem(429);
        group.MapMethods("/shields.json", PublicStatusEndpoints.GetAndHead, Shields).WithName("GetShieldsBadge")
            .WithSummary("A badge in the Shields endpoint format: type=status|uptime|response (default status), window for uptime")
            .Produces<ShieldsEndpoint>().Produces(304).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(429);
        return app;
    }

    /// <summary>What a badge says, before it is drawn.</summary>
    public sealed record Badge(string Label, string Message, BadgeSvg.Color Color);

    static Task Status(string id, string? label, HttpContext context) => Answer(context, id, null, label, "status", svg: true);

    static Task Uptime(string id, string? window, string? label, HttpContext context) => Answer(context, id, window, label, "uptime", svg: true);

    static Task Response(string id, string? label, HttpContext context) => Answer(context, id, null, label, "response", svg: true);

    static Task Shields(string id, string? type, string? window, string? label, HttpContext context) =>
        Answer(context, id, window, label, type ?? "status", svg: false);

    static async Task Answer(HttpContext context, string monitorId, string? window, string? label, string type, bool svg)
    {
        if (!await context.RequestServices.GetRequiredService<PublicRateLimit>().AdmitAsync(context)) return;
        var errors = new Dictionary<string, string[]>();
        if (type is not ("status" or "uptime" or "response")) errors["type"] = ["must be status, uptime or response"];
        if (window is not (null or "24h" or "7d" or "30d" or "90d")) errors["window"] = ["must be 24h, 7d, 30d or 90d"];
        if (label is { Length: 0 or > 60 }) errors["label"] = ["must be 1-60 characters"];
        if (errors.Count > 0)
        {
            await Problems.Invalid(errors).ExecuteAsync(context);
            return;
        }
        var services = context.RequestServices;
        var (allowed, viaToken) = MayShow(context, monitorId, services);
        if (!allowed)
        {
            await NotFound(context);
            return;
        }
        window ??= "30d";
        var cache = services.GetRequiredService<BadgeCache>();
        var key = new BadgeCache.Key(monitorId, type, window, label, svg);
        var answer = cache.Get(key);
        UiAssets.Asset asset;
        string etag;
        if (answer is not null)
        {
            asset = answer.Asset;
            etag = answer.ETag;
        }
        else
        {
            var version = cache.VersionBefore(monitorId);
            if (services.GetRequiredService<MonitorStore>().Headline(monitorId) is not { } monitor)
            {
                await NotFound(context);
                return;
            }
            (asset, etag) = Draw(services.GetRequiredService<StatsCache>(), monitor, type, window, label, svg);
            cache.Put(key, asset, etag, monitor.Key, version);
        }
        context.Response.Headers.Vary = "Authorization";
        await PublicStatusEndpoints.Serve(context, asset, (viaToken ? "private" : "public") + $", max-age={MaxAgeSeconds}", etag);
    }

    static Task NotFound(HttpContext context) => PublicStatusEndpoints.Problem(context, 404, "Not Found", "no such badge");

    static (UiAssets.Asset Asset, string ETag) Draw(StatsCache stats, MonitorHeadline monitor, string type, string window, string? label, bool svg)
    {
        // Each badge asks the stats only for its own figure: the full stats compute every window's percentiles.
        double? figure = null;
        if (type == "uptime")
        {
            Span<double> uptimes = stackalloc double[4];
            stats.Uptimes([monitor.Key], uptimes);
            var uptime = uptimes[window switch { "24h" => 0, "7d" => 1, "30d" => 2, _ => 3 }];
            if (!double.IsNaN(uptime)) figure = uptime;
        }
        else if (type == "response") figure = stats.Get(monitor.Key, monitor.Id)?.Windows.Last24Hours.P50;
        var badge = Describe(type, window, monitor.Status, figure);
        if (label is not null) badge = badge with { Label = label };

        var body = svg
            ? Encoding.UTF8.GetBytes(BadgeSvg.Render(badge.Label, badge.Message, badge.Color))
            : System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new ShieldsEndpoint(1, badge.Label, badge.Message, badge.Color.Name), FlatlineJson.Default.ShieldsEndpoint);
        return (new UiAssets.Asset(svg ? "image/svg+xml; charset=utf-8" : "application/json; charset=utf-8", body, null, null, Immutable: false), ETag(body));
    }

    /// <param name="figure">The uptime (0 to 1) over <paramref name="window"/> for <c>uptime</c>, the
    /// 24-hour median response time in ms for <c>response</c>; null without data (and for <c>status</c>).</param>
    public static Badge Describe(string type, string window, MonitorStatus status, double? figure)
    {
        switch (type)
        {
            case "uptime":
                var uptime = figure;
                var color = uptime switch
                {
                    null => BadgeSvg.Grey,
                    >= 0.999 => BadgeSvg.BrightGreen,
                    >= 0.99 => BadgeSvg.Green,
                    >= 0.95 => BadgeSvg.Yellow,
                    >= 0.90 => BadgeSvg.Orange,
                    _ => BadgeSvg.Red,
                };
                return new Badge($"uptime {window}", uptime is null ? "no data" : StatusPageHtml.UptimeText(uptime)[..^3], color);
            case "response":
                var p50 = figure;
                return new Badge("response", p50 is { } ms ? Math.Round(ms).ToString(CultureInfo.InvariantCulture) + " ms" : "no data",
                    p50 switch { null => BadgeSvg.Grey, < 300 => BadgeSvg.BrightGreen, < 1000 => BadgeSvg.Yellow, _ => BadgeSvg.Orange });
            default:
                return status switch
                {
                    MonitorStatus.Up => new Badge("status", "up", BadgeSvg.BrightGreen),
                    MonitorStatus.Down => new Badge("status", "down", BadgeSvg.Red),
                    MonitorStatus.Paused => new Badge("status", "paused", BadgeSvg.Grey),
                    MonitorStatus.Unknown => new Badge("status", "pending", BadgeSvg.Grey),
                    _ => new Badge("status", "degraded", BadgeSvg.Yellow),
                };
        }
    }

    static (bool Allowed, bool ViaToken) MayShow(HttpContext context, string monitorId, IServiceProvider services)
    {
        if (services.GetRequiredService<StatusPageCache>().IsPublic(monitorId)) return (true, false);
        var tokens = services.GetRequiredService<ApiTokenStore>();
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return (tokens.Authenticate(header[7..].Trim()) is not null, true);
        // A token in a URL ends up in logs and READMEs: only a read-only one is taken there.
        if (context.Request.Query["token"].ToString() is { Length: > 0 } token) return (tokens.Authenticate(token) is { ReadOnly: true }, true);
        return (false, false);
    }

    /// <summary>A strong ETag from the body (FNV-1a, 64 bits): the same badge, the same tag, across restarts.</summary>
    static string ETag(byte[] body)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in body) hash = (hash ^ b) * 1099511628211UL;
        return "\"b" + hash.ToString("x16", CultureInfo.InvariantCulture) + "\"";
    }
}
