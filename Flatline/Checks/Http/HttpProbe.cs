using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Flatline;

/// <summary>Runs HTTP checks. Failures of the target become a failed <see cref="ProbeOutcome"/>
/// with a short message; only the caller's cancellation escapes as an exception.</summary>
/// <remarks>Four shared handlers (follow redirects × verify TLS), none of which keeps a connection:
/// every check opens its own (see the handler), so <see cref="ProbeOutcome.LatencyUs"/>, from sending
/// the request to receiving the response headers, always includes DNS, connect and the TLS handshake.</remarks>
public sealed class HttpProbe : IProbe, IDisposable
{
    public const int MaxRedirects = 10;

    /// <summary>How much of the body a keyword check, or an assertion on the body, reads at most.</summary>
    public const int KeywordWindow = 1024 * 1024;

    readonly TimeProvider time;
    readonly string userAgent;
    readonly Handler[] handlers;

    public HttpProbe(TimeProvider time)
    {
        this.time = time;
        userAgent = "Flatline/" + FlatlineApp.Version;
        handlers = [new(false, false, time), new(false, true, time), new(true, false, time), new(true, true, time)];
    }

    Task<ProbeOutcome> IProbe.CheckAsync(CheckSpec spec, CancellationToken cancellationToken) => CheckAsync((HttpCheckSpec)spec, cancellationToken);

    public async Task<ProbeOutcome> CheckAsync(HttpCheckSpec spec, CancellationToken cancellationToken)
    {
        using var deadline = new CheckDeadline(spec.Timeout, time, cancellationToken);
        var handler = handlers[(spec.FollowRedirects ? 2 : 0) + (spec.VerifyTls ? 1 : 0)];
        int? status = null;
        long? latencyUs = null;
        DateTimeOffset? tlsExpiresAt = null;
        using var request = CreateRequest(spec);
        try
        {
            var started = time.GetTimestamp();
            using var response = await handler.Invoker.SendAsync(request, deadline.Token);
            latencyUs = (long)time.GetElapsedTime(started).TotalMicroseconds;
            status = (int)response.StatusCode;
            // RequestUri is the last hop's after redirects, so the expiry is that of the server that answered.
            var answered = response.RequestMessage ?? request;
            if (OtherScheme(answered.RequestUri) is { } refused) return ProbeOutcome.Failure(refused, status, latencyUs, null);
            tlsExpiresAt = handler.Certificates.ExpiryFor(answered);

            if (spec.FollowRedirects && UnfollowedRedirect(answered.RequestUri!, status.Value, response.Headers.Location) is { } error)
                return ProbeOutcome.Failure(error, status, latencyUs, tlsExpiresAt);
            if (!spec.ExpectedStatus.Matches(status.Value))
                return ProbeOutcome.Failure($"unexpected status {status} (expected {spec.ExpectedStatus})", status, latencyUs, tlsExpiresAt);
            string? body = null;
            if (spec.Keyword is { Length: > 0 } || spec.ReadsBody)
            {
                var (found, text) = await ReadBodyAsync(response.Content, spec.Keyword is { Length: > 0 } k ? Encoding.UTF8.GetBytes(k) : null, spec.ReadsBody, deadline.Token);
                if (!found) return ProbeOutcome.Failure($"keyword \"{spec.Keyword}\" not found", status, latencyUs, tlsExpiresAt);
                body = text;
            }
            if (spec.Assertions is { Count: > 0 } assertions && Failed(assertions, response, body, latencyUs) is { } failed)
                return ProbeOutcome.Failure(failed, status, latencyUs, tlsExpiresAt);
            return new ProbeOutcome(true, status, latencyUs, null, tlsExpiresAt);
        }
        catch (Exception e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            tlsExpiresAt ??= NetworkErrors.Find<CertificateRejectedException>(e)?.NotAfter;
            var error = deadline.TimedOut ?? OtherScheme(request.RequestUri) ?? NetworkErrors.Describe(e);
            return ProbeOutcome.Failure(error, status, latencyUs, tlsExpiresAt);
        }
    }

    HttpRequestMessage CreateRequest(HttpCheckSpec spec)
    {
        var request = new HttpRequestMessage(spec.Method, spec.Url);
        var userSetAgent = false;
        var userSetContentType = false;
        foreach (var (name, _) in spec.Headers)
        {
            userSetAgent |= name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase);
            userSetContentType |= name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase);
        }
        if (spec.Body is { } body)
        {
            request.Content = new ByteArrayContent(body.Content);
            if (!userSetContentType) request.Content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
        }
        if (!userSetAgent) request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        foreach (var (name, value) in spec.Headers)
        {
            if (request.Headers.TryAddWithoutValidation(name, value)) continue;
            // A content header (Content-Type, Content-Language, ...) belongs on the content; a
            // request without a body gets an empty one only if the header really is one.
            var content = request.Content ?? new ByteArrayContent([]);
            if (content.Headers.TryAddWithoutValidation(name, value)) request.Content = content;
            else if (content != request.Content) content.Dispose();
        }
        return request;
    }

    /// <summary>Why a redirect came back when the handler follows them: it hands back the last 3xx
    /// when it gives up, past the limit or rather than go from https to http. A Location the
    /// handler never follows (another scheme) is left to the status check.</summary>
    static string? UnfollowedRedirect(Uri from, int status, Uri? location)
    {
        if (status is not (300 or 301 or 302 or 303 or 307 or 308) || location is null) return null;
        var to = location.IsAbsoluteUri ? location : new Uri(from, location);
        if (to.Scheme == Uri.UriSchemeHttp && from.Scheme == Uri.UriSchemeHttps) return "redirect from https to http not followed";
        return to.Scheme == Uri.UriSchemeHttp || to.Scheme == Uri.UriSchemeHttps ? "too many redirects" : null;
    }

    /// <summary>The redirect handler follows a Location of any scheme from http (it only refuses
    /// https to http) and moves the request there, where the hop then fails in some unrelated way,
    /// e.g. an HTTP request to port 21 for ftp:. The request's final URI tells.</summary>
    static string? OtherScheme(Uri? uri) =>
        uri is { Scheme: not ("http" or "https") } ? $"redirect to {uri.Scheme}: not followed" : null;

    /// <summary>Every failing assertion, named, in one error; null when all hold.</summary>
    static string? Failed(IReadOnlyList<HttpAssertionCheck> assertions, HttpResponseMessage response, string? body, long? latencyUs)
    {
        using var facts = new HttpResponseFacts((int)response.StatusCode, name => HeaderValue(response, name), body, ResponseTimes.Ms(latencyUs));
        List<string>? failures = null;
        foreach (var assertion in assertions)
            if (assertion.Failure(facts) is { } failure) (failures ??= []).Add(failure);
        return failures is null ? null : (failures.Count == 1 ? "assertion failed: " : $"{failures.Count} assertions failed: ") + string.Join("; ", failures);
    }

    static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    /// <summary>Reads at most <see cref="KeywordWindow"/> bytes: with a <paramref name="keyword"/> and not
    /// <paramref name="whole"/>, only until it shows up. Searching the UTF-8 bytes is the same as an
    /// ordinal search of the decoded text. Found is true when there is no keyword; the text is the
    /// decoded body when <paramref name="whole"/>.</summary>
    static async Task<(bool Found, string? Text)> ReadBodyAsync(HttpContent content, byte[]? keyword, bool whole, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(KeywordWindow);
        try
        {
            var length = 0;
            var found = keyword is null;
            // Each pass adds at least one byte, so this ends by the window at the latest.
            while (length < KeywordWindow)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length, KeywordWindow - length), cancellationToken);
                if (read == 0) break;
                var from = Math.Max(0, length - (keyword?.Length ?? 0) + 1);
                length += read;
                found = found || buffer.AsSpan(from, length - from).IndexOf(keyword) >= 0;
                if (found && !whole) break;
            }
            return (found, whole ? Encoding.UTF8.GetString(buffer, 0, length) : null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose()
    {
        foreach (var handler in handlers) handler.Invoker.Dispose();
    }

    sealed class Handler
    {
        public Handler(bool followRedirects, bool verifyTls, TimeProvider time)
        {
            var sockets = new SocketsHttpHandler
            {
                AllowAutoRedirect = followRedirects,
                MaxAutomaticRedirections = MaxRedirects,
                // Never inflate: a small gzip body must not become gigabytes in memory.
                AutomaticDecompression = DecompressionMethods.None,
                // Every check opens its own connection: response time then always includes DNS,
                // connect and TLS, checks stay comparable whatever the interval, a dead keep-alive
                // connection can never fake an outage, and each HTTPS check sees the certificate.
                PooledConnectionLifetime = TimeSpan.Zero,
                // Each check's own deadline cancels its connect, and a pending connection is torn
                // down when the request that started it ends; this is only the backstop, at the
                // longest timeout a monitor may have.
                ConnectTimeout = TimeSpan.FromSeconds(300),
                MaxResponseHeadersLength = 64, // KiB
                UseCookies = false,
                // A monitor measures the target itself, not a proxy named in the environment.
                UseProxy = false,
                SslOptions = new()
                {
                    // The handshake fails with the reason itself, so that the failing check (and
                    // only it) can report it; see CertificateRejectedException.
                    RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                        errors == SslPolicyErrors.None || !verifyTls
                            ? true
                            : throw new CertificateRejectedException(CertificateRejectedException.Reason(certificate, chain, errors, time.GetUtcNow()), CertificateRejectedException.ExpiryOf(certificate)),
                },
                PlaintextStreamFilter = (context, _) =>
                {
                    if (context.PlaintextStream is SslStream ssl) Certificates.Record(ssl, context.InitialRequestMessage);
                    return ValueTask.FromResult(context.PlaintextStream);
                },
            };
            // HttpMessageInvoker rather than HttpClient: no client-wide timeout or buffering to
            // get in the way; each check brings its own deadline.
            Invoker = new HttpMessageInvoker(sockets, disposeHandler: true);
        }

        public HttpMessageInvoker Invoker { get; }
        public ServerCertificates Certificates { get; } = new();
    }

    /// <summary>The certificate expiry of each HTTPS server (TLS host name and port) as the latest
    /// new connection to it saw, per handler.</summary>
    /// <remarks>
    /// TLS happens once per connection, inside the connection pool rather than in any one check's
    /// flow: the pool may give a new connection to another waiting request than the one that
    /// caused it, and a pooled connection serves later checks with no handshake at all. An
    /// AsyncLocal would therefore credit a certificate to the wrong check, or to none. All
    /// connections of one pool go to the same TLS host name and port (the pool's own key), so
    /// each new connection records its certificate under that key, and a check reads the entry
    /// for the server that answered it once its response is in. Concurrent checks of one server
    /// read the same entry; checks of different servers never share one. The key comes from the
    /// connection's initiating request, checked against the TLS host name in case a redirect has
    /// already moved that request elsewhere.
    /// </remarks>
    sealed class ServerCertificates
    {
        const int MaxServers = 4096;
        readonly ConcurrentDictionary<string, DateTimeOffset> notAfter = new(StringComparer.OrdinalIgnoreCase);

        public void Record(SslStream ssl, HttpRequestMessage initiatingRequest)
        {
            if (CertificateRejectedException.ExpiryOf(ssl.RemoteCertificate) is not { } expiry) return;
            if (Key(initiatingRequest) is not { } key || !key.StartsWith(ssl.TargetHostName + ":", StringComparison.OrdinalIgnoreCase)) return;
            if (notAfter.Count >= MaxServers) notAfter.Clear();
            notAfter[key] = expiry;
        }

        public DateTimeOffset? ExpiryFor(HttpRequestMessage request) =>
            Key(request) is { } key && notAfter.TryGetValue(key, out var expiry) ? expiry : null;

        static string? Key(HttpRequestMessage request)
        {
            if (request.RequestUri is not { Scheme: "https" } uri) return null;
            // Like the pool, name the TLS host after an explicit Host header when there is one.
            var host = request.Headers.Host is { } header ? HostOf(header) : uri.IdnHost;
            return host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        }

        static string HostOf(string hostHeader)
        {
            var colon = hostHeader.LastIndexOf(':');
            return colon > hostHeader.LastIndexOf(']') ? hostHeader[..colon] : hostHeader;
        }
    }
}
