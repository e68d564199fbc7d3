using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Flatline;

[JsonConverter(typeof(JsonStringEnumConverter<LocationStatus>))]
public enum LocationStatus
{
    /// <summary>Its agent has reported within <see cref="Settings.LocationOfflineSeconds"/> (the main node always is).</summary>
    [JsonStringEnumMemberName("online")] Online,
    /// <summary>Its agent has not reported for that long, or never has.</summary>
    [JsonStringEnumMemberName("offline")] Offline,
}

/// <summary>A location as the API lists it. The main node is <c>local</c> (its id is <c>local</c> too);
/// <c>last_seen_at</c> is the agent's last contact and <c>version</c> the Flatline version it runs.</summary>
public sealed record LocationView(string Id, string Name, DateTime CreatedAt, DateTime? LastSeenAt, string? Version, LocationStatus Status, bool Local);

/// <summary>A new location with its agent token, which is shown only in this answer.</summary>
public sealed record CreatedLocation(string Id, string Name, DateTime CreatedAt, string Token);

public sealed record CreateLocationRequest(string? Name);

/// <summary><c>location_changed</c> on the event stream: a location's agent stopped or started reporting.</summary>
public sealed record LocationEvent(string Type, string Location, LocationStatus Status, DateTime Since);

public static partial class LocationNames
{
    public const string Local = "local";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex Pattern();

    /// <summary>Why <paramref name="name"/> cannot name a new location, or null.</summary>
    public static string? Problem(string? name) =>
        name is null || !Pattern().IsMatch(name) ? "must be 1-32 lower-case letters, digits or '-', starting with a letter or digit"
        : name == Local ? "'local' is the main node's name" : null;
}
