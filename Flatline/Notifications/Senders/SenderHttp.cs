using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Flatline;

/// <summary>How every sender talks HTTP: one POST per attempt, bounded in time, with the answer
/// classified for the outbox. 2xx is delivered; 429 and 5xx may be retried (after the server's
/// Retry-After when it gave one); any other status is final; network errors and timeouts may be
/// retried. Only the caller's cancellation escapes as an exception.</summary>
public sealed class SenderHttp
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How much of an error response is read, for its text; the rest is never read.</summary>
    const int ErrorBodyBytes = 4096;
    const int ErrorTextChars = 200;

    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly HttpMessageInvoker invoker;
    readonly TimeSpan timeout;
    readonly string userAgent = "Flatline/" + FlatlineApp.Version;

    /// <param name="invoker">The shared client; an <see cref="HttpClient"/> works too (its own
    /// Timeout then also applies, so leave it above <paramref name="timeout"/>).</param>
    /// <param name="timeout">The bound on each attempt, from sending to the end of reading the
    /// error text; 10 s unless a test needs it shorter.</param>
    public SenderHttp(HttpMessageInvoker invoker, TimeProvider time, TimeSpan? timeout = null)
    {
        this.invoker = invoker;
        this.timeout = timeout ?? DefaultTimeout;
        Time = time;
    }

    /// <summary>The clock for send times and signatures.</summary>
    public TimeProvider Time { get; }

    /// <summary>The bound on each attempt; senders that speak another protocol (SMTP) keep to it too.</summary>
    public TimeSpan Timeout => timeout;

    /// <summary>A client suited to notifications: pooled connections that are renewed (DNS changes
    /// reach it), no redirects (a POST must not turn into a GET somewhere else; a 3xx is reported as
    /// final), no decompression, no cookies; the system proxy applies, as for any outgoing call.</summary>
    public static HttpMessageInvoker CreateInvoker() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = DefaultTimeout,
        MaxResponseHeadersLength = 64, // KiB
        UseCookies = false,
    }, disposeHandler: true);

    /// <summary>POSTs <paramref name="json"/> as <c>application/json</c> with the given extra headers.</summary>
    /// <param name="retryAfterInBody">For services that say when to retry in the error body rather than
    /// in <c>Retry-After</c> (Telegram): reads the wait from the start of a 429 or 5xx body.</param>
    public Task<DeliveryResult> PostJsonAsync(Uri url, byte[] json, IReadOnlyList<(string Name, string Value)>? headers, CancellationToken cancellationToken,
        Func<ReadOnlyMemory<byte>, TimeSpan?>? retryAfterInBody = null) =>
        SendAsync(HttpMethod.Post, url, json, "application/json", headers, cancellationToken, retryAfterInBody);

    /// <summary>Sends <paramref name="body"/> of <paramref name="contentType"/> with <paramref name="method"/>;
    /// classified like <see cref="PostJsonAsync"/>.</summary>
    public async Task<DeliveryResult> SendAsync(HttpMethod method, Uri url, byte[] body, string contentType, IReadOnlyList<(string Name, string Value)>? headers,
        CancellationToken cancellationToken, Func<ReadOnlyMemory<byte>, TimeSpan?>? retryAfterInBody = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var attempt = new CancellationTokenSource(timeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
        int? status = null;
        try
        {
            using var request = new HttpRequestMessage(method, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
            foreach (var (name, value) in headers ?? [])
                request.Headers.TryAddWithoutValidation(name, value);

            // HttpClient's plain SendAsync would buffer the whole response body; ask for the headers only.
            using var response = invoker is HttpClient client
                ? await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token)
                : await invoker.SendAsync(request, linked.Token);
            status = (int)response.StatusCode;
            if (status is >= 200 and < 300) return new DeliveryResult(true, status, null, false);

            var retry = status is 429 or >= 500;
            var error = "HTTP " + status.Value.ToString(CultureInfo.InvariantCulture);
            var answer = await ReadErrorBodyAsync(response.Content, linked.Token);
            if (OneLine(answer.Span) is { Length: > 0 } text) error += ": " + text;
            return new DeliveryResult(false, status, error, retry, retry ? RetryAfter(response) ?? retryAfterInBody?.Invoke(answer) : null);
        }
        catch (Exception e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var error = attempt.IsCancellationRequested
                ? NetworkErrors.Timeout(timeout)
                : NetworkErrors.Describe(e);
            // A failure after the status arrived (reading the error text) still reports that status.
            return new DeliveryResult(false, status, error, status is null or 429 or >= 500);
        }
    }

    /// <summary>A channel whose config cannot make a request: final, since retrying cannot fix it.</summary>
    public static DeliveryResult Misconfigured(string error) => new(false, null, error, false);

    /// <summary>An absolute http(s) URL from the channel's base URL with <paramref name="path"/>
    /// appended to its path (any query is kept), or null when the base is not one.</summary>
    public static Uri? Endpoint(string? baseUrl, string path = "")
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return null;
        if (path.Length == 0) return uri;
        var builder = new UriBuilder(uri);
        builder.Path = builder.Path.TrimEnd('/') + path;
        return builder.Uri;
    }

    /// <summary>A JSON body written by hand (no reflection, exact field order). Non-ASCII text is
    /// written as UTF-8 rather than \u escapes.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) write(writer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An <c>application/x-www-form-urlencoded</c> body, the fields in the order given.</summary>
    public static byte[] Form(IEnumerable<(string Name, string Value)> fields) =>
        Encoding.UTF8.GetBytes(string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Name) + "=" + Uri.EscapeDataString(f.Value))));

    /// <summary>Writes an RFC 3339 UTC time with a <c>Z</c>, as the API does; stored times come back
    /// with an unspecified kind and are UTC.</summary>
    public static void WriteTime(Utf8JsonWriter writer, string name, DateTime? time)
    {
        if (time is { } value) writer.WriteString(name, Utc(value));
        else writer.WriteNull(name);
    }

    public static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        _ => time,
    };

    TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header) return null;
        if (header.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date)
        {
            var wait = date - Time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    /// <summary>The start of an error response, at most <see cref="ErrorBodyBytes"/>; the rest is never read.</summary>
    static async Task<ReadOnlyMemory<byte>> ReadErrorBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[ErrorBodyBytes];
        var length = 0;
        // Each pass adds at least one byte, so this ends by the limit at the latest.
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0) break;
            length += read;
        }
        return buffer.AsMemory(0, length);
    }

    /// <summary>The start of an error response as one short line: services put the reason there
    /// (<c>no_service</c>, <c>{"message": "Unknown Webhook"}</c>, …).</summary>
    internal static string OneLine(ReadOnlySpan<byte> body)
    {
        var text = new StringBuilder();
        var space = false;
        foreach (var c in Encoding.UTF8.GetString(body))
        {
            if (text.Length >= ErrorTextChars) break;
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = text.Length > 0;
                continue;
            }
            if (space) text.Append(' ');
            space = false;
            text.Append(c);
        }
        // Cut at the limit, the text may end in half a surrogate pair.
        if (text.Length > 0 && char.IsHighSurrogate(text[^1])) text.Length--;
        return text.ToString();
    }
}
