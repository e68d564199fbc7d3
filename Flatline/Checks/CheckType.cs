using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>A monitor's <c>config</c>: one record per check type, told apart by <c>type</c>. Adding a
/// type adds one <see cref="JsonDerivedTypeAttribute"/> here and one entry in <see cref="CheckTypes.Create"/>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(HttpMonitorConfig), "http")]
[JsonDerivedType(typeof(TcpMonitorConfig), "tcp")]
[JsonDerivedType(typeof(DnsMonitorConfig), "dns")]
[JsonDerivedType(typeof(PingMonitorConfig), "ping")]
[JsonDerivedType(typeof(PushMonitorConfig), "push")]
public abstract record MonitorConfig
{
    /// <summary>The check type's name, the same as the JSON discriminator.</summary>
    [JsonIgnore]
    public abstract string Type { get; }

    /// <summary>What a person reads as the monitor's target: a URL, <c>host:port</c>, …</summary>
    [JsonIgnore]
    public abstract string Target { get; }
}

/// <summary>What one check does, compiled once from a validated config so that a probe does no
/// parsing on the hot path. <see cref="DegradedWhen"/> is what makes a successful check count toward
/// degraded, for the types that have a response time limit or a certificate.</summary>
public abstract record CheckSpec(TimeSpan Timeout)
{
    public DegradedWhen? DegradedWhen { get; init; }
}

/// <summary>The result of one check. <see cref="LatencyUs"/> is the type's response time (HTTP: to
/// the response headers; TCP: to the connection, and handshake), null when there was none.
/// <see cref="Degradation"/> is set on a successful check that was slow or saw a certificate near expiry.</summary>
public sealed record ProbeOutcome(bool Ok, int? StatusCode, long? LatencyUs, string? Error, DateTimeOffset? TlsExpiresAt, Degradation? Degradation = null)
{
    public static ProbeOutcome Failure(string error, int? statusCode = null, long? latencyUs = null, DateTimeOffset? tlsExpiresAt = null) =>
        new(false, statusCode, latencyUs, error, tlsExpiresAt);
}

/// <summary>Runs the checks of one type. Failures of the target become a failed outcome with a
/// short message; only the caller's cancellation escapes as an exception.</summary>
public interface IProbe
{
    Task<ProbeOutcome> CheckAsync(CheckSpec spec, CancellationToken cancellationToken);
}

/// <summary>Everything Flatline knows about one value of <c>config.type</c>: how its config is
/// validated, what the engine runs and which probe runs it. Its config record says what the UI shows
/// as its target.</summary>
public interface ICheckType
{
    string Type { get; }

    /// <summary>Validates a config object whose <c>type</c> is this one, naming bad fields as
    /// <c>config.x</c>; the normalized config (defaults filled in), which is only used when no field failed.
    /// <see cref="ConfigReader.Current"/> is the monitor's config before the change, for what the server
    /// made and keeps (a push token).</summary>
    MonitorConfig? Validate(ConfigReader config);

    CheckSpec Compile(MonitorConfig config, TimeSpan timeout);

    /// <summary>Null for a type whose results come from outside the probe pool (a push): the scheduler leaves it alone.</summary>
    IProbe? Probe { get; }
}

/// <summary>A check type over its own config record, so that each type's code sees its own record.</summary>
public abstract class CheckType<TConfig> : ICheckType where TConfig : MonitorConfig
{
    public abstract string Type { get; }

    public abstract IProbe? Probe { get; }

    public abstract MonitorConfig? Validate(ConfigReader config);

    public CheckSpec Compile(MonitorConfig config, TimeSpan timeout) => Compile((TConfig)config, timeout);

    protected abstract CheckSpec Compile(TConfig config, TimeSpan timeout);
}

/// <summary>The registered check types, by name.</summary>
public sealed class CheckTypes : IDisposable
{
    readonly Dictionary<string, ICheckType> byType;

    /// <param name="probeTime">The probes' clock: a check's timeout is real time whatever clock the rest of the app reads.</param>
    public static CheckTypes Create(TimeProvider probeTime) => new([
        new HttpCheckType(probeTime),
        new TcpCheckType(probeTime),
        new DnsCheckType(probeTime),
        new PingCheckType(probeTime),
        new PushCheckType(),
    ]);

    public CheckTypes(IEnumerable<ICheckType> types) => byType = types.ToDictionary(t => t.Type, StringComparer.Ordinal);

    public IEnumerable<string> Names => byType.Keys;

    public ICheckType this[MonitorConfig config] => byType[config.Type];

    public ICheckType? Find(string type) => byType.GetValueOrDefault(type);

    public void Dispose()
    {
        foreach (var type in byType.Values) (type.Probe as IDisposable)?.Dispose();
    }

    /// <summary>Validates a whole <c>config</c> object: its <c>type</c>, then the type's own fields.</summary>
    /// <param name="current">The monitor's config before this change; null for a new monitor.</param>
    public MonitorConfig? Validate(JsonElement config, Dictionary<string, string[]> errors, MonitorConfig? current = null)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            FieldErrors.Add(errors, "config", "must be an object with a \"type\"");
            return null;
        }
        var name = config.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : null;
        if (name is null || Find(name) is not { } checkType)
        {
            FieldErrors.Add(errors, "config.type", $"must be one of {string.Join(", ", Names.Select(n => $"\"{n}\""))}");
            return null;
        }
        return checkType.Validate(new ConfigReader(config, "config", errors, current));
    }
}
