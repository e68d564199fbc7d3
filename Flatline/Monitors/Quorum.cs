using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

public enum QuorumKind { Any, Majority, All, Count }

/// <summary>How many of a monitor's locations must have failed <c>retries + 1</c> times in a row before it is
/// down (SPEC §16): <c>"any"</c>, <c>"majority"</c> (the default), <c>"all"</c> or a number. In JSON a
/// number is a number and the others are strings.</summary>
[JsonConverter(typeof(QuorumJsonConverter))]
public readonly record struct Quorum(QuorumKind Kind, int Count = 0)
{
    public static readonly Quorum Majority = new(QuorumKind.Majority);

    public override string ToString() => Kind switch
    {
        QuorumKind.Any => "any",
        QuorumKind.Majority => "majority",
        QuorumKind.All => "all",
        _ => Count.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>"any", "majority", "all" or a whole number from 1 (as text); null otherwise.</summary>
    public static Quorum? Parse(string? text) => text switch
    {
        "any" => new Quorum(QuorumKind.Any),
        "majority" => Majority,
        "all" => new Quorum(QuorumKind.All),
        _ when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 => new Quorum(QuorumKind.Count, n),
        _ => null,
    };

    /// <summary>How many failed locations make the monitor down when <paramref name="reporting"/> of its
    /// locations report: a location that does not report counts neither way, so the quorum is taken over
    /// the ones that do (a number larger than that means all of them).</summary>
    public int Needed(int reporting) => Kind switch
    {
        QuorumKind.Any => 1,
        QuorumKind.Majority => reporting / 2 + 1,
        QuorumKind.All => reporting,
        _ => Math.Min(Count, reporting),
    };
}

public sealed class QuorumJsonConverter : JsonConverter<Quorum>
{
    public override Quorum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt32(out var n) && n >= 1 => new Quorum(QuorumKind.Count, n),
        JsonTokenType.String when Quorum.Parse(reader.GetString()) is { Kind: not QuorumKind.Count } q => q,
        _ => throw new JsonException("quorum must be \"any\", \"majority\", \"all\" or a whole number from 1"),
    };

    public override void Write(Utf8JsonWriter writer, Quorum value, JsonSerializerOptions options)
    {
        if (value.Kind == QuorumKind.Count) writer.WriteNumberValue(value.Count);
        else writer.WriteStringValue(value.ToString());
    }
}

/// <summary>One location's state of a monitor checked from several, as the quorum reads it.</summary>
public readonly record struct LocationState(string Location, MonitorStatus Status, int ConsecutiveFailures);

/// <summary>The quorum of SPEC §16, pure: a location is failed when its own state machine turned it down;
/// the monitor is down when at least <see cref="Quorum.Needed"/> of the reporting locations are.</summary>
public static class QuorumRules
{
    /// <summary>Whether the monitor is down, the failed reporting locations (in the monitor's order), and
    /// whether any reporting location is up (the monitor is up, else still unknown, when not down).</summary>
    public static (bool Down, List<string> Failed, bool AnyUp) Decide(IReadOnlyList<LocationState> states, Func<string, bool> reporting, Quorum quorum)
    {
        var failed = new List<string>();
        var count = 0;
        var anyUp = false;
        foreach (var state in states)
        {
            if (!reporting(state.Location)) continue;
            count++;
            if (state.Status == MonitorStatus.Down) failed.Add(state.Location);
            else if (state.Status == MonitorStatus.Up) anyUp = true;
        }
        return (count > 0 && failed.Count >= quorum.Needed(count), failed, anyUp);
    }
}
