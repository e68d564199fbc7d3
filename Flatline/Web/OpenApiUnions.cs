#if !FLATLINE_EMBEDDED_OPENAPI
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Flatline;

/// <summary>The document's tagged unions, written the way client generators (Kiota, NSwag,
/// openapi-generator) turn them into one class per member: a <c>oneOf</c> of named components, a
/// discriminator whose mapping names every tag, and each member's tag property a string enum of its tags.</summary>
public static class OpenApiUnions
{
    public const string StreamEvent = "StreamEvent";
    const string SecretNote = "Write-only: reads show " + ChannelValidator.Mask + ".";

    /// <summary>One component per channel type (<c>SlackChannelConfig</c>, …), made from its field
    /// declarations, and <c>ChannelConfig</c>, their union on <c>type</c>.</summary>
    public static void AddChannelConfigs(OpenApiDocument document, NotificationChannelTypes types)
    {
        var schemas = document.Components!.Schemas!;
        foreach (var type in types.All) schemas[ComponentName(type)] = Variant(type);
        schemas["ChannelConfig"] = Union(document, "A notification channel's config: one shape per `type`.", "type",
            types.All.Select(type => (type.Type, ComponentName(type))));
    }

    /// <summary>The JSON of one event-stream message, told apart by <c>type</c>.</summary>
    public static void AddStreamEvent(OpenApiDocument document) =>
        document.Components!.Schemas![StreamEvent] = Union(document, "The JSON of one `data:` line of the event stream.", "type",
        [
            ("check_result", nameof(CheckResultEvent)),
            ("connectivity_changed", nameof(ConnectivityEvent)),
            ("incident_opened", nameof(IncidentEvent)),
            ("incident_resolved", nameof(IncidentEvent)),
            ("maintenance_ended", nameof(MaintenanceEvent)),
            ("maintenance_started", nameof(MaintenanceEvent)),
            ("stats_update", nameof(StatsUpdateEvent)),
        ]);

    /// <summary>"pagerduty" → PagerdutyChannelConfig, "google_chat" → GoogleChatChannelConfig.</summary>
    public static string ComponentName(NotificationChannelType type) =>
        string.Concat(type.Type.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..])) + "ChannelConfig";

    /// <summary>A <c>oneOf</c> of the members' components; sets each member's tag property to the
    /// tags that select it. Several tags may select one member.</summary>
    static OpenApiSchema Union(OpenApiDocument document, string description, string tag, IEnumerable<(string Tag, string Component)> members)
    {
        var list = members.ToList();
        var schemas = document.Components!.Schemas!;
        foreach (var member in list.GroupBy(m => m.Component))
        {
            var schema = (OpenApiSchema)schemas[member.Key];
            schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
            schema.Properties[tag] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. member.Select(m => (JsonNode)JsonValue.Create(m.Tag))] };
            schema.Required ??= new HashSet<string>();
            schema.Required.Add(tag);
        }
        return new OpenApiSchema
        {
            Description = description,
            OneOf = [.. list.Select(m => m.Component).Distinct().Select(IOpenApiSchema (id) => new OpenApiSchemaReference(id, document))],
            Discriminator = new OpenApiDiscriminator
            {
                PropertyName = tag,
                Mapping = list.ToDictionary(m => m.Tag, m => new OpenApiSchemaReference(m.Component, document)),
            },
        };
    }

    static OpenApiSchema Variant(NotificationChannelType type)
    {
        // "type" first; Union fills it in.
        var properties = new Dictionary<string, IOpenApiSchema> { ["type"] = new OpenApiSchema() };
        var required = new HashSet<string> { "type" };
        foreach (var field in type.Fields)
        {
            properties[field.Name] = Schema(field);
            if (field.Required) required.Add(field.Name);
        }
        return new OpenApiSchema { Type = JsonSchemaType.Object, Description = type.Description, Properties = properties, Required = required };
    }

    static OpenApiSchema Schema(ChannelField field)
    {
        var schema = field.Kind switch
        {
            ChannelFieldKind.Integer => new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int64",
                Minimum = field.Minimum?.ToString(CultureInfo.InvariantCulture),
                Maximum = field.Maximum?.ToString(CultureInfo.InvariantCulture),
            },
            ChannelFieldKind.Boolean => new OpenApiSchema { Type = JsonSchemaType.Boolean },
            ChannelFieldKind.StringList => new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = Text(field),
                MinItems = field.Required ? 1 : null,
                MaxItems = ChannelField.MaxListItems,
            },
            _ => Text(field),
        };
        schema.Title = field.Label;
        schema.Description = field.Secret ? $"{field.Help} {SecretNote}".TrimStart() : field.Help;
        return schema;
    }

    /// <summary>A text's schema. A secret reads back as the mask, so its schema states no format or pattern.</summary>
    static OpenApiSchema Text(ChannelField field) => new()
    {
        Type = JsonSchemaType.String,
        Format = field.Kind == ChannelFieldKind.Url && !field.Secret ? "uri" : null,
        MaxLength = field.Kind == ChannelFieldKind.Url ? ChannelField.MaxUrlLength : field.MaxLength,
        Pattern = field.Secret ? null : field.Pattern?.ToString(),
        Enum = field.Options is { } options ? [.. options.Select(o => (JsonNode)JsonValue.Create(o))] : null,
    };

    /// <summary>A tagged union matches exactly one member (the generator says anyOf); each member is an
    /// object whose discriminator is required, named as the type it is (the generator prefixes the
    /// union's name: MonitorConfigHttpMonitorConfig becomes HttpMonitorConfig).</summary>
    public static void ExactlyOneOf(string key, OpenApiSchema schema, IDictionary<string, IOpenApiSchema> schemas, OpenApiDocument document)
    {
        if (schema.Discriminator is not { PropertyName: { } tag } discriminator || schema.AnyOf is not { Count: > 0 } members) return;
        var renamed = new Dictionary<string, string>();
        var oneOf = new List<IOpenApiSchema>();
        foreach (var member in members)
        {
            if (member is not OpenApiSchemaReference { Reference.Id: { } id } || !schemas.TryGetValue(id, out var target) || target is not OpenApiSchema variant)
            {
                oneOf.Add(member);
                continue;
            }
            var name = id.Length > key.Length && id.StartsWith(key, StringComparison.Ordinal) ? id[key.Length..] : id;
            if (name != id)
            {
                schemas.Remove(id);
                schemas[name] = variant;
                renamed[id] = name;
            }
            variant.Type = JsonSchemaType.Object;
            variant.Required ??= new HashSet<string>();
            variant.Required.Add(tag);
            oneOf.Add(new OpenApiSchemaReference(name, document));
        }
        schema.OneOf = oneOf;
        schema.AnyOf = null;
        if (discriminator.Mapping is { } mapping)
            foreach (var (value, reference) in mapping.ToList())
                if (reference.Reference.Id is { } id && renamed.TryGetValue(id, out var name)) mapping[value] = new OpenApiSchemaReference(name, document);
    }

    /// <summary>The generator writes a nullable reference as <c>oneOf: [{type: null}, {$ref}]</c>, an
    /// anonymous union generators cannot name. Here it becomes the plain reference, and the component
    /// admits null; Flatline's nullable references point at components that are nullable wherever used.</summary>
    public static void NullableReferences(OpenApiDocument document)
    {
        var schemas = document.Components!.Schemas!;
        var visited = new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance);
        void Visit(IOpenApiSchema? schema)
        {
            if (schema is not OpenApiSchema concrete || !visited.Add(concrete)) return;
            if (concrete.Properties is { } properties)
            {
                foreach (var (name, property) in properties.ToList())
                {
                    if (property is OpenApiSchema { OneOf: [var a, var b] } union && Nullable(a, b) is { } reference)
                    {
                        if (schemas[reference.Reference.Id!] is OpenApiSchema target) target.Type |= JsonSchemaType.Null;
                        properties[name] = new OpenApiSchemaReference(reference.Reference.Id!, document) { Description = union.Description };
                    }
                    else Visit(property);
                }
            }
            Visit(concrete.Items);
            Visit(concrete.AdditionalProperties);
        }
        foreach (var schema in schemas.Values.ToList()) Visit(schema);
    }

    static OpenApiSchemaReference? Nullable(IOpenApiSchema a, IOpenApiSchema b) => (a, b) switch
    {
        (OpenApiSchema { Type: JsonSchemaType.Null }, OpenApiSchemaReference reference) => reference,
        (OpenApiSchemaReference reference, OpenApiSchema { Type: JsonSchemaType.Null }) => reference,
        _ => null,
    };
}
#endif
