using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Flatline;

/// <summary>One check's time limit joined with the caller's cancellation, as every probe needs it:
/// <see cref="Token"/> for the check's I/O, and the error text when it was the limit that ran out.</summary>
public sealed class CheckDeadline : IDisposable
{
    readonly TimeSpan limit;
    readonly CancellationTokenSource expiry;
    readonly CancellationTokenSource linked;

    public CheckDeadline(TimeSpan limit, TimeProvider time, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        this.limit = limit;
        expiry = new CancellationTokenSource(limit, time);
        linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
    }

    public CancellationToken Token => linked.Token;

    /// <summary><c>timeout after 10 s</c> once the limit has run out, else null.</summary>
    public string? TimedOut => expiry.IsCancellationRequested ? NetworkErrors.Timeout(limit) : null;

    public void Dispose()
    {
        linked.Dispose();
        expiry.Dispose();
    }
}

/// <summary>The short error texts of every network check and sender: <c>connection refused</c>,
/// <c>DNS lookup failed</c>, <c>TLS: certificate expired</c>, …</summary>
public static class NetworkErrors
{
    /// <summary><c>timeout after 10 s</c>: the limit that ran out, in whole seconds.</summary>
    public static string Timeout(TimeSpan limit) =>
        $"timeout after {Math.Max(1, (long)Math.Round(limit.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)} s";

    public static string Describe(Exception e)
    {
        var requestError = (e as HttpRequestException)?.HttpRequestError;
        switch (requestError)
        {
            case HttpRequestError.NameResolutionError:
                return "DNS lookup failed";
            case HttpRequestError.SecureConnectionError:
                return Find<CertificateRejectedException>(e)?.Message ?? "TLS: handshake failed";
            case HttpRequestError.InvalidResponse:
                return "invalid response";
            case HttpRequestError.ConfigurationLimitExceeded:
                return "response headers too large";
            case HttpRequestError.HttpProtocolError:
                return "protocol error";
        }
        // Outside HttpClient (a TCP check's own handshake), the same reasons come unwrapped.
        if (Find<CertificateRejectedException>(e) is { } rejected) return rejected.Message;
        if (Find<AuthenticationException>(e) is not null) return "TLS: handshake failed";
        switch (FindSocketError(e))
        {
            case SocketError.ConnectionRefused:
                return "connection refused";
            case SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown:
                return "connection reset";
            case SocketError.HostUnreachable or SocketError.HostDown:
                return "host unreachable";
            case SocketError.NetworkUnreachable or SocketError.NetworkDown:
                return "network unreachable";
            case SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData:
                return "DNS lookup failed";
        }
        return requestError switch
        {
            HttpRequestError.ResponseEnded => "connection closed",
            HttpRequestError.ConnectionError => "connection failed",
            _ when e is IOException => "connection closed",
            _ => "request failed",
        };
    }

    static SocketError? FindSocketError(Exception e) => Find<SocketException>(e)?.SocketErrorCode;

    public static T? Find<T>(Exception? e) where T : Exception
    {
        // Exception chains are short; the depth cap keeps this bounded whatever they hold.
        for (var depth = 0; e is not null && depth < 8; depth++, e = e.InnerException)
            if (e is T found) return found;
        return null;
    }
}

/// <summary>Thrown from a TLS validation callback with why the certificate was refused; it travels
/// inside the handshake's exception to the very check that opened the connection, so concurrent
/// checks never mix up reasons.</summary>
public sealed class CertificateRejectedException(string reason, DateTimeOffset? notAfter) : Exception(reason)
{
    public DateTimeOffset? NotAfter { get; } = notAfter;

    public static DateTimeOffset? ExpiryOf(X509Certificate? certificate) =>
        certificate is X509Certificate2 cert ? new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero) : null;

    /// <summary>Why a server's certificate is refused, most specific first: an expired certificate
    /// is usually also untrusted, and a wrong name matters more than a missing trust anchor.</summary>
    public static string Reason(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, DateTimeOffset now)
    {
        if (certificate is not X509Certificate2 cert || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return "TLS: no certificate";
        if (cert.NotBefore.ToUniversalTime() > now.UtcDateTime)
            return "TLS: certificate not yet valid";
        if (cert.NotAfter.ToUniversalTime() < now.UtcDateTime
            || (chain is not null && chain.ChainStatus.Any(s => s.Status.HasFlag(X509ChainStatusFlags.NotTimeValid))))
            return "TLS: certificate expired";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return "TLS: certificate name mismatch";
        return "TLS: certificate not trusted";
    }
}
