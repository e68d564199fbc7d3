using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>The one JSON context: every body, response and parameter type, in alphabetical order.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UseStringEnumConverter = true,
    GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(AgentAssignments))]
[JsonSerializable(typeof(AgentBatch))]
[JsonSerializable(typeof(AgentBatchReceipt))]
[JsonSerializable(typeof(AgentMonitor))]
[JsonSerializable(typeof(AgentResult))]
[JsonSerializable(typeof(AnnouncementInput))]
[JsonSerializable(typeof(AnnouncementUpdateInput))]
[JsonSerializable(typeof(AnnouncementView))]
[JsonSerializable(typeof(ApiToken))]
[JsonSerializable(typeof(AuthConfig))]
[JsonSerializable(typeof(bool?))]
[JsonSerializable(typeof(ChannelConfig))]
[JsonSerializable(typeof(ChannelInput))]
[JsonSerializable(typeof(ChannelLink))]
[JsonSerializable(typeof(CheckResultEvent))]
[JsonSerializable(typeof(CheckView))]
[JsonSerializable(typeof(ConnectivityEvent))]
[JsonSerializable(typeof(ConnectivityView))]
[JsonSerializable(typeof(CreateApiTokenRequest))]
[JsonSerializable(typeof(CreatedApiToken))]
[JsonSerializable(typeof(CreatedLocation))]
[JsonSerializable(typeof(CreateLinkRequest))]
[JsonSerializable(typeof(CreateLocationRequest))]
[JsonSerializable(typeof(DateTimeOffset?))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
[JsonSerializable(typeof(IncidentEvent))]
[JsonSerializable(typeof(IncidentView))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(IReadOnlyList<NotificationChannelType>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(LatencySeries))]
[JsonSerializable(typeof(List<AnnouncementView>))]
[JsonSerializable(typeof(List<ApiToken>))]
[JsonSerializable(typeof(List<ChannelLink>))]
[JsonSerializable(typeof(List<CheckView>))]
[JsonSerializable(typeof(List<DeliveryAttempt>))]
[JsonSerializable(typeof(List<IncidentView>))]
[JsonSerializable(typeof(List<JsonElement>))]
[JsonSerializable(typeof(List<LocationStatsView>))]
[JsonSerializable(typeof(List<LocationView>))]
[JsonSerializable(typeof(List<MaintenanceView>))]
[JsonSerializable(typeof(List<MonitorStats>))]
[JsonSerializable(typeof(List<MonitorView>))]
[JsonSerializable(typeof(List<NotificationChannel>))]
[JsonSerializable(typeof(List<StatusPageView>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<TagView>))]
[JsonSerializable(typeof(List<UptimeDay>))]
[JsonSerializable(typeof(LocationEvent))]
[JsonSerializable(typeof(LocationView))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(MaintenanceEvent))]
[JsonSerializable(typeof(MaintenanceSchedule))]
[JsonSerializable(typeof(MaintenanceView))]
[JsonSerializable(typeof(MonitorConfig))]
[JsonSerializable(typeof(MonitorInput))]
[JsonSerializable(typeof(MonitorRequestBody))]
[JsonSerializable(typeof(MonitorStats))]
[JsonSerializable(typeof(MonitorView))]
[JsonSerializable(typeof(Notification))]
[JsonSerializable(typeof(NotificationChannel))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(PublicPage))]
[JsonSerializable(typeof(PushReply))]
[JsonSerializable(typeof(Quorum))]
[JsonSerializable(typeof(SessionUser))]
[JsonSerializable(typeof(SetupRequest))]
[JsonSerializable(typeof(ShieldsEndpoint))]
[JsonSerializable(typeof(StatsUpdateEvent))]
[JsonSerializable(typeof(StatusPageInput))]
[JsonSerializable(typeof(StatusPageView))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(TagChange))]
[JsonSerializable(typeof(TagView))]
[JsonSerializable(typeof(TestSendResult))]
[JsonSerializable(typeof(UpdateLinkRequest))]
[JsonSerializable(typeof(WebhookPayload))]
public sealed partial class FlatlineJson : JsonSerializerContext
{
    /// <summary>The same options for the HTTP pipeline, which the attribute does not reach.</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        // Numbers are numbers: the web defaults would also read "60" as 60.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.TypeInfoResolverChain.Insert(0, Default);
    }
}
