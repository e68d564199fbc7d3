using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>One line of the diff: <c>+</c> created, <c>~</c> changed (with what), <c>-</c> deleted.</summary>
public sealed record ConfigChange(char Mark, string Kind, string Key, List<string> Details)
{
    public override string ToString() => $"{Mark} {Kind} {Key}{(Details.Count == 0 ? "" : ": " + string.Join("; ", Details))}";
}

/// <summary>What applying a file would do: the changes in order, or the errors that stop it.</summary>
public sealed class ConfigPlan
{
    public List<string> Errors { get; } = [];
    public List<ConfigChange> Changes { get; } = [];

    /// <summary>Said after the diff: items a file made that this one no longer lists, and so on.</summary>
    public List<string> Notes { get; } = [];

    public int MonitorDeletions => Changes.Count(c => c.Mark == '-' && c.Kind == "monitor");

    /// <summary>The agent token of each location the plan creates: shown once, after the write, and stored only hashed.</summary>
    public List<(string Location, string Token)> AgentTokens { get; } = [];

    internal List<Action<SqliteConnection, SqliteTransaction, long>> Writes { get; } = [];
}

/// <summary>Turns a configuration file into a plan against the database, and writes the plan in one
/// transaction. Every item is validated by the API's own validator, as its create body; a key names
/// the item across runs through <c>config_keys</c>, so applying the same file again finds nothing to do.</summary>
/// <param name="pageCache">The status-page cache of the app this runs in, if any: dropped after a write that changed something,
/// since a page shows the monitors, windows and pages a file sets.</param>
public sealed partial class ConfigApply(Database database, CheckTypes checkTypes, NotificationChannelTypes channelTypes, TimeProvider time, StatusPageCache? pageCache = null)
{
    sealed record ItemId(string Uid, bool Exists, bool Adopt);

    sealed record Planned<T>(ConfigItem Item, string Uid, bool Exists, bool Adopt, T Draft);

    public ConfigPlan Plan(ConfigDocument document, bool prune)
    {
        var plan = new ConfigPlan();
        var state = ConfigState.Read(database, time, channelTypes);
        var monitorIds = Ids(document.Monitors, "monitor", state);
        var channelIds = Ids(document.Channels, "channel", state);
        var windowIds = Ids(document.Maintenance, "maintenance", state);
        var pageIds = Ids(document.StatusPages, "status_page", state);

        // The file's keys for the items it names, the database's for the rest: one naming on both sides of the diff.
        var fileKeys = new Dictionary<(string, string), string>();
        foreach (var (kind, ids) in new[] { ("monitor", monitorIds), ("channel", channelIds), ("maintenance", windowIds), ("status_page", pageIds) })
            foreach (var (key, id) in ids) fileKeys[(kind, id.Uid)] = key;
        string KeyOf(string kind, string uid) => fileKeys.GetValueOrDefault((kind, uid)) ?? state.KeyOf.GetValueOrDefault((kind, uid)) ?? uid;

        // The locations as they will be: those there are and those the file adds, less those --prune takes away.
        var fileLocations = document.Locations.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var doomedLocations = prune
            ? state.Mapped.Values.Where(m => m.Kind == "location" && m.Created && !fileLocations.Contains(m.Key) && state.Locations.Any(l => l.Uid == m.Uid))
                .Select(m => m.Key).ToHashSet(StringComparer.Ordinal)
            : [];
        var locationsAfter = state.Locations.Select(l => l.Name).Where(n => !doomedLocations.Contains(n)).Concat(fileLocations).ToHashSet(StringComparer.Ordinal);
        var monitors = PlanMonitors(document, state, monitorIds, new PlannedLocations(locationsAfter));
        var channels = PlanChannels(document, channelIds);
        var windows = PlanWindows(document, state, windowIds, monitorIds, channelIds, monitors);
        var pages = PlanPages(document, state, pageIds, monitorIds, prune);
        var links = new List<(ConfigLink Link, string Monitor, string Channel)>();
        foreach (var link in document.Links)
        {
            var monitor = monitorIds.GetValueOrDefault(link.Monitor);
            var channel = channelIds.GetValueOrDefault(link.Channel);
            if (monitor is null) document.Error(link.Node["monitor"]!, $"{link.Where}.monitor", $"no monitor in this file has the key '{link.Monitor}'");
            if (channel is null) document.Error(link.Node["channel"]!, $"{link.Where}.channel", $"no channel in this file has the key '{link.Channel}'");
            if (monitor is not null && channel is not null) links.Add((link, monitor.Uid, channel.Uid));
        }
        if (doomedLocations.Count > 0)
        {
            // A location --prune would delete must be listed by no monitor that stays: the file's as they will be, the others as they are.
            var fileMonitors = document.Monitors.Select(m => m.Key).ToHashSet(StringComparer.Ordinal);
            var prunedMonitors = state.Mapped.Values.Where(m => m.Kind == "monitor" && m.Created && !fileMonitors.Contains(m.Key)).Select(m => m.Uid).ToHashSet();
            var staying = monitors.Select(m => (Name: m.Draft.Name, m.Draft.Locations))
                .Concat(state.Monitors.Where(m => !monitors.Any(p => p.Uid == m.View.Id) && !prunedMonitors.Contains(m.View.Id)).Select(m => (m.View.Name, m.Draft.Locations)));
            foreach (var name in doomedLocations.Order(StringComparer.Ordinal))
                if (staying.Where(m => m.Locations?.Contains(name) == true).Select(m => m.Name).FirstOrDefault() is { } user)
                    plan.Errors.Add($"{document.File}: locations: --prune would delete the location '{name}' (a file made it and this one no longer lists it), but monitor '{user}' still lists it");
        }
        plan.Errors.AddRange(document.Errors);
        if (plan.Errors.Count > 0) return plan;

        var listed = new HashSet<(string, string)>();
        var mappings = new List<ConfigKey>();
        var fresh = new List<StoredMonitor>();

        foreach (var monitor in monitors)
        {
            listed.Add(("monitor", monitor.Item.Key));
            var after = ConfigShapes.Monitor(monitor.Item.Key, monitor.Draft, id => KeyOf("monitor", id));
            var current = state.Monitors.Find(m => m.View.Id == monitor.Uid);
            Diff(plan, "monitor", monitor, after, current is null ? null : ConfigShapes.Monitor(monitor.Item.Key, current.Draft, id => KeyOf("monitor", id)), _ => false,
                (c, t, now) => MonitorStore.Insert(c, t, monitor.Uid, monitor.Draft, now),
                (c, t, now) => MonitorStore.Update(c, t, monitor.Uid, monitor.Draft, now, []));
            mappings.Add(new ConfigKey("monitor", monitor.Item.Key, monitor.Uid, !monitor.Exists || state.Mapped.GetValueOrDefault(("monitor", monitor.Item.Key))?.Created == true));
        }
        // Parents are written once every monitor of the file exists.
        plan.Writes.Add((c, t, _) =>
        {
            using var find = Sql.Prepare(c, t, "SELECT id FROM monitors WHERE uid = $uid", "$uid");
            foreach (var monitor in monitors)
                if (find.Bind(monitor.Uid).ExecuteScalar() is long key) Tags.Write(c, t, key, monitor.Draft);
        });

        foreach (var tag in document.Tags)
        {
            var colour = state.TagColours.GetValueOrDefault(tag.Name);
            if (colour == tag.Colour) continue;
            plan.Changes.Add(new ConfigChange(colour is null ? '+' : '~', "tag", tag.Name, colour is null ? [] : [$"colour {colour} → {tag.Colour}"]));
            plan.Writes.Add((c, t, _) => Tags.SetColour(c, t, tag.Name, tag.Colour));
        }

        foreach (var location in document.Locations)
        {
            listed.Add(("location", location.Name));
            var mapped = state.Mapped.GetValueOrDefault(("location", location.Name));
            if (state.Locations.Find(l => l.Name == location.Name) is { Uid: { } existing })
            {
                if (mapped?.Uid != existing) plan.Changes.Add(new ConfigChange('~', "location", location.Name, ["taken over by the file (it was made in the app)"]));
                mappings.Add(new ConfigKey("location", location.Name, existing, mapped is { Created: true } && mapped.Uid == existing));
                continue;
            }
            var uid = Guid.CreateVersion7().ToString();
            var token = LocationRegistry.NewToken();
            plan.Changes.Add(new ConfigChange('+', "location", location.Name, []));
            plan.Writes.Insert(0, (c, t, now) => LocationRegistry.Insert(c, t, uid, location.Name, token, now)); // before the monitors that list it
            plan.AgentTokens.Add((location.Name, token));
            mappings.Add(new ConfigKey("location", location.Name, uid, true));
        }

        foreach (var channel in channels)
        {
            listed.Add(("channel", channel.Item.Key));
            var type = channelTypes.Find(channel.Draft.Config.Type)!;
            var current = state.Channels.Find(c => c.Id == channel.Uid);
            Diff(plan, "channel", channel, ConfigShapes.Channel(channel.Item.Key, channel.Draft.Name, channel.Draft.Config),
                current is null ? null : ConfigShapes.Channel(channel.Item.Key, current.Name, current.Config),
                path => path.StartsWith("config.", StringComparison.Ordinal) && type.Field(path[7..])?.Secret == true,
                (c, t, now) => ChannelStore.Insert(c, t, channel.Uid, channel.Draft.Name, channel.Draft.Config, now),
                (c, t, now) => ChannelStore.Update(c, t, channel.Uid, channel.Draft.Name, channel.Draft.Config, now));
            mappings.Add(new ConfigKey("channel", channel.Item.Key, channel.Uid, !channel.Exists || state.Mapped.GetValueOrDefault(("channel", channel.Item.Key))?.Created == true));
        }

        foreach (var window in windows)
        {
            listed.Add(("maintenance", window.Item.Key));
            var current = state.Windows.Find(w => w.Id == window.Uid);
            Diff(plan, "maintenance", window,
                ConfigShapes.Window(window.Item.Key, window.Draft, id => KeyOf("monitor", id), id => KeyOf("channel", id)),
                current is null ? null : ConfigShapes.Window(window.Item.Key, current.Draft, id => KeyOf("monitor", id), id => KeyOf("channel", id)), _ => false,
                (c, t, now) => MaintenanceStore.Insert(c, t, window.Uid, window.Draft, now),
                (c, t, now) => MaintenanceStore.Update(c, t, window.Uid, window.Draft, now));
            mappings.Add(new ConfigKey("maintenance", window.Item.Key, window.Uid, !window.Exists || state.Mapped.GetValueOrDefault(("maintenance", window.Item.Key))?.Created == true));
        }

        // Slugs and domains move between pages only after each page that changes one has let go of its own.
        var moving = pages.Where(p => p.Exists && state.Pages.Find(c => c.Stored.View.Id == p.Uid) is { } c
            && (c.Draft.Slug != p.Draft.Draft.Slug || c.Draft.CustomDomain != p.Draft.Draft.CustomDomain)).Select(p => p.Uid).ToList();
        if (moving.Count > 0)
            plan.Writes.Add((c, t, _) =>
            {
                using var release = Sql.Prepare(c, t, "UPDATE status_pages SET slug = uid, custom_domain = NULL WHERE uid = $uid", "$uid");
                foreach (var uid in moving) release.Bind(uid).ExecuteNonQuery();
            });
        foreach (var page in pages)
        {
            listed.Add(("status_page", page.Item.Key));
            var current = state.Pages.Find(p => p.Stored.View.Id == page.Uid);
            var (draft, password) = PagePassword(page.Draft.Draft, page.Draft.Password, current?.Stored.PasswordHash);
            Diff(plan, "status_page", page, ConfigShapes.Page(page.Item.Key, draft, null, id => KeyOf("monitor", id)),
                current is null ? null : ConfigShapes.Page(page.Item.Key, current.Draft, null, id => KeyOf("monitor", id)), _ => false,
                (c, t, now) => StatusPageStore.Insert(c, t, page.Uid, Placed(c, t, draft), now),
                (c, t, now) => StatusPageStore.Update(c, t, current!.Stored.Key, Placed(c, t, draft), now),
                password is null ? [] : [password]);
            mappings.Add(new ConfigKey("status_page", page.Item.Key, page.Uid, !page.Exists || state.Mapped.GetValueOrDefault(("status_page", page.Item.Key))?.Created == true));
        }

        foreach (var (link, monitor, channel) in links)
        {
            listed.Add(("link", link.Key));
            var current = state.Links.Find(l => l.MonitorId == monitor && l.ChannelId == channel);
            var mapped = state.Mapped.GetValueOrDefault(("link", link.Key));
            var uid = current?.Id ?? Guid.CreateVersion7().ToString();
            if (current is null)
            {
                plan.Changes.Add(new ConfigChange('+', "link", $"{link.Monitor} → {link.Channel}", []));
                plan.Writes.Add((c, t, now) => ChannelStore.Link(c, t, uid, monitor, channel, link.OnRecovery, link.OnDegraded, now));
            }
            else
            {
                var details = new List<string>();
                if (current.OnRecovery != link.OnRecovery) details.Add($"on_recovery {Json(current.OnRecovery)} → {Json(link.OnRecovery)}");
                if (current.OnDegraded != link.OnDegraded) details.Add($"on_degraded {Json(current.OnDegraded)} → {Json(link.OnDegraded)}");
                if (mapped?.Uid != current.Id) details.Add("taken over by the file (it was made in the app)");
                if (details.Count > 0)
                {
                    plan.Changes.Add(new ConfigChange('~', "link", $"{link.Monitor} → {link.Channel}", details));
                    plan.Writes.Add((c, t, _) => ChannelStore.UpdateLink(c, t, monitor, channel, link.OnRecovery, link.OnDegraded));
                }
            }
            mappings.Add(new ConfigKey("link", link.Key, uid, current is null || mapped is { Created: true } && mapped.Uid == current.Id));
        }

        Prune(plan, state, listed, prune);

        plan.Writes.Add((c, t, _) =>
        {
            using var save = Sql.Prepare(c, t, "INSERT OR REPLACE INTO config_keys (kind, key, uid, created) VALUES ($kind, $key, $uid, $created)",
                "$kind", "$key", "$uid", "$created");
            foreach (var mapping in mappings) save.Bind(mapping.Kind, mapping.Key, mapping.Uid, mapping.Created).ExecuteNonQuery();
        });
        return plan;
    }

    /// <summary>Writes the plan in one transaction: all of it, or (on any failure) none of it.</summary>
    public void Write(ConfigPlan plan)
    {
        if (plan.Errors.Count > 0) throw new InvalidOperationException("a plan with errors is not written");
        var now = Database.Now(time);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var write in plan.Writes) write(connection, transaction, now);
        transaction.Commit();
        if (plan.Changes.Count > 0) pageCache?.InvalidateAll();
    }

    static string Json(bool value) => value ? "true" : "false";

    void Diff<T>(ConfigPlan plan, string kind, Planned<T> item, List<KeyValuePair<string, JsonElement>> after, List<KeyValuePair<string, JsonElement>>? before,
        Func<string, bool> secret, Action<SqliteConnection, SqliteTransaction, long> create, Func<SqliteConnection, SqliteTransaction, long, object?> update,
        List<string>? more = null)
    {
        if (before is null)
        {
            plan.Changes.Add(new ConfigChange('+', kind, item.Item.Key, []));
            plan.Writes.Add(create);
            return;
        }
        var details = ConfigShapes.Differences(before, after, secret);
        details.AddRange(more ?? []);
        if (item.Adopt) details.Add("taken over by the file (it was made in the app)");
        if (details.Count == 0) return;
        plan.Changes.Add(new ConfigChange('~', kind, item.Item.Key, details));
        plan.Writes.Add((c, t, now) => update(c, t, now));
    }

    /// <summary>Items a file created that this file no longer lists: deleted with <paramref name="prune"/>, else named in a note.</summary>
    static void Prune(ConfigPlan plan, ConfigState state, HashSet<(string, string)> listed, bool prune)
    {
        var gone = new List<string>();
        // Links first, monitors last: a monitor's deletion takes its links and window memberships with it.
        foreach (var kind in new[] { "link", "maintenance", "status_page", "channel", "monitor", "location" })
        {
            foreach (var mapping in state.Mapped.Values.Where(m => m.Kind == kind && !listed.Contains((m.Kind, m.Key))).OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                var link = kind == "link" ? state.Links.Find(l => l.Id == mapping.Uid) : null;
                var exists = kind switch
                {
                    "monitor" => state.Monitors.Any(m => m.View.Id == mapping.Uid),
                    "channel" => state.Channels.Any(c => c.Id == mapping.Uid),
                    "maintenance" => state.Windows.Any(w => w.Id == mapping.Uid),
                    "status_page" => state.Pages.Any(p => p.Stored.View.Id == mapping.Uid),
                    "location" => state.Locations.Any(l => l.Uid == mapping.Uid),
                    _ => link is not null,
                };
                var name = kind == "link" ? mapping.Key.Replace(" ", " → ", StringComparison.Ordinal) : mapping.Key;
                if (!exists || !mapping.Created)
                {
                    // Deleted in the app, or only taken over by a file: the key is forgotten, the item (if any) stays.
                    if (prune) plan.Writes.Add((c, t, _) => Forget(c, t, mapping));
                    if (exists && prune) plan.Notes.Add($"kept {kind} {name}: a file took it over but did not create it, so --prune leaves it");
                    continue;
                }
                if (!prune)
                {
                    gone.Add($"{kind} {name}");
                    continue;
                }
                plan.Changes.Add(new ConfigChange('-', kind, name, []));
                if (kind == "status_page")
                {
                    // First of all: the page lets go of its slug and domain before another page of the file takes them.
                    var key = state.Pages.Find(p => p.Stored.View.Id == mapping.Uid)!.Stored.Key;
                    plan.Writes.Insert(0, (c, t, _) =>
                    {
                        StatusPageStore.Delete(c, t, key);
                        Forget(c, t, mapping);
                    });
                    continue;
                }
                plan.Writes.Add((c, t, _) =>
                {
                    if (kind == "monitor") MonitorStore.Delete(c, t, mapping.Uid);
                    else if (kind == "channel") ChannelStore.Delete(c, t, mapping.Uid);
                    else if (kind == "maintenance") MaintenanceStore.Delete(c, t, mapping.Uid);
                    else if (kind == "location") DeleteLocation(c, t, mapping.Uid);
                    else ChannelStore.Unlink(c, t, link!.MonitorId, link.ChannelId);
                    Forget(c, t, mapping);
                });
            }
        }
        if (gone.Count > 0)
            plan.Notes.Add($"not in the file but made by one, kept (--prune deletes them): {string.Join(", ", gone)}");
    }

    static void DeleteLocation(SqliteConnection connection, SqliteTransaction transaction, string uid)
    {
        using var delete = Sql.Prepare(connection, transaction, "DELETE FROM locations WHERE uid = $uid", "$uid");
        delete.Bind(uid).ExecuteNonQuery();
    }

    /// <summary>The locations a monitor of the file may list: those there will be once the plan is written.</summary>
    sealed class PlannedLocations(HashSet<string> names) : ILocationPresence
    {
        public bool Exists(string location) => location == LocationNames.Local || names.Contains(location);

        public bool IsOnline(string location) => true;
    }

    static void Forget(SqliteConnection connection, SqliteTransaction transaction, ConfigKey mapping)
    {
        using var forget = Sql.Prepare(connection, transaction, "DELETE FROM config_keys WHERE kind = $kind AND key = $key", "$kind", "$key");
        forget.Bind(mapping.Kind, mapping.Key).ExecuteNonQuery();
    }

    /// <summary>Each key's item: the one its mapping names, else one made in the app whose name gives the
    /// same key (taken over), else a new id.</summary>
    static Dictionary<string, ItemId> Ids(List<ConfigItem> items, string kind, ConfigState state)
    {
        var ids = new Dictionary<string, ItemId>(StringComparer.Ordinal);
        foreach (var item in items)
            ids[item.Key] = state.Find(kind, item.Key) is { } found
                ? new ItemId(found.Uid, true, !found.Mapped)
                : new ItemId(Guid.CreateVersion7().ToString(), false, false);
        return ids;
    }
}
