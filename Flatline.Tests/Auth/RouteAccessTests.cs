using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests.Auth;

/// <summary>Who may call a route is its group's metadata: every /api/v1 route the app maps needs a
/// caller, and a request without credentials gets 401 before anything else is looked at.</summary>
public sealed class RouteAccessTests
{
    [Test]
    public async Task Every_api_route_refuses_a_caller_without_credentials_and_the_public_ones_need_none()
    {
        await using var server = await FlatlineServer.StartAsync();
        using var anonymous = server.CreateAnonymousClient();
        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Endpoint: e, Method: m)))
            .ToList();

        var guarded = 0;
        foreach (var (endpoint, method) in routes)
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            var requiresCaller = endpoint.Metadata.GetMetadata<CallerRequired>() is not null;
            // /metrics is guarded too (unless METRICS_PUBLIC says otherwise, which the next test checks).
            var guardedOutsideApi = pattern == "/metrics";
            if (!guardedOutsideApi && (!pattern.StartsWith("/api/v1", StringComparison.Ordinal) || pattern == ApiDocs.ApiDocumentPath))
            {
                await Assert.That(requiresCaller).IsFalse().Because(pattern);
                continue;
            }
            await Assert.That(requiresCaller).IsTrue().Because($"{method} {pattern} is a guarded route");
            var path = string.Join('/', pattern.Split('/').Select(segment => segment.StartsWith('{') ? Guid.CreateVersion7().ToString() : segment));
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is not ("GET" or "DELETE")) request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            using var response = await anonymous.SendAsync(request);
            await Assert.That(response.StatusCode).IsEqualTo(HttpStatusCode.Unauthorized).Because($"{method} {path}");
            guarded++;
        }
        await Assert.That(guarded).IsGreaterThan(20);

        foreach (var open in new[] { "/healthz", "/auth/config", ApiDocs.DocumentPath, "/" })
            await Assert.That((await anonymous.GetAsync(open)).StatusCode).IsEqualTo(HttpStatusCode.OK).Because(open);
    }

    [Test]
    public async Task With_METRICS_PUBLIC_the_metrics_route_alone_opens_up()
    {
        await using var server = await FlatlineServer.StartAsync(s => s with { MetricsPublic = true });
        var metrics = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == "/metrics");
        await Assert.That(metrics.Metadata.GetMetadata<CallerRequired>()).IsNull();
        using var anonymous = server.CreateAnonymousClient();
        await Assert.That((await anonymous.GetAsync("/metrics")).StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That((await anonymous.GetAsync("/api/v1/monitors")).StatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
    }
}
