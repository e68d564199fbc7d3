using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Flatline.Tests;

/// <summary>A real HTTP (or, given a certificate, HTTPS) target on 127.0.0.1 with a port of its
/// own, whose routes misbehave on demand.</summary>
/// <remarks>
/// /ok · /health (answers <see cref="HealthStatus"/>, switchable by the test) · /status/{code} · /slow/{ms} · /hang · /trickle · /endless · /gibibyte · /gzip-bomb · /redirect/{n} ·
/// /loop · /to?url={location} · /echo · /keyword?at={offset}&amp;word={word} · /huge-headers
/// </remarks>
public sealed class TargetServer : IAsyncDisposable
{
    readonly ConcurrentQueue<JsonElement> echoes = new();
    LoopbackServer server = null!;
    int healthStatus = 200;
    int requests;

    TargetServer()
    {
    }

    public Uri BaseAddress => server.BaseAddress;

    /// <summary>What /health answers; tests flip it to make a monitor fail and recover.</summary>
    public int HealthStatus { get => Volatile.Read(ref healthStatus); set => Volatile.Write(ref healthStatus, value); }

    /// <summary>How many requests arrived, on any route.</summary>
    public int Requests => Volatile.Read(ref requests);

    /// <summary>Every request /echo received, oldest first, as the JSON it answered with.</summary>
    public IReadOnlyList<JsonElement> Echoes => [.. echoes];

    public Uri Url(string pathAndQuery) => server.Url(pathAndQuery);

    public static async Task<TargetServer> StartAsync(X509Certificate2? certificate = null)
    {
        var target = new TargetServer();
        target.server = await LoopbackServer.StartAsync(target.HandleAsync, certificate);
        return target;
    }

    Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref requests);
        var segments = (context.Request.Path.Value ?? "/").Trim('/').Split('/');
        var argument = segments.Length > 1 && int.TryParse(segments[1], out var n) ? n : 0;
        return segments[0] switch
        {
            "ok" => TextAsync(context, "all ok"),
            "health" => StatusAsync(context, HealthStatus),
            "status" => StatusAsync(context, argument),
            "slow" => SlowAsync(context, argument),
            "hang" => Until(context, ct => Task.Delay(Timeout.Infinite, ct)),
            "trickle" => Until(context, ct => TrickleAsync(context, ct)),
            "endless" => Until(context, ct => EndlessAsync(context, ct)),
            "gibibyte" => Until(context, ct => GibibyteAsync(context, ct)),
            "gzip-bomb" => Until(context, ct => GzipBombAsync(context, ct)),
            "redirect" => RedirectAsync(context, argument <= 1 ? "/ok" : $"/redirect/{argument - 1}"),
            "loop" => RedirectAsync(context, "/loop"),
            "to" => RedirectAsync(context, context.Request.Query["url"].ToString()),
            "echo" => EchoAsync(context),
            "keyword" => Until(context, ct => KeywordAsync(context, ct)),
            "huge-headers" => HugeHeadersAsync(context),
            _ => StatusAsync(context, 404),
        };
    }

    static Task TextAsync(HttpContext context, string text, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text);
    }

    static Task StatusAsync(HttpContext context, int status)
    {
        if (status is >= 300 and < 400) context.Response.Headers.Location = "/ok";
        context.Response.StatusCode = status;
        return status is 204 or 304 || context.Request.Method == "HEAD" ? Task.CompletedTask : context.Response.WriteAsync($"status {status}");
    }

    static async Task SlowAsync(HttpContext context, int milliseconds)
    {
        await Task.Delay(milliseconds, context.RequestAborted);
        await TextAsync(context, "slow ok");
    }

    static Task RedirectAsync(HttpContext context, string location)
    {
        context.Response.StatusCode = 302;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    }

    /// <summary>Runs a route that only ends when the client goes away.</summary>
    static async Task Until(HttpContext context, Func<CancellationToken, Task> route)
    {
        try
        {
            await route(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    static async Task TrickleAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(cancellationToken);
        // A byte every 200 ms; capped at an hour so the loop is bounded.
        for (var i = 0; i < 18_000; i++)
        {
            await context.Response.Body.WriteAsync("."u8.ToArray(), cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
            await Task.Delay(200, cancellationToken);
        }
    }

    static readonly byte[] Filler = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));

    static async Task EndlessAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/plain";
        // 64 KiB at a time, capped at 4 GiB.
        for (var i = 0; i < 65_536; i++)
            await context.Response.Body.WriteAsync(Filler, cancellationToken);
    }

    /// <summary>A declared 1 GiB body (Content-Length), sent for as long as the client reads.</summary>
    static async Task GibibyteAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = 1L << 30;
        for (var i = 0; i < (1 << 30) / Filler.Length; i++)
            await context.Response.Body.WriteAsync(Filler, cancellationToken);
    }

    /// <summary>16 MiB of zeros, gzipped once. Gzip members concatenate, so sending it 128 times is a
    /// 2 MiB body that inflates to 2 GiB.</summary>
    static readonly Lazy<byte[]> BombMember = new(() =>
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 16; i++) gzip.Write(zeros);
        }
        return packed.ToArray();
    });

    public static long GzipBombInflatedBytes => 128L * 16 * 1024 * 1024;

    static async Task GzipBombAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/plain";
        context.Response.Headers.ContentEncoding = "gzip";
        for (var i = 0; i < 128; i++)
            await context.Response.Body.WriteAsync(BombMember.Value, cancellationToken);
    }

    static async Task KeywordAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var at = int.TryParse(context.Request.Query["at"], out var offset) ? offset : 0;
        var word = context.Request.Query["word"].ToString() is { Length: > 0 } w ? w : "needle";
        context.Response.ContentType = "text/plain; charset=utf-8";
        for (var left = at; left > 0; left -= Filler.Length)
            await context.Response.Body.WriteAsync(Filler.AsMemory(0, Math.Min(left, Filler.Length)), cancellationToken);
        await context.Response.WriteAsync(word + "\n", cancellationToken);
    }

    static Task HugeHeadersAsync(HttpContext context)
    {
        var value = new string('h', 1024);
        for (var i = 0; i < 100; i++) context.Response.Headers[$"X-Big-{i}"] = value;
        return TextAsync(context, "all ok");
    }

    /// <summary>What arrived, as JSON: method, headers (repeated names joined by ", ") and the body
    /// as text.</summary>
    async Task EchoAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("method", context.Request.Method);
            json.WriteStartObject("headers");
            foreach (var (name, values) in context.Request.Headers)
                json.WriteString(name.ToLowerInvariant(), values.ToString());
            json.WriteEndObject();
            json.WriteString("body", body);
            json.WriteEndObject();
        }
        using (var document = JsonDocument.Parse(buffer.ToArray()))
            echoes.Enqueue(document.RootElement.Clone());
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted);
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}

/// <summary>A TCP listener on 127.0.0.1 that speaks no HTTP, or broken HTTP: it answers garbage,
/// resets (before answering, halfway through the headers or halfway through the body), sends a header
/// with control characters, or stays silent.</summary>
public sealed class RawTarget : IDisposable
{
    public enum Behaviour { Garbage, Reset, Silent, ResetInHeaders, ResetInBody, ControlCharsInHeader }

    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new();
    readonly List<Socket> held = [];
    readonly Behaviour behaviour;
    readonly Task accepting;

    RawTarget(Behaviour behaviour)
    {
        this.behaviour = behaviour;
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        accepting = AcceptAsync();
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public static RawTarget Start(Behaviour behaviour) => new(behaviour);

    /// <summary>A port on 127.0.0.1 with nothing listening.</summary>
    public static int UnusedPort() => LoopbackServer.FreePort();

    async Task AcceptAsync()
    {
        try
        {
            // Tests open a handful of connections; the cap keeps the loop bounded regardless.
            for (var i = 0; i < 1000; i++)
            {
                var socket = await listener.AcceptSocketAsync(stop.Token);
                _ = ServeAsync(socket);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    async Task ServeAsync(Socket socket)
    {
        try
        {
            if (behaviour == Behaviour.Silent)
            {
                lock (held) held.Add(socket);
                return;
            }
            // Read the request first: closing with unread data would reset rather than close.
            await ReadRequestAsync(socket);
            if (behaviour is Behaviour.Reset or Behaviour.ResetInHeaders or Behaviour.ResetInBody)
            {
                var partial = behaviour switch
                {
                    Behaviour.ResetInHeaders => "HTTP/1.1 200 OK\r\nContent-Type: text/pl"u8.ToArray(),
                    Behaviour.ResetInBody => "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nthe first part only"u8.ToArray(),
                    _ => [],
                };
                if (partial.Length > 0) await socket.SendAsync(partial, SocketFlags.None, stop.Token);
                socket.LingerState = new LingerOption(true, 0);
            }
            else if (behaviour == Behaviour.ControlCharsInHeader)
            {
                await socket.SendAsync("HTTP/1.1 200 OK\r\nX-Evil\u0001: a\u0000b\rc\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), SocketFlags.None, stop.Token);
                socket.Shutdown(SocketShutdown.Send);
            }
            else
            {
                await socket.SendAsync("this is not http at all\r\n\r\n"u8.ToArray(), SocketFlags.None, stop.Token);
                socket.Shutdown(SocketShutdown.Send);
            }
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Dispose();
        }
    }

    async Task ReadRequestAsync(Socket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, timeout.Token);
            if (read == 0) return;
            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0) return;
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        listener.Dispose();
        try { accepting.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        lock (held)
            foreach (var socket in held) socket.Dispose();
        stop.Dispose();
    }
}

/// <summary>Self-signed server certificates for the HTTPS targets.</summary>
public static class TestCertificates
{
    /// <summary>Valid for localhost and 127.0.0.1 from an hour ago for 30 days.</summary>
    public static X509Certificate2 Valid(int days = 30) => Create(Now().AddHours(-1), Now().AddDays(days));

    /// <summary>Expired yesterday.</summary>
    public static X509Certificate2 Expired() => Create(Now().AddDays(-30), Now().AddDays(-1));

    /// <summary>Valid, but for another name than 127.0.0.1.</summary>
    public static X509Certificate2 ForAnotherName() => Create(Now().AddHours(-1), Now().AddDays(30), "other.example");

    /// <summary>Now to the second, since certificates keep no finer time.</summary>
    static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
    }

    static X509Certificate2 Create(DateTimeOffset notBefore, DateTimeOffset notAfter, string? onlyName = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=flatline-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (onlyName is null)
        {
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
        }
        else
        {
            names.AddDnsName(onlyName);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(notBefore, notAfter);
        // A round trip through PFX gives Kestrel a certificate whose private key it can use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
