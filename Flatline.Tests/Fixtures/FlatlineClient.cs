using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Flatline.Tests;

/// <summary>The API as a client sees it, one method per route (named after its operation id), reading
/// answers into the app's own records with the app's source-generated JSON context, as a missing type
/// would fail under AOT. Every call returns the whole answer, so a test can assert the status, the
/// headers and the problem's <c>errors</c> as well as read the record.</summary>
/// <remarks>Tests read a config from <see cref="ApiResponse.Json"/>, not from <c>MonitorView.Config</c>
/// or <c>NotificationChannel.Config</c>: those types are the app's to change.</remarks>
public sealed class FlatlineClient : IDisposable
{
    static readonly FlatlineJson Types = FlatlineJson.Default;

    public FlatlineClient(HttpClient http) => Http = http;

    /// <param name="token">A bearer token; without one the client is anonymous.</param>
    public FlatlineClient(Uri baseAddress, string? token = null) : this(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) })
    {
        if (token is not null) Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public HttpClient Http { get; }

    /// <summary>The id of the API token the client sends, where the test made one for it.</summary>
    public string? TokenId { get; init; }

    // Monitors

    public Task<ApiResponse<List<MonitorView>>> ListMonitorsAsync() => GetAsync("/api/v1/monitors", Types.ListMonitorView);
    public Task<ApiResponse<MonitorView>> CreateMonitorAsync(MonitorBody monitor) => SendAsync(HttpMethod.Post, "/api/v1/monitors", monitor.ToJson(), Types.MonitorView);
    public Task<ApiResponse<MonitorView>> GetMonitorAsync(string id) => GetAsync($"/api/v1/monitors/{id}", Types.MonitorView);
    public Task<ApiResponse<MonitorView>> ReplaceMonitorAsync(string id, MonitorBody monitor) => SendAsync(HttpMethod.Put, $"/api/v1/monitors/{id}", monitor.ToJson(), Types.MonitorView);
    public Task<ApiResponse<MonitorView>> UpdateMonitorAsync(string id, MonitorBody changes) => SendAsync(HttpMethod.Patch, $"/api/v1/monitors/{id}", changes.ToJson(), Types.MonitorView);
    public Task<ApiResponse> DeleteMonitorAsync(string id) => SendAsync(HttpMethod.Delete, $"/api/v1/monitors/{id}");

    /// <param name="query">Paging, as the route takes it: <c>limit=100&amp;before=…</c>.</param>
    public Task<ApiResponse<List<CheckView>>> ListChecksAsync(string id, string query = "") => GetAsync(WithQuery($"/api/v1/monitors/{id}/checks", query), Types.ListCheckView);
    public Task<ApiResponse<List<IncidentView>>> ListIncidentsAsync(string id, string query = "") => GetAsync(WithQuery($"/api/v1/monitors/{id}/incidents", query), Types.ListIncidentView);

    // Notification channels and their links to monitors

    public Task<ApiResponse<List<NotificationChannel>>> ListNotificationChannelsAsync() => GetAsync("/api/v1/notification-channels", Types.ListNotificationChannel);
    public Task<ApiResponse<NotificationChannel>> CreateNotificationChannelAsync(ChannelBody channel) => SendAsync(HttpMethod.Post, "/api/v1/notification-channels", channel.ToJson(), Types.NotificationChannel);
    public Task<ApiResponse<NotificationChannel>> GetNotificationChannelAsync(string id) => GetAsync($"/api/v1/notification-channels/{id}", Types.NotificationChannel);
    public Task<ApiResponse<NotificationChannel>> UpdateNotificationChannelAsync(string id, ChannelBody changes) => SendAsync(HttpMethod.Patch, $"/api/v1/notification-channels/{id}", changes.ToJson(), Types.NotificationChannel);
    public Task<ApiResponse> DeleteNotificationChannelAsync(string id) => SendAsync(HttpMethod.Delete, $"/api/v1/notification-channels/{id}");
    public Task<ApiResponse<TestSendResult>> TestNotificationChannelAsync(string id) => SendAsync(HttpMethod.Post, $"/api/v1/notification-channels/{id}/test", null, Types.TestSendResult);
    public Task<ApiResponse<List<DeliveryAttempt>>> ListDeliveriesAsync(string id, string query = "") => GetAsync(WithQuery($"/api/v1/notification-channels/{id}/deliveries", query), Types.ListDeliveryAttempt);

    public Task<ApiResponse<List<ChannelLink>>> ListMonitorChannelsAsync(string monitorId) => GetAsync($"/api/v1/monitors/{monitorId}/notification-channels", Types.ListChannelLink);

    /// <param name="onRecovery">Left out when null, so the server's default (true) applies.</param>
    public Task<ApiResponse<ChannelLink>> LinkMonitorChannelAsync(string monitorId, string channelId, bool? onRecovery = null) =>
        SendAsync(HttpMethod.Post, $"/api/v1/monitors/{monitorId}/notification-channels", Json(("channel_id", channelId), ("on_recovery", onRecovery)), Types.ChannelLink);

    public Task<ApiResponse<ChannelLink>> UpdateMonitorChannelAsync(string monitorId, string channelId, bool onRecovery) =>
        SendAsync(HttpMethod.Patch, $"/api/v1/monitors/{monitorId}/notification-channels/{channelId}", Json(("on_recovery", onRecovery)), Types.ChannelLink);

    public Task<ApiResponse> UnlinkMonitorChannelAsync(string monitorId, string channelId) =>
        SendAsync(HttpMethod.Delete, $"/api/v1/monitors/{monitorId}/notification-channels/{channelId}");

    // API tokens

    public Task<ApiResponse<List<ApiToken>>> ListApiTokensAsync() => GetAsync("/api/v1/tokens", Types.ListApiToken);

    /// <param name="readOnly">Left out when null, so the server's default (read-write) applies.</param>
    public Task<ApiResponse<CreatedApiToken>> CreateApiTokenAsync(string name, bool? readOnly = null) =>
        SendAsync(HttpMethod.Post, "/api/v1/tokens", Json(("name", name), ("read_only", readOnly)), Types.CreatedApiToken);

    public Task<ApiResponse> RevokeApiTokenAsync(string id) => SendAsync(HttpMethod.Delete, $"/api/v1/tokens/{id}");

    // Stats

    public Task<ApiResponse<List<MonitorStats>>> GetAllStatsAsync() => GetAsync("/api/v1/stats", Types.ListMonitorStats);
    public Task<ApiResponse<MonitorStats>> GetMonitorStatsAsync(string id) => GetAsync($"/api/v1/monitors/{id}/stats", Types.MonitorStats);
    public Task<ApiResponse<List<UptimeDay>>> GetMonitorUptimeAsync(string id, string query = "") => GetAsync(WithQuery($"/api/v1/monitors/{id}/uptime", query), Types.ListUptimeDay);
    public Task<ApiResponse<LatencySeries>> GetMonitorLatencyAsync(string id, string query = "") => GetAsync(WithQuery($"/api/v1/monitors/{id}/latency", query), Types.LatencySeries);

    /// <summary>The live stream (SSE), read message by message.</summary>
    public Task<EventStream> OpenStreamAsync() => EventStream.OpenAsync(Http);

    // Sign-in and health

    public Task<ApiResponse<AuthConfig>> GetAuthConfigAsync() => GetAsync("/auth/config", Types.AuthConfig);
    public Task<ApiResponse<SessionUser>> GetCurrentUserAsync() => GetAsync("/auth/me", Types.SessionUser);

    public Task<ApiResponse<SessionUser>> SetupOwnerAsync(string token, string name, string password) =>
        SendAsync(HttpMethod.Post, "/auth/setup", Json(("token", token), ("name", name), ("password", password)), Types.SessionUser);

    public Task<ApiResponse<SessionUser>> LoginWithPasswordAsync(string name, string password) =>
        SendAsync(HttpMethod.Post, "/auth/login", Json(("name", name), ("password", password)), Types.SessionUser);

    public Task<ApiResponse> LogoutAsync() => SendAsync(HttpMethod.Post, "/auth/logout");

    public Task<ApiResponse<HealthStatus>> GetHealthAsync() => GetAsync("/healthz", Types.HealthStatus);

    // Any request, for what the typed routes cannot send: malformed bodies, wrong types, other media types.

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? body = null, string mediaType = "application/json")
    {
        var (response, text) = await ExchangeAsync(method, path, body, mediaType);
        return new ApiResponse(method, path, response, text);
    }

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<ApiResponse> PostAsync(string path, string? body) => SendAsync(HttpMethod.Post, path, body);
    public Task<ApiResponse> PutAsync(string path, string? body) => SendAsync(HttpMethod.Put, path, body);
    public Task<ApiResponse> PatchAsync(string path, string? body) => SendAsync(HttpMethod.Patch, path, body);
    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public async Task<ApiResponse<T>> SendAsync<T>(HttpMethod method, string path, string? body, JsonTypeInfo<T> type)
    {
        var (response, text) = await ExchangeAsync(method, path, body, "application/json");
        return new ApiResponse<T>(method, path, response, text, type);
    }

    Task<ApiResponse<T>> GetAsync<T>(string path, JsonTypeInfo<T> type) => SendAsync(HttpMethod.Get, path, null, type);

    async Task<(HttpResponseMessage Response, string Text)> ExchangeAsync(HttpMethod method, string path, string? body, string mediaType)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, mediaType);
        // As curl does for a large body: the server may refuse it (413) before reading it, and closing the
        // connection then would break the pipe under a client still writing.
        if (body?.Length > 64 * 1024) request.Headers.ExpectContinue = true;
        var response = await Http.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    static string WithQuery(string path, string query) => query.Length == 0 ? path : $"{path}?{query}";

    /// <summary>A small body; a null value leaves its field out.</summary>
    static string Json(params (string Name, JsonNode? Value)[] fields)
    {
        var body = new JsonObject();
        foreach (var (name, value) in fields)
            if (value is not null) body[name] = value;
        return body.ToJsonString();
    }

    public void Dispose() => Http.Dispose();
}
