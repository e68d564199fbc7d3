using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>Which item a file's key names: its id, and whether a file created it (or took it over).</summary>
public sealed record ConfigKey(string Kind, string Key, string Uid, bool Created);

/// <summary>A status page as stored, with the draft it reads back as (its monitors with their keys).</summary>
public sealed record ConfigPage(StoredStatusPage Stored, StatusPageDraft Draft);

/// <summary>What the database holds, read for a diff or an export: every monitor, channel (with its
/// secrets), link, window, status page and tag colour, and the key of each, as a file names it. An item no file
/// named yet gets a key made from its name (<c>api-server</c>, <c>api-server-2</c>, …), the same in
/// every export, so that applying an exported file takes those items over instead of copying them.</summary>
public sealed class ConfigState
{
    public required List<StoredMonitor> Monitors { get; init; }
    public required List<NotificationChannel> Channels { get; init; }
    public required List<ChannelLink> Links { get; init; }
    public required List<StoredWindow> Windows { get; init; }
    public required List<ConfigPage> Pages { get; init; }
    public required Dictionary<string, string> TagColours { get; init; }
    public required List<TagView> TagsInUse { get; init; }
    public required Dictionary<(string Kind, string Key), ConfigKey> Mapped { get; init; }

    /// <summary>The agents' locations (the main node, <c>local</c>, is none of them), by name.</summary>
    public required List<(string Uid, string Name)> Locations { get; init; }

    /// <summary>The key of each item (kind, id), mapped or made from its name.</summary>
    public Dictionary<(string Kind, string Uid), string> KeyOf { get; } = [];

    public static ConfigState Read(Database database, TimeProvider time, NotificationChannelTypes types)
    {
        var channels = new ChannelStore(database, time, types);
        var monitors = new MonitorStore(database, time).List();
        var pages = new StatusPageStore(database, time);
        var mapped = new Dictionary<(string, string), ConfigKey>();
        var locations = new List<(string, string)>();
        using (var connection = database.Open())
        {
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT kind, key, uid, created FROM config_keys";
                using var rows = command.ExecuteReader();
                while (rows.Read())
                    mapped[(rows.GetString(0), rows.GetString(1))] = new ConfigKey(rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetBoolean(3));
            }
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT uid, name FROM locations ORDER BY name";
                using var rows = command.ExecuteReader();
                while (rows.Read()) locations.Add((rows.GetString(0), rows.GetString(1)));
            }
        }
        var state = new ConfigState
        {
            Monitors = monitors,
            Channels = [.. channels.List().Select(c => channels.Find(c.Id)!.Value.Channel)],
            Links = [.. monitors.SelectMany(m => channels.Links(m.View.Id) ?? [])],
            Windows = new MaintenanceStore(database, time).All(),
            Pages = [.. pages.List().Select(p => new ConfigPage(p, pages.Draft(p)))],
            TagColours = Tags.Colours(database),
            TagsInUse = Tags.InUse(database),
            Mapped = mapped,
            Locations = locations,
        };
        state.AssignKeys("monitor", monitors.Select(m => (m.View.Id, m.View.Name)));
        state.AssignKeys("channel", state.Channels.Select(c => (c.Id, c.Name)));
        state.AssignKeys("maintenance", state.Windows.Select(w => (w.Id, w.Title)));
        state.AssignKeys("status_page", state.Pages.Select(p => (p.Stored.View.Id, p.Stored.View.Slug)));
        return state;
    }

    void AssignKeys(string kind, IEnumerable<(string Uid, string Name)> items)
    {
        var alive = items.ToList();
        var ids = alive.Select(i => i.Uid).ToHashSet(StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mapping in Mapped.Values)
        {
            if (mapping.Kind != kind) continue;
            taken.Add(mapping.Key);
            if (ids.Contains(mapping.Uid)) KeyOf[(kind, mapping.Uid)] = mapping.Key;
        }
        foreach (var (uid, name) in alive)
        {
            if (KeyOf.ContainsKey((kind, uid))) continue;
            var slug = Slug(name, kind);
            var key = slug;
            for (var n = 2; !taken.Add(key); n++) key = $"{slug}-{n}";
            KeyOf[(kind, uid)] = key;
        }
    }

    /// <summary>A key from a name: lower case letters and digits, other runs as one '-'.</summary>
    public static string Slug(string name, string fallback)
    {
        var slug = new System.Text.StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c)) slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
            if (slug.Length >= 60) break;
        }
        var text = slug.ToString().Trim('-');
        return text.Length == 0 ? fallback : text;
    }

    /// <summary>The item of <paramref name="kind"/> that <paramref name="key"/> names now, if any, and whether a mapping names it.</summary>
    public (string Uid, bool Mapped)? Find(string kind, string key)
    {
        foreach (var ((k, uid), name) in KeyOf)
            if (k == kind && name == key) return (uid, Mapped.TryGetValue((kind, key), out var m) && m.Uid == uid);
        return null;
    }
}

/// <summary>Items as a file writes them, from validated drafts, so that a diff compares like with like
/// and an export writes what applying reads. Empty lists and null values are left out (they are the
/// defaults); id lists become sorted keys.</summary>
public static class ConfigShapes
{
    public static List<KeyValuePair<string, JsonElement>> Monitor(string key, MonitorDraft draft, Func<string, string> monitorKey)
    {
        var shape = new List<KeyValuePair<string, JsonElement>>
        {
            new("key", Text(key)),
            new("name", Text(draft.Name)),
            new("interval", Number(draft.Interval)),
            new("timeout", Number(draft.Timeout)),
            new("retries", Number(draft.Retries)),
            new("enabled", JsonSerializer.SerializeToElement(draft.Enabled, FlatlineJson.Default.Boolean)),
        };
        AddList(shape, "tags", draft.Tags ?? []);
        AddList(shape, "depends_on", [.. (draft.DependsOn ?? []).Select(monitorKey)]);
        if (draft.Locations is { } locations and not [LocationNames.Local]) AddList(shape, "locations", locations);
        if (draft.Quorum is { } quorum && quorum != Quorum.Majority) shape.Add(new("quorum", JsonSerializer.SerializeToElement(quorum, FlatlineJson.Default.Quorum)));
        shape.Add(new("config", WithoutNulls(JsonDocument.Parse(MonitorStore.ConfigJson(draft.Config)).RootElement, ServerMade.GetValueOrDefault(draft.Config.Type))));
        return shape;
    }

    public static List<KeyValuePair<string, JsonElement>> Channel(string key, string name, ChannelConfig config) =>
    [
        new("key", Text(key)),
        new("name", Text(name)),
        new("config", JsonDocument.Parse(ChannelStore.ConfigJson(config)).RootElement.Clone()),
    ];

    public static List<KeyValuePair<string, JsonElement>> Window(string key, MaintenanceDraft draft, Func<string, string> monitorKey, Func<string, string> channelKey)
    {
        var shape = new List<KeyValuePair<string, JsonElement>> { new("key", Text(key)), new("title", Text(draft.Title)) };
        if (draft.Description is { } description) shape.Add(new("description", Text(description)));
        AddList(shape, "monitors", [.. draft.Monitors.Select(monitorKey)]);
        AddList(shape, "tags", draft.Tags);
        AddList(shape, "notify_channels", [.. draft.NotifyChannels.Select(channelKey)]);
        shape.Add(new("schedule", WithoutNulls(JsonSerializer.SerializeToElement(draft.Schedule, FlatlineJson.Default.MaintenanceSchedule))));
        return shape;
    }

    /// <summary>A page, its sections' monitors by key in the page's order; <paramref name="password"/> is
    /// what the file writes for the password (a placeholder), null when it writes none.</summary>
    public static List<KeyValuePair<string, JsonElement>> Page(string key, StatusPageDraft draft, string? password, Func<string, string> monitorKey)
    {
        var shape = new List<KeyValuePair<string, JsonElement>> { new("key", Text(key)), new("slug", Text(draft.Slug)), new("title", Text(draft.Title)) };
        if (draft.Description is { } description) shape.Add(new("description", Text(description)));
        if (draft.LogoUrl is { } logo) shape.Add(new("logo_url", Text(logo)));
        if (draft.CustomDomain is { } domain) shape.Add(new("custom_domain", Text(domain)));
        shape.Add(new("show_urls", JsonSerializer.SerializeToElement(draft.ShowUrls, FlatlineJson.Default.Boolean)));
        if (password is not null) shape.Add(new("password", Text(password)));
        if (draft.Footer is { } footer) shape.Add(new("footer", Text(footer)));
        if (draft.Sections.Count > 0)
        {
            var sections = draft.Sections.ConvertAll(s => new StatusPageSection(s.Name, s.Monitors.ConvertAll(m => monitorKey(m.Id))));
            shape.Add(new("sections", JsonSerializer.SerializeToElement(sections, FlatlineJson.Default.ListStatusPageSection)));
        }
        return shape;
    }

    /// <summary><c>on_degraded</c> only when set: false is its default.</summary>
    public static List<KeyValuePair<string, JsonElement>> Link(string monitor, string channel, bool onRecovery, bool onDegraded)
    {
        List<KeyValuePair<string, JsonElement>> shape =
        [
            new("monitor", Text(monitor)),
            new("channel", Text(channel)),
            new("on_recovery", JsonSerializer.SerializeToElement(onRecovery, FlatlineJson.Default.Boolean)),
        ];
        if (onDegraded) shape.Add(new("on_degraded", JsonSerializer.SerializeToElement(true, FlatlineJson.Default.Boolean)));
        return shape;
    }

    public static List<KeyValuePair<string, JsonElement>> Tag(string name, string colour) => [new("name", Text(name)), new("colour", Text(colour))];

    public static List<KeyValuePair<string, JsonElement>> Location(string name) => [new("name", Text(name))];

    static void AddList(List<KeyValuePair<string, JsonElement>> shape, string field, List<string> items)
    {
        if (items.Count == 0) return;
        var sorted = items.Order(StringComparer.Ordinal).ToList();
        shape.Add(new(field, JsonSerializer.SerializeToElement(sorted, FlatlineJson.Default.ListString)));
    }

    static JsonElement Text(string text) => ChannelConfig.Json(text);

    static JsonElement Number(int value) => JsonSerializer.SerializeToElement(value, FlatlineJson.Default.Int32);

    /// <summary>Config fields the server makes and a file cannot set (a push monitor's token): never written, never compared.</summary>
    static readonly Dictionary<string, string> ServerMade = new() { ["push"] = "token" };

    /// <summary>The object without its null members, at every depth (and without <paramref name="skip"/> at the top).</summary>
    static JsonElement WithoutNulls(JsonElement element, string? skip = null)
    {
        var bytes = SenderHttp.Json(json =>
        {
            if (skip is null || element.ValueKind != JsonValueKind.Object) Write(json, element);
            else
            {
                json.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == skip || property.Value.ValueKind == JsonValueKind.Null) continue;
                    json.WritePropertyName(property.Name);
                    Write(json, property.Value);
                }
                json.WriteEndObject();
            }
        });
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();

        static void Write(Utf8JsonWriter json, JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                value.WriteTo(json);
                return;
            }
            json.WriteStartObject();
            foreach (var property in value.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Null) continue;
                json.WritePropertyName(property.Name);
                Write(json, property.Value);
            }
            json.WriteEndObject();
        }
    }

    /// <summary>What differs between two shapes of one item: <c>interval 60 → 30</c>, <c>config.url "…" → "…"</c>;
    /// the values of fields <paramref name="secret"/> says are secret are not shown.</summary>
    public static List<string> Differences(List<KeyValuePair<string, JsonElement>> before, List<KeyValuePair<string, JsonElement>> after, Func<string, bool> secret)
    {
        var changes = new List<string>();
        Compare("", Object(before), Object(after), changes, secret);
        return changes;
    }

    static Dictionary<string, JsonElement> Object(IEnumerable<KeyValuePair<string, JsonElement>> entries) => entries.ToDictionary(e => e.Key, e => e.Value);

    static void Compare(string prefix, Dictionary<string, JsonElement> before, Dictionary<string, JsonElement> after, List<string> changes, Func<string, bool> secret)
    {
        foreach (var name in before.Keys.Concat(after.Keys.Where(k => !before.ContainsKey(k))))
        {
            var path = prefix + name;
            var old = before.TryGetValue(name, out var b) ? b : (JsonElement?)null;
            var now = after.TryGetValue(name, out var a) ? a : (JsonElement?)null;
            if (old is { ValueKind: JsonValueKind.Object } x && now is { ValueKind: JsonValueKind.Object } y)
            {
                Compare(path + ".", Object(x.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value))),
                    Object(y.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value))), changes, secret);
                continue;
            }
            if (old?.GetRawText() == now?.GetRawText()) continue;
            changes.Add(secret(path) ? $"{path} (secret) changed" : $"{path} {Show(old)} → {Show(now)}");
        }
    }

    static string Show(JsonElement? value) => value is { } v ? Truncate(v.GetRawText()) : "(none)";

    static string Truncate(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
