#if !FLATLINE_EMBEDDED_OPENAPI
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Flatline;

/// <summary>What the generator cannot infer: the title and version, both security schemes, the
/// problem responses every route can give, the bodies read as raw JSON, the tagged unions (see
/// <see cref="OpenApiUnions"/>) and the webhook payload.</summary>
public static class OpenApiShape
{
    const string ProblemType = "application/problem+json";
    const string CrossSite = "A cross-site request with the session cookie, or one that carries neither Origin nor Sec-Fetch-Site";

    public static void Configure(OpenApiOptions options)
    {
        // A check type's config is a component of its own name (HttpMonitorConfig), as clients generate it.
        options.CreateSchemaReferenceId = info => info.Type.IsSubclassOf(typeof(MonitorConfig))
            ? info.Type.Name
            : OpenApiOptions.CreateDefaultSchemaReferenceId(info);
        options.AddDocumentTransformer(async (document, context, cancellationToken) =>
        {
            document.Info = new()
            {
                Title = "Flatline",
                Version = FlatlineApp.Version,
                Description = "Self-hosted uptime monitoring: monitors, checks, incidents, stats, notifications. " +
                    "Every /api/v1 route needs the session cookie of a signed-in user or an API token (Authorization: Bearer). " +
                    "Errors are RFC 9457 problem details; validation problems name each field in `errors`.",
            };
            // Generated once at build time and served from anywhere: no server URL.
            document.Servers = [];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["session"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = Sessions.CookieName,
                Description = "The session cookie set by sign-in (HttpOnly). Unsafe requests with it must be same-origin.",
            };
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API token from `flatline token create` or POST /api/v1/tokens. Read-only tokens get 403 on writes.",
            };

            document.Components.SecuritySchemes["agent"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A location's agent token (`flatline location create NAME` or POST /api/v1/locations): it reaches /api/agent/v1 for its location and nothing else (403 on /api/v1).",
            };

            document.AddComponent("ProblemDetails", await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken));
            foreach (var type in new[] { typeof(CheckResultEvent), typeof(IncidentEvent), typeof(StatsUpdateEvent), typeof(MaintenanceEvent), typeof(ConnectivityEvent), typeof(WebhookPayload), typeof(MonitorInput), typeof(ChannelInput),
                typeof(StatusPageInput), typeof(AnnouncementInput), typeof(AnnouncementUpdateInput) })
                document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, cancellationToken));

            document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
            document.Webhooks["monitor-event"] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        OperationId = "WebhookMonitorEvent",
                        Summary = "What a webhook channel receives when a monitor goes down, recovers, turns degraded or back, on a notice, or on a test send",
                        Description = "Signed the Standard Webhooks way when the channel has a secret: headers webhook-id (stable across retries), " +
                            "webhook-timestamp (Unix seconds) and webhook-signature (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`; the key is the " +
                            "base64 after `whsec_`, or the secret's UTF-8 bytes). Answer 2xx; 429 and 5xx are retried with backoff, other statuses are not.",
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = Ref("WebhookPayload", document) } },
                        },
                        Responses = new OpenApiResponses { ["2XX"] = new OpenApiResponse { Description = "Delivered" } },
                    },
                },
            };

            // The channel config is written by hand (its fields are its type's); the API takes and gives it as a tagged union.
            if (document.Components.Schemas is { } schemas)
            {
                OpenApiUnions.AddChannelConfigs(document, context.ApplicationServices.GetRequiredService<NotificationChannelTypes>());
                foreach (var holder in new[] { "ChannelInput", "NotificationChannel" })
                    if (schemas[holder] is OpenApiSchema { Properties: { } properties }) properties["config"] = Ref("ChannelConfig", document);
                if (schemas["MonitorInput"] is OpenApiSchema { Properties: { } monitorInput }) monitorInput["config"] = Ref("MonitorConfig", document);
                foreach (var (key, schema) in schemas.ToList())
                    if (schema is OpenApiSchema union) OpenApiUnions.ExactlyOneOf(key, union, schemas, document);
                DescribeQuorum(document, schemas);
                OpenApiUnions.AddStreamEvent(document);
                OpenApiUnions.NullableReferences(document);
                DescribeUser(schemas);
                DescribeCheckTypes(schemas);
                if (schemas["WebhookPayload"] is OpenApiSchema { Properties: { } payload })
                {
                    // A test event has no incident, and a notice (maintenance, connectivity) no monitor: the payload says so with null.
                    if (payload["incident"] is OpenApiSchema incident) incident.Type = JsonSchemaType.Object | JsonSchemaType.Null;
                    if (payload["monitor"] is OpenApiSchema monitor) monitor.Type = JsonSchemaType.Object | JsonSchemaType.Null;
                    if (payload["event"] is OpenApiSchema eventName) eventName.Enum = Strings(WebhookSender.Events);
                }
            }
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var description = context.Description;
            var path = "/" + (description.RelativePath ?? "").Split('?')[0];
            var method = description.HttpMethod ?? "GET";
            var unsafeMethod = method is not ("GET" or "HEAD");
            var document = context.Document!;
            operation.Responses ??= new OpenApiResponses();

            if (description.ActionDescriptor.EndpointMetadata.OfType<CallerRequired>().Any())
            {
                operation.Security = [Requirement("session", document), Requirement("bearer", document)];
                Problem(operation, document, "401", "Not signed in and no valid API token");
                if (unsafeMethod) Problem(operation, document, "403", CrossSite.Replace("A cross-site", "A read-only API token, or a cross-site", StringComparison.Ordinal));
            }
            if (path.Contains("{id}", StringComparison.Ordinal) || path.Contains("{channelId}", StringComparison.Ordinal))
                Problem(operation, document, "404", "No such monitor, channel, token, link, status page or announcement");
            if (operation.RequestBody is not null)
            {
                Problem(operation, document, "400", "The body is not valid JSON or a field is not valid (see errors)", validation: true);
                Problem(operation, document, "413", "The body is larger than 1 MiB");
                Problem(operation, document, "415", "The body is not application/json");
            }

            switch (operation.OperationId)
            {
                case "CreateMonitor" or "ReplaceMonitor" or "UpdateMonitor":
                    Body(operation, Ref("MonitorInput", document));
                    break;
                case "CreateNotificationChannel" or "UpdateNotificationChannel":
                    Body(operation, Ref("ChannelInput", document));
                    break;
                case "CreateStatusPage" or "UpdateStatusPage":
                    Body(operation, Ref("StatusPageInput", document));
                    break;
                case "CreateAnnouncement" or "UpdateAnnouncement":
                    Body(operation, Ref("AnnouncementInput", document));
                    break;
                case "AgentAssignments" or "AgentResults":
                    operation.Security = [Requirement("agent", document)];
                    Problem(operation, document, "401", "No agent token, or one of no location");
                    Problem(operation, document, "429", "Too many requests from this agent, or too many wrong tokens");
                    if (operation.OperationId == "AgentResults") Problem(operation, document, "503", "The results are taken but not stored yet: send the batch again (it is taken once)");
                    break;
                case "AddAnnouncementUpdate":
                    Body(operation, Ref("AnnouncementUpdateInput", document));
                    break;
                case "LinkMonitorChannel" or "LinkMonitorNotification":
                    Problem(operation, document, "409", "The channel is already linked to this monitor");
                    break;
                case "SetupOwner":
                    Problem(operation, document, "403", "The setup token is not the one printed at the last start");
                    Problem(operation, document, "409", "The owner exists already, or sign-in uses OIDC");
                    break;
                case "LoginWithPassword":
                    Problem(operation, document, "401", "Wrong name or password");
                    Problem(operation, document, "409", "Sign-in uses OIDC");
                    Problem(operation, document, "429", "Too many failed sign-ins from this address; see Retry-After");
                    break;
                case "Logout":
                    Problem(operation, document, "403", CrossSite);
                    break;
                case "GetCurrentUser":
                    Problem(operation, document, "401", "Not signed in");
                    operation.Security = [Requirement("session", document)];
                    break;
                case "GetHealth":
                    operation.Responses["503"] = new OpenApiResponse
                    {
                        Description = "The database is not writable or the scheduler has stalled; `reason` says which",
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = Ref("HealthStatus", document) } },
                    };
                    break;
                case "StreamEvents":
                    operation.Description = "Server-sent events. Each message is one `data:` line of JSON with a `type`: on connect a `stats_update` " +
                        "for every monitor, then `check_result`, `incident_opened`, `incident_resolved` as they happen and `stats_update` at most once " +
                        "per monitor per 5 s. A `: keep-alive` comment every 15 s. A client that falls behind is disconnected and should reconnect.";
                    operation.Responses["200"] = new OpenApiResponse
                    {
                        Description = "The event stream",
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["text/event-stream"] = new()
                            {
                                Schema = Ref(OpenApiUnions.StreamEvent, document),
                            },
                        },
                    };
                    break;
            }
            return Task.CompletedTask;
        });
    }

    static OpenApiSchemaReference Ref(string id, OpenApiDocument document) => new(id, document);

    static List<JsonNode> Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];

    /// <summary>What each check type's validator allows and what the server makes: the choices of
    /// dns and of http assertions, ping's bounds, and push's token and URL, which the server writes and
    /// a body leaves out.</summary>
    static void DescribeCheckTypes(IDictionary<string, IOpenApiSchema> schemas)
    {
        static OpenApiSchema? Field(IDictionary<string, IOpenApiSchema> schemas, string component, string name) =>
            schemas.TryGetValue(component, out var found) && found is OpenApiSchema { Properties: { } fields } && fields.TryGetValue(name, out var field)
                ? field as OpenApiSchema : null;

        if (Field(schemas, nameof(DnsMonitorConfig), "record_type") is { } recordType) recordType.Enum = Strings(DnsMessage.RecordTypes);
        if (Field(schemas, nameof(DnsMonitorConfig), "rcode") is { } rcode) rcode.Enum = Strings(DnsMessage.Rcodes);
        if (Field(schemas, nameof(PingMonitorConfig), "count") is { } count) (count.Minimum, count.Maximum) = ("1", PingCheckType.MaxCount.ToString(CultureInfo.InvariantCulture));
        if (Field(schemas, nameof(PingMonitorConfig), "max_loss_percent") is { } loss) (loss.Minimum, loss.Maximum) = ("0", "99");
        if (Field(schemas, nameof(PushMonitorConfig), "grace_seconds") is { } grace) (grace.Minimum, grace.Maximum) = ("0", PushCheckType.MaxGraceSeconds.ToString(CultureInfo.InvariantCulture));
        foreach (var made in new[] { "token", "push_url" })
            if (Field(schemas, nameof(PushMonitorConfig), made) is { } field)
            {
                field.ReadOnly = true;
                field.Type = JsonSchemaType.String;
            }
        if (schemas.TryGetValue(nameof(PushMonitorConfig), out var push) && push is OpenApiSchema pushSchema) pushSchema.Required?.Remove("token");
        if (Field(schemas, nameof(HttpAssertion), "source") is { } source) source.Enum = Strings(HttpAssertion.Sources);
        if (Field(schemas, nameof(HttpAssertion), "op") is { } op) op.Enum = Strings(HttpAssertion.Ops);
        // path and value are left out where the source or op takes none (status; exists).
        if (schemas.TryGetValue(nameof(HttpAssertion), out var assertion) && assertion is OpenApiSchema assertionSchema)
            assertionSchema.Required = new HashSet<string>(["source", "op"], StringComparer.Ordinal);
    }

    /// <summary>/auth/me is the original's User (id, sub, email, name, created_at) with Flatline's is_owner:
    /// every field is always there, the id is a UUID, and the name is never an id.</summary>
    /// <summary>A quorum is a word or a number (its converter writes either), one schema wherever it appears.</summary>
    static void DescribeQuorum(OpenApiDocument document, IDictionary<string, IOpenApiSchema> schemas)
    {
        document.AddComponent("Quorum", new OpenApiSchema
        {
            Description = "How many of the monitor's locations must have failed retries + 1 times in a row before it is down: " +
                "\"any\", \"majority\" (the default), \"all\", or a number (at most the number of locations). Locations that do not report count neither way.",
            OneOf =
            [
                new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("any"), System.Text.Json.Nodes.JsonValue.Create("majority"), System.Text.Json.Nodes.JsonValue.Create("all")] },
                new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
            ],
        });
        foreach (var (_, schema) in schemas.ToList())
            if (schema is OpenApiSchema { Properties: { } properties } && properties.ContainsKey("quorum")) properties["quorum"] = Ref("Quorum", document);
    }

    static void DescribeUser(IDictionary<string, IOpenApiSchema> schemas)
    {
        if (!schemas.TryGetValue(nameof(SessionUser), out var found) || found is not OpenApiSchema { Properties: { } fields } user) return;
        user.Description = "The signed-in user: the original's User (id, sub, email, name, created_at) and is_owner.";
        user.Required = new HashSet<string>(fields.Keys, StringComparer.Ordinal);
        if (fields.TryGetValue("id", out var id) && id is OpenApiSchema idSchema) idSchema.Format = "uuid";
        if (fields.TryGetValue("sub", out var sub) && sub is OpenApiSchema subSchema)
            subSchema.Description = "The account's subject at the OIDC provider (the ID token's sub), or the local owner's name in lower case";
        if (fields.TryGetValue("name", out var name) && name is OpenApiSchema nameSchema)
            nameSchema.Description = "The person's name (name, else preferred_username, from the ID token or the userinfo endpoint), else their email; null when the provider gives none. Never an id";
        if (fields.TryGetValue("email", out var email) && email is OpenApiSchema emailSchema)
            emailSchema.Description = "From the ID token, or the provider's userinfo endpoint when the ID token has none";
    }

    static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };

    static void Body(OpenApiOperation operation, IOpenApiSchema schema) =>
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
        };

    static void Problem(OpenApiOperation operation, OpenApiDocument document, string status, string description, bool validation = false)
    {
        if (operation.Responses!.TryGetValue(status, out var existing) && existing.Content?.Count > 0) return;
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemType] = new() { Schema = Ref(validation ? "HttpValidationProblemDetails" : "ProblemDetails", document) },
            },
        };
    }
}
#endif
