using System.Globalization;
using System.Text.Json;

namespace Flatline;

/// <summary><c>flatline export</c>: the database as a configuration file that <c>flatline apply</c> reads
/// back to the same state. Items are sorted by key, fields in a fixed order, so that the same database
/// always gives the same bytes. Secrets are never written: each is a <c>${VARIABLE}</c> placeholder
/// named after the channel's key and the field (<c>${OPS_HOOK_SECRET}</c>), or the page's key for a
/// status page's password (<c>${ACME_PAGE_PASSWORD}</c>; only its hash is stored), listed in <see cref="Export.Variables"/>.</summary>
public static class ConfigExport
{
    public sealed record Export(string Text, List<string> Variables);

    public static Export Write(Database database, TimeProvider time, NotificationChannelTypes types)
    {
        var state = ConfigState.Read(database, time, types);
        string Key(string kind, string uid) => state.KeyOf[(kind, uid)];
        var variables = new List<string>();

        var monitors = state.Monitors
            .Select(m => ConfigShapes.Monitor(Key("monitor", m.View.Id), m.Draft, id => Key("monitor", id)))
            .OrderBy(KeyOf, StringComparer.Ordinal).ToList();
        var channels = state.Channels.Select(channel =>
        {
            var key = Key("channel", channel.Id);
            var type = types.Find(channel.Config.Type);
            var config = new ChannelConfig(channel.Config.Type, channel.Config.Values.Select(value =>
            {
                if (type?.Field(value.Key) is { Secret: false }) return value;
                var variable = ConfigValues.VariableName(key, value.Key);
                variables.Add(variable);
                return KeyValuePair.Create(value.Key, ChannelConfig.Json($"${{{variable}}}"));
            }));
            return ConfigShapes.Channel(key, channel.Name, config);
        }).OrderBy(KeyOf, StringComparer.Ordinal).ToList();
        var links = state.Links
            .Select(l => ConfigShapes.Link(Key("monitor", l.MonitorId), Key("channel", l.ChannelId), l.OnRecovery, l.OnDegraded))
            .OrderBy(l => l[0].Value.GetString(), StringComparer.Ordinal).ThenBy(l => l[1].Value.GetString(), StringComparer.Ordinal).ToList();
        // Names only: an agent's token is stored hashed and cannot be written; applying the file elsewhere makes new ones.
        var locations = state.Locations.Select(l => ConfigShapes.Location(l.Name)).ToList();
        var tags = state.TagsInUse.Select(t => ConfigShapes.Tag(t.Name, t.Colour)).OrderBy(t => t[0].Value.GetString(), StringComparer.Ordinal).ToList();
        var windows = state.Windows
            .Select(w => ConfigShapes.Window(Key("maintenance", w.Id), w.Draft, id => Key("monitor", id), id => Key("channel", id)))
            .OrderBy(KeyOf, StringComparer.Ordinal).ToList();

        var pages = state.Pages.OrderBy(p => Key("status_page", p.Stored.View.Id), StringComparer.Ordinal).Select(page =>
        {
            var key = Key("status_page", page.Stored.View.Id);
            string? password = null;
            if (page.Stored.PasswordHash is not null)
            {
                var variable = ConfigValues.VariableName(key, "page", "password");
                // A channel's secret may have made the same name (a channel keyed acme-page with a password field).
                for (var n = 2; variables.Contains(variable); n++) variable = ConfigValues.VariableName(key, "page", "password", n.ToString(CultureInfo.InvariantCulture));
                variables.Add(variable);
                password = $"${{{variable}}}";
            }
            return ConfigShapes.Page(key, page.Draft, password, id => Key("monitor", id));
        }).ToList();

        variables.Sort(StringComparer.Ordinal);
        var yaml = new YamlWriter(variables.Select(v => $"${{{v}}}"));
        yaml.Comment("Flatline configuration, written by `flatline export`; `flatline apply FILE` reads it back (docs/config.md).");
        yaml.Comment("Secrets are not exported: each is a ${VARIABLE} that apply reads from the environment.");
        yaml.Raw($"version: {ConfigDocument.Version}\n");
        yaml.Section("locations", locations);
        yaml.Section("monitors", monitors);
        yaml.Section("channels", channels);
        yaml.Section("links", links);
        yaml.Section("tags", tags);
        yaml.Section("maintenance", windows);
        yaml.Section("status_pages", pages);
        return new Export(yaml.ToString(), variables);
    }

    static string KeyOf(List<KeyValuePair<string, JsonElement>> shape) => shape[0].Value.GetString()!;
}
