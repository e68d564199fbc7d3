using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flatline;

public static class ChannelEndpoints
{
    public static IEndpointRouteBuilder MapNotificationChannels(this IEndpointRouteBuilder app)
    {
        app.MapGet("/notification-channel-types", ListTypes).WithTags("Notification channels")
            .WithName("ListNotificationChannelTypes").WithSummary("The channel types and the fields each one's config takes, in the order to offer them");

        var channels = app.MapGroup("/notification-channels").WithTags("Notification channels");
        channels.MapGet("/", ListChannels).WithName("ListNotificationChannels").WithSummary("List notification channels (secrets masked)");
        channels.MapPost("/", CreateChannel).WithName("CreateNotificationChannel").WithSummary("Create a notification channel");
        channels.MapGet("/{id}", GetChannel).WithName("GetNotificationChannel").WithSummary("Get one notification channel (secrets masked)");
        channels.MapPatch("/{id}", UpdateChannel).WithName("UpdateNotificationChannel").WithSummary("Change a channel; an omitted or masked secret keeps its stored value");
        channels.MapDelete("/{id}", DeleteChannel).WithName("DeleteNotificationChannel").WithSummary("Delete a channel, its links and its delivery log");
        channels.MapPost("/{id}/test", TestChannel).WithName("TestNotificationChannel").WithSummary("Send a test message now and return the outcome");
        channels.MapGet("/{id}/deliveries", ListDeliveries).WithName("ListDeliveries").WithSummary("Every delivery attempt to this channel, newest first");

        MapLinks(app, "notification-channels", "MonitorChannel", "MonitorChannels", "");
        // The original's paths for the same links, so that its clients keep working.
        MapLinks(app, "notifications", "MonitorNotification", "MonitorNotifications", " (the original's path)");
        return app;
    }

    static void MapLinks(IEndpointRouteBuilder app, string path, string one, string many, string note)
    {
        var links = app.MapGroup($"/monitors/{{id}}/{path}").WithTags("Notification channels");
        links.MapGet("/", ListLinks).WithName($"List{many}").WithSummary($"The channels a monitor notifies, as links{note}");
        links.MapPost("/", CreateLink).WithName($"Link{one}").WithSummary($"Notify a channel about this monitor (on_recovery defaults to true, on_degraded to false){note}");
        links.MapPatch("/{channelId}", UpdateLink).WithName($"Update{one}").WithSummary($"Change whether the channel hears about recoveries and about degraded{note}");
        links.MapDelete("/{channelId}", DeleteLink).WithName($"Unlink{one}").WithSummary($"Stop notifying a channel about this monitor{note}");
    }

    static Ok<IReadOnlyList<NotificationChannelType>> ListTypes(NotificationChannelTypes types) => TypedResults.Ok(types.All);

    static Ok<List<NotificationChannel>> ListChannels(ChannelStore store) => TypedResults.Ok(store.List());

    static Results<Ok<NotificationChannel>, ProblemHttpResult> GetChannel(string id, ChannelStore store) =>
        store.Get(id) is { } channel ? TypedResults.Ok(channel) : Problems.NotFound("notification channel");

    static Results<Created<NotificationChannel>, ValidationProblem> CreateChannel(JsonElement body, ChannelStore store, NotificationChannelTypes types)
    {
        if (ChannelValidator.Validate(body, null, types, out var errors) is not { } valid) return Problems.Invalid(errors);
        var channel = store.Create(valid.Name, valid.Config);
        return TypedResults.Created($"/api/v1/notification-channels/{channel.Id}", channel);
    }

    static Results<Ok<NotificationChannel>, ValidationProblem, ProblemHttpResult> UpdateChannel(string id, JsonElement body, ChannelStore store, NotificationChannelTypes types)
    {
        if (store.Find(id) is not { } current) return Problems.NotFound("notification channel");
        if (ChannelValidator.Validate(body, (current.Channel.Name, current.Channel.Config), types, out var errors) is not { } valid) return Problems.Invalid(errors);
        return store.Update(id, valid.Name, valid.Config) is { } updated ? TypedResults.Ok(updated) : Problems.NotFound("notification channel");
    }

    static Results<NoContent, ProblemHttpResult> DeleteChannel(string id, ChannelStore store) =>
        store.Delete(id) ? TypedResults.NoContent() : Problems.NotFound("notification channel");

    static async Task<Results<Ok<TestSendResult>, ProblemHttpResult>> TestChannel(string id, ChannelStore store, Outbox outbox, CancellationToken cancellationToken)
    {
        if (store.Find(id) is not { } channel) return Problems.NotFound("notification channel");
        return TypedResults.Ok(await outbox.SendTestAsync(channel.Key, channel.Channel.Config, cancellationToken));
    }

    static Results<Ok<List<DeliveryAttempt>>, ValidationProblem, ProblemHttpResult> ListDeliveries(string id, string? limit, string? before, ChannelStore store)
    {
        if (!MonitorEndpoints.TryPage(limit, before, out var count, out var until, out var errors)) return Problems.Invalid(errors);
        return store.Deliveries(id, count, until) is { } attempts ? TypedResults.Ok(attempts) : Problems.NotFound("notification channel");
    }

    static Results<Ok<List<ChannelLink>>, ProblemHttpResult> ListLinks(string id, ChannelStore store) =>
        store.Links(id) is { } links ? TypedResults.Ok(links) : Problems.NotFound("monitor");

    static Results<Created<ChannelLink>, ValidationProblem, ProblemHttpResult> CreateLink(string id, CreateLinkRequest request, ChannelStore store)
    {
        if (string.IsNullOrWhiteSpace(request.ChannelId)) return Problems.Invalid("channel_id", "is required");
        var (outcome, link) = store.Link(id, request.ChannelId, request.OnRecovery ?? true, request.OnDegraded ?? false);
        return outcome switch
        {
            ChannelStore.LinkOutcome.Created => TypedResults.Created($"/api/v1/monitors/{id}/notification-channels/{request.ChannelId}", link!),
            ChannelStore.LinkOutcome.NoMonitor => Problems.NotFound("monitor"),
            ChannelStore.LinkOutcome.NoChannel => Problems.NotFound("notification channel"),
            _ => Problems.Conflict("this channel is already linked to this monitor"),
        };
    }

    static Results<Ok<ChannelLink>, ValidationProblem, ProblemHttpResult> UpdateLink(string id, string channelId, UpdateLinkRequest request, ChannelStore store)
    {
        if (request.OnRecovery is null && request.OnDegraded is null) return Problems.Invalid("on_recovery", "is required (true or false) unless on_degraded is given");
        return store.UpdateLink(id, channelId, request.OnRecovery, request.OnDegraded) is { } link ? TypedResults.Ok(link) : Problems.NotFound("link");
    }

    static Results<NoContent, ProblemHttpResult> DeleteLink(string id, string channelId, ChannelStore store) =>
        store.Unlink(id, channelId) ? TypedResults.NoContent() : Problems.NotFound("link");
}

public static class NotificationServices
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        // Like the probe, a delivery's 10 s limit is real time, whatever clock the rest of the app reads.
        services.AddSingleton(_ => new SenderHttp(SenderHttp.CreateInvoker(), TimeProvider.System));
        foreach (var type in NotificationChannelTypes.BuiltIn) services.AddNotificationChannelType(type);
        services.AddSingleton(sp => new NotificationChannelTypes(sp.GetServices<NotificationChannelType>()));
        services.AddSingleton<ChannelStore>();
        services.AddSingleton<Outbox>();
        services.AddHostedService(sp => sp.GetRequiredService<Outbox>());
        services.AddSingleton<IResultRecorder, NotificationRecorder>();
        services.AddSingleton<ICommitListener>(sp => sp.GetRequiredService<Outbox>());
        return services;
    }
}
