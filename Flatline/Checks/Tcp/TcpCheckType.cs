using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json.Serialization;

namespace Flatline;

/// <summary>The <c>config</c> of a <c>tcp</c> monitor: up when a connection to <c>host:port</c> opens
/// (and, with <c>tls</c>, its handshake completes) within the timeout. <c>tls_expiry_warn_days</c> (with
/// <c>tls</c>; left out for the default of 14, 0 for none) marks it degraded when the certificate
/// expires that soon.</summary>
public sealed record TcpMonitorConfig(
    string Host, int Port, bool Tls = false, bool VerifyTls = true,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TlsExpiryWarnDays = null) : MonitorConfig
{
    [JsonIgnore]
    public override string Type => "tcp";

    [JsonIgnore]
    public override string Target => TcpCheckType.HostPort(Host, Port);
}

public sealed record TcpCheckSpec(string Host, int Port, bool Tls, bool VerifyTls, TimeSpan Timeout) : CheckSpec(Timeout);

/// <summary><c>tcp</c>: a connection, optionally with a TLS handshake whose certificate expiry is recorded.</summary>
public sealed class TcpCheckType(TimeProvider time) : CheckType<TcpMonitorConfig>
{
    public override string Type => "tcp";

    public override IProbe Probe { get; } = new TcpProbe(time);

    protected override CheckSpec Compile(TcpMonitorConfig config, TimeSpan timeout) =>
        new TcpCheckSpec(config.Host, config.Port, config.Tls, config.VerifyTls, timeout)
        {
            DegradedWhen = config.Tls ? DegradedWhen.Of(null, config.TlsExpiryWarnDays ?? DegradedWhen.DefaultTlsExpiryWarnDays) : null,
        };

    public override MonitorConfig? Validate(ConfigReader config)
    {
        var host = config.String("host", required: true, maxLength: 253);
        if (host is not null && !HostNames.IsValid(host)) config.Fail("host", "must be a host name (such as db.example.com) or an IP address");
        var port = config.Integer("port", null, 1, 65535);
        var tls = config.Boolean("tls", false);
        var verifyTls = config.Boolean("verify_tls", true);
        var warnDays = HttpCheckType.TlsExpiryWarnDays(config);
        return new TcpMonitorConfig(host ?? "", port, tls, verifyTls, warnDays);
    }

    /// <summary><c>host:port</c>, with an IPv6 address in brackets.</summary>
    public static string HostPort(string host, int port) =>
        (host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Opens a fresh connection per check. The response time is the time to connect, DNS
/// included, plus the TLS handshake when the monitor asks for one.</summary>
public sealed class TcpProbe(TimeProvider time) : IProbe
{
    public async Task<ProbeOutcome> CheckAsync(CheckSpec check, CancellationToken cancellationToken)
    {
        var spec = (TcpCheckSpec)check;
        using var deadline = new CheckDeadline(spec.Timeout, time, cancellationToken);
        DateTimeOffset? tlsExpiresAt = null;
        var started = time.GetTimestamp();
        try
        {
            // Dual mode: a host name may resolve to IPv4 or IPv6 addresses, tried in turn.
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (IPAddress.TryParse(spec.Host, out var address)) await socket.ConnectAsync(address, spec.Port, deadline.Token);
            else await socket.ConnectAsync(spec.Host, spec.Port, deadline.Token);
            if (spec.Tls)
            {
                await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = spec.Host,
                    RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                    {
                        tlsExpiresAt = CertificateRejectedException.ExpiryOf(certificate);
                        return errors == SslPolicyErrors.None || !spec.VerifyTls
                            ? true
                            : throw new CertificateRejectedException(CertificateRejectedException.Reason(certificate, chain, errors, time.GetUtcNow()), tlsExpiresAt);
                    },
                }, deadline.Token);
            }
            var latencyUs = (long)time.GetElapsedTime(started).TotalMicroseconds;
            return new ProbeOutcome(true, null, latencyUs, null, tlsExpiresAt);
        }
        catch (Exception e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var error = deadline.TimedOut ?? NetworkErrors.Describe(e);
            return ProbeOutcome.Failure(error, tlsExpiresAt: tlsExpiresAt);
        }
    }
}
