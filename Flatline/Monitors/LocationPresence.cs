namespace Flatline;

/// <summary>Which locations report now (SPEC §16), for the quorum: the writer asks per result of a monitor
/// checked from several locations, so it answers from memory. A location that does not report counts
/// neither as up nor as down. <c>local</c>, the main node, always reports.</summary>
public interface ILocationPresence
{
    bool IsOnline(string location);

    /// <summary>Whether a monitor may list <paramref name="location"/>.</summary>
    bool Exists(string location);
}

/// <summary>No agents: only the main node.</summary>
public sealed class LocalOnly : ILocationPresence
{
    public static readonly LocalOnly Instance = new();

    public bool IsOnline(string location) => location == "local";

    public bool Exists(string location) => location == "local";
}

/// <summary>The rules for <c>locations</c> that need to know which exist: every name is a location, and a
/// push monitor (whose results come to the main node) is the main node's alone.</summary>
public static class LocationRules
{
    public static Dictionary<string, string[]>? Problems(MonitorDraft draft, ILocationPresence presence)
    {
        var locations = draft.Locations ?? [LocationNames.Local];
        Dictionary<string, string[]>? errors = null;
        foreach (var name in locations)
            if (!presence.Exists(name)) FieldErrors.Add(errors ??= [], "locations", $"unknown location '{name}'");
        if (errors is null && draft.Config.Type == "push" && locations is not [LocationNames.Local])
            FieldErrors.Add(errors ??= [], "locations", "a push monitor is received by the main node: its only location is 'local'");
        return errors;
    }
}
