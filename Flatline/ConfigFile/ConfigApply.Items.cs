using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Each kind of item planned as the API validates its create body (monitors, channels, windows,
/// pages), and the checks a file gets beyond the API's: fields no record has, named at their line.</summary>
public sealed partial class ConfigApply
{
    List<Planned<MonitorDraft>> PlanMonitors(ConfigDocument document, ConfigState state, Dictionary<string, ItemId> ids, ILocationPresence locations)
    {
        var planned = new List<Planned<MonitorDraft>>();
        var references = new Dictionary<string, (string, Func<string, string?>)> { ["depends_on"] = ("monitor", key => ids.GetValueOrDefault(key)?.Uid) };
        foreach (var item in document.Monitors)
        {
            var body = document.Body(item, references);
            // Checked whatever else is wrong: the config's record, read on its own, says which fields there are.
            if (body.TryGetProperty("config", out var config) && checkTypes.Validate(config, []) is { } shape)
                UnknownFields(document, item, config, "config", FlatlineJson.Default.GetTypeInfo(shape.GetType()), discriminated: true);
            var existing = ids[item.Key] is { Exists: true } known ? state.Monitors.Find(m => m.View.Id == known.Uid)?.View.Config : null;
            if (MonitorValidator.Validate(body, null, checkTypes, out var errors, existing) is not { } draft)
            {
                document.AddErrors(item, errors);
                continue;
            }
            if (LocationRules.Problems(draft, locations) is { } wrongPlaces)
            {
                document.AddErrors(item, wrongPlaces);
                continue;
            }
            var id = ids[item.Key];
            planned.Add(new Planned<MonitorDraft>(item, id.Uid, id.Exists, id.Adopt, draft));
        }
        // Cycles over the graph as it will be: the file's monitors with their new parents, the others as they are.
        var names = state.Monitors.ToDictionary(m => m.View.Id, m => m.View.Name);
        foreach (var monitor in planned) names[monitor.Uid] = monitor.Draft.Name;
        var inFile = planned.Select(m => m.Uid).ToHashSet();
        var edges = state.Monitors.Where(m => !inFile.Contains(m.View.Id)).SelectMany(m => m.View.DependsOn.Select(p => (m.View.Id, p)))
            .Concat(planned.SelectMany(m => (m.Draft.DependsOn ?? []).Select(p => (m.Uid, p)))).ToList();
        foreach (var monitor in planned)
            if (Dependencies.Problems((monitor.Uid, monitor.Draft.Name), monitor.Draft.DependsOn ?? [], names, edges) is { } problems)
                document.AddErrors(monitor.Item, problems);
        return planned;
    }

    List<Planned<(string Name, ChannelConfig Config)>> PlanChannels(ConfigDocument document, Dictionary<string, ItemId> ids)
    {
        var planned = new List<Planned<(string, ChannelConfig)>>();
        foreach (var item in document.Channels)
        {
            var body = document.Body(item, new Dictionary<string, (string, Func<string, string?>)>());
            if (body.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.Object
                && config.TryGetProperty("type", out var typeName) && typeName.ValueKind == JsonValueKind.String && channelTypes.Find(typeName.GetString()!) is { } type)
                foreach (var field in config.EnumerateObject())
                    if (field.Name != "type" && type.Field(field.Name) is null)
                        document.Error(FieldKey(item.Node, "config", field.Name), $"{item.Where}.config.{field.Name}",
                            $"is not a field of a {type.Type} channel: use {string.Join(", ", type.Fields.Select(f => f.Name))}");
            if (ChannelValidator.Validate(body, null, channelTypes, out var errors) is not { } valid)
            {
                document.AddErrors(item, errors);
                continue;
            }
            var id = ids[item.Key];
            planned.Add(new Planned<(string, ChannelConfig)>(item, id.Uid, id.Exists, id.Adopt, valid));
        }
        return planned;
    }

    List<Planned<MaintenanceDraft>> PlanWindows(ConfigDocument document, ConfigState state, Dictionary<string, ItemId> ids,
        Dictionary<string, ItemId> monitorIds, Dictionary<string, ItemId> channelIds,
        List<Planned<MonitorDraft>> monitors)
    {
        var planned = new List<Planned<MaintenanceDraft>>();
        var references = new Dictionary<string, (string, Func<string, string?>)>
        {
            ["monitors"] = ("monitor", key => monitorIds.GetValueOrDefault(key)?.Uid),
            ["notify_channels"] = ("channel", key => channelIds.GetValueOrDefault(key)?.Uid),
        };
        var targets = new MaintenanceTargetSet(
            [.. monitorIds.Values.Select(v => v.Uid), .. state.Monitors.Select(m => m.View.Id)],
            [.. monitors.SelectMany(m => m.Draft.Tags ?? []), .. state.TagsInUse.Select(t => t.Name)],
            [.. channelIds.Values.Select(v => v.Uid), .. state.Channels.Select(c => c.Id)]);
        foreach (var item in document.Maintenance)
        {
            var body = document.Body(item, references);
            if (MaintenanceValidator.Validate(body, null, targets, time.GetUtcNow().UtcDateTime, out var errors) is not { } draft)
            {
                document.AddErrors(item, errors);
                continue;
            }
            UnknownFields(document, item, body.GetProperty("schedule"), "schedule", FlatlineJson.Default.GetTypeInfo(draft.Schedule.GetType()), discriminated: true);
            var id = ids[item.Key];
            planned.Add(new Planned<MaintenanceDraft>(item, id.Uid, id.Exists, id.Adopt, draft));
        }
        return planned;
    }

    /// <summary>A page as validated, and the password the file gives it (to compare with the stored hash; never written or shown).</summary>
    sealed record PlannedPage(StatusPageDraft Draft, string? Password);

    /// <summary>Pages validated as the API validates a create body, their sections' monitors by the file's
    /// keys. A slug or custom domain is checked against the file's other pages and the pages it leaves
    /// as they are, so that a clash is an error here and not a failed transaction.</summary>
    List<Planned<PlannedPage>> PlanPages(ConfigDocument document, ConfigState state, Dictionary<string, ItemId> ids, Dictionary<string, ItemId> monitorIds, bool prune)
    {
        var planned = new List<Planned<PlannedPage>>();
        var references = new Dictionary<string, (string, Func<string, string?>)> { ["sections.monitors"] = ("monitor", key => monitorIds.GetValueOrDefault(key)?.Uid) };
        // Monitors are written before pages: a file's new monitor has no key yet, its place gets one when the page is written (Placed).
        var monitors = monitorIds.Values.Select(v => v.Uid).Concat(state.Monitors.Select(m => m.View.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var item in document.StatusPages)
        {
            if (item.Node["sections"] is YamlList sections)
                for (var i = 0; i < sections.Items.Count; i++)
                    if (sections.Items[i] is YamlMap section)
                        foreach (var (field, _) in section.Entries)
                            if (!ConfigDocument.SectionFields.Contains(field.Text))
                                document.Error(field, $"{item.Where}.sections[{i}].{field.Text}", $"is not a field of a section: use {string.Join(", ", ConfigDocument.SectionFields)}");
            var body = document.Body(item, references);
            if (StatusPageValidator.Validate(body, null, id => monitors.Contains(id) ? 0 : null, out var errors) is not { } draft)
            {
                document.AddErrors(item, errors);
                continue;
            }
            var id = ids[item.Key];
            planned.Add(new Planned<PlannedPage>(item, id.Uid, id.Exists, id.Adopt,
                new PlannedPage(draft, body.TryGetProperty("password", out var password) && password.ValueKind == JsonValueKind.String ? password.GetString() : null)));
        }

        // What other pages hold: those the file does not name, but not the ones --prune deletes first.
        var inFile = planned.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal);
        var pruned = prune
            ? state.Mapped.Values.Where(m => m.Kind == "status_page" && m.Created && !document.StatusPages.Any(i => i.Key == m.Key)).Select(m => m.Uid).ToHashSet(StringComparer.Ordinal)
            : [];
        var others = state.Pages.Where(p => !inFile.Contains(p.Stored.View.Id) && !pruned.Contains(p.Stored.View.Id)).ToList();
        foreach (var (field, value) in new (string, Func<StatusPageDraft, string?>)[] { ("slug", d => d.Slug), ("custom_domain", d => d.CustomDomain) })
        {
            var first = new Dictionary<string, ConfigItem>(StringComparer.Ordinal);
            foreach (var page in planned)
            {
                if (value(page.Draft.Draft) is not { } taken) continue;
                var at = ConfigDocument.Locate(page.Item.Node, field);
                if (first.TryGetValue(taken, out var earlier))
                    document.Error(at, $"{page.Item.Where}.{field}", $"'{taken}' is the {field} of {earlier.Where} too");
                else if (others.Find(p => value(p.Draft) == taken) is { } other)
                    document.Error(at, $"{page.Item.Where}.{field}", $"'{taken}' is the {field} of the page '{other.Draft.Title}' ({state.KeyOf[("status_page", other.Stored.View.Id)]}), which this file does not list"
                        + (state.Mapped.Values.Any(m => m.Kind == "status_page" && m.Uid == other.Stored.View.Id && m.Created) ? ": --prune deletes it" : ""));
                else first[taken] = page.Item;
            }
        }
        return planned;
    }

    /// <summary>The draft to write and what the diff says of the password. The file's password is checked
    /// against the stored hash, so the same password keeps its hash (and changes nothing); a page whose
    /// file gives no password has none, as a create body without one makes it.</summary>
    static (StatusPageDraft Draft, string? Change) PagePassword(StatusPageDraft draft, string? password, string? storedHash)
    {
        if (password is null) return (draft with { PasswordChanged = true, PasswordHash = null }, storedHash is null ? null : "password removed: the page is public now");
        if (storedHash is not null && LocalOwner.VerifyPassword(password, storedHash)) return (draft with { PasswordChanged = false, PasswordHash = null }, null);
        return (draft, storedHash is null ? "password set" : "password (secret) changed");
    }

    /// <summary>The draft with each monitor's key, read in the transaction that writes the page (the file's new monitors have theirs by then).</summary>
    static StatusPageDraft Placed(SqliteConnection connection, SqliteTransaction transaction, StatusPageDraft draft)
    {
        using var find = Sql.Prepare(connection, transaction, "SELECT id FROM monitors WHERE uid = $uid", "$uid");
        return draft with
        {
            Sections = draft.Sections.ConvertAll(s => s with { Monitors = s.Monitors.ConvertAll(m => m with { Key = (long)find.Bind(m.Id).ExecuteScalar()! }) }),
        };
    }

    /// <summary>Members of <paramref name="sent"/> that its record (as the validator normalized it) has no
    /// property for, at every depth of nested records; the API would ignore them, a file names them.</summary>
    static void UnknownFields(ConfigDocument document, ConfigItem item, JsonElement sent, string path, JsonTypeInfo? info, bool discriminated)
    {
        if (sent.ValueKind != JsonValueKind.Object || info is not { Kind: JsonTypeInfoKind.Object }) return;
        foreach (var member in sent.EnumerateObject())
        {
            if (discriminated && member.Name == "type") continue;
            var property = Fields(info).FirstOrDefault(p => p.Name == member.Name);
            if (property is null)
            {
                document.Error(FieldKey(item.Node, [.. path.Split('.'), member.Name]), $"{item.Where}.{path}.{member.Name}",
                    $"is not a field here: use {string.Join(", ", (discriminated ? ["type"] : Array.Empty<string>()).Concat(Fields(info).Select(p => p.Name)))}");
                continue;
            }
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            UnknownFields(document, item, member.Value, $"{path}.{member.Name}", FlatlineJson.Default.GetTypeInfo(type), discriminated: false);
        }
    }

    /// <summary>The properties JSON reads and writes ([JsonIgnore] ones have no getter in the metadata).</summary>
    static IEnumerable<JsonPropertyInfo> Fields(JsonTypeInfo info) => info.Properties.Where(p => p.Get is not null);

    /// <summary>The key of the field at <paramref name="path"/> (where a field that should not be there is named), or the nearest node on the way.</summary>
    static YamlNode FieldKey(YamlMap root, params string[] path)
    {
        YamlNode node = root;
        foreach (var part in path)
        {
            if (node is not YamlMap map) break;
            var entry = map.Entries.FirstOrDefault(e => e.Key.Text == part);
            if (entry.Key is null) break;
            if (part == path[^1]) return entry.Key;
            node = entry.Value;
        }
        return node;
    }
}
