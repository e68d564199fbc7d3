using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Flatline;

/// <summary>How an email channel reaches its server: implicit TLS from the first byte, STARTTLS
/// after the greeting (never falling back to plain text), or plain text.</summary>
public enum SmtpSecurity { StartTls, Tls, None }

/// <summary>One message for one SMTP server: where, how, as whom, from and to whom, and the message
/// itself (ASCII with CRLF line ends, as <see cref="EmailSender"/> composes it).</summary>
public sealed record SmtpDelivery(
    string Host, int Port, SmtpSecurity Security, string? Username, string? Password, string From, IReadOnlyList<string> To, string Message);

/// <summary>A small SMTP client (RFC 5321) over a socket and <see cref="SslStream"/>, for the one thing
/// Flatline needs: hand one message to a submission server. EHLO, STARTTLS (then EHLO again), AUTH
/// PLAIN or LOGIN, MAIL FROM, RCPT TO per recipient, DATA with dot-stuffing, QUIT. MailKit would do
/// it too, at several megabytes of an executable that must stay under 20 MB.</summary>
/// <remarks>What the outbox hears: a 4xx reply may be retried, a 5xx is final; a refused connection,
/// a timeout, a TLS failure or a server that closes or stalls before it accepted the message may be
/// retried, since the message was not taken. Recipients refused with a 5xx are left out and named in
/// the error when others were accepted; a 4xx for any recipient retries the whole message (nothing
/// was sent yet, so nobody gets it twice).</remarks>
public sealed class SmtpSession
{
    const int MaxLine = 2048;
    const int MaxReplyLines = 100;
    const int ErrorTextChars = 200;

    readonly byte[] buffer = new byte[MaxLine];
    int start, end;
    Stream stream;

    SmtpSession(Stream stream) => this.stream = stream;

    /// <param name="trustedRoots">The CAs to trust instead of the system's, when the server's certificate
    /// comes from a private CA; null for the system's store.</param>
    public static async Task<DeliveryResult> DeliverAsync(SmtpDelivery delivery, TimeSpan timeout, TimeProvider time, X509Certificate2Collection? trustedRoots,
        CancellationToken cancellationToken)
    {
        using var deadline = new CheckDeadline(timeout, time, cancellationToken);
        var token = deadline.Token;
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var host = delivery.Host.Trim('[', ']');
            if (IPAddress.TryParse(host, out var address)) await socket.ConnectAsync(address, delivery.Port, token);
            else await socket.ConnectAsync(host, delivery.Port, token);
            await using var network = new NetworkStream(socket, ownsSocket: false);
            var session = new SmtpSession(network);
            if (delivery.Security == SmtpSecurity.Tls) await session.StartTlsAsync(host, trustedRoots, time, token);
            await session.ExpectAsync(220, token);
            var helo = "EHLO " + AddressLiteral(socket.LocalEndPoint);
            var extensions = await session.CommandAsync(helo, 250, token);
            if (delivery.Security == SmtpSecurity.StartTls)
            {
                if (!Offers(extensions, "STARTTLS")) return Final("the server does not offer STARTTLS");
                await session.CommandAsync("STARTTLS", 220, token);
                await session.StartTlsAsync(host, trustedRoots, time, token);
                extensions = await session.CommandAsync(helo, 250, token);
            }
            if (delivery.Username is { Length: > 0 } username)
            {
                var mechanisms = Mechanisms(extensions);
                if (mechanisms.Contains("PLAIN"))
                    await session.CommandAsync("AUTH PLAIN " + Base64($"\0{username}\0{delivery.Password}"), 235, token);
                else if (mechanisms.Contains("LOGIN"))
                {
                    await session.CommandAsync("AUTH LOGIN", 334, token);
                    await session.CommandAsync(Base64(username), 334, token);
                    await session.CommandAsync(Base64(delivery.Password ?? ""), 235, token);
                }
                else return Final("the server offers neither AUTH PLAIN nor AUTH LOGIN");
            }
            await session.CommandAsync($"MAIL FROM:<{delivery.From}>", 250, token);
            var refused = new List<string>();
            var refusedCode = 0;
            foreach (var recipient in delivery.To)
            {
                var reply = await session.CommandAsync($"RCPT TO:<{recipient}>", null, token);
                if (reply.Code is 250 or 251) continue;
                if (reply.Code is >= 500 and < 600)
                {
                    refused.Add($"{recipient} ({reply.Code.ToString(CultureInfo.InvariantCulture)} {reply.Text})");
                    refusedCode = reply.Code;
                }
                else throw new ReplyException(reply);
            }
            if (refused.Count == delivery.To.Count) return new DeliveryResult(false, refusedCode, Cut("every recipient was refused: " + string.Join(", ", refused)), false);
            await session.CommandAsync("DATA", 354, token);
            var accepted = await session.CommandAsync(DotStuffed(delivery.Message), 250, token);
            // The message is taken; a QUIT that goes wrong changes nothing about that.
            try
            {
                await session.CommandAsync("QUIT", null, token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ReplyException)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            return new DeliveryResult(true, accepted.Code, refused.Count > 0 ? Cut("refused: " + string.Join(", ", refused)) : null, false);
        }
        catch (ReplyException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var code = e.Reply.Code;
            return new DeliveryResult(false, code, Cut($"SMTP {code.ToString(CultureInfo.InvariantCulture)}: {e.Reply.Text}".TrimEnd(' ', ':')), Retry: code is < 500 or >= 600);
        }
        catch (Exception e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new DeliveryResult(false, null, deadline.TimedOut ?? NetworkErrors.Describe(e), Retry: true);
        }
    }

    static DeliveryResult Final(string error) => new(false, null, error, false);

    static string Cut(string text) => AlertText.Cut(text, ErrorTextChars);

    static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>EHLO's argument: our address as a literal, <c>[192.0.2.1]</c> or <c>[IPv6:…]</c>, since
    /// Flatline does not know a host name of its own that the server could resolve.</summary>
    static string AddressLiteral(EndPoint? local)
    {
        if (local is not IPEndPoint { Address: var address }) return "[127.0.0.1]";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{address}]" : $"[{address}]";
    }

    static bool Offers(Reply extensions, string keyword) =>
        extensions.Lines.Skip(1).Any(line => line.Split(' ')[0].Equals(keyword, StringComparison.OrdinalIgnoreCase));

    static HashSet<string> Mechanisms(Reply extensions) =>
        [.. extensions.Lines.Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words.Length > 1 && words[0].Equals("AUTH", StringComparison.OrdinalIgnoreCase))
            .SelectMany(words => words.Skip(1))
            .Select(word => word.ToUpperInvariant())];

    /// <summary>The message as DATA carries it: a dot doubled at the start of each line (so no line of
    /// the message can end it early), then the lone dot that ends it.</summary>
    internal static string DotStuffed(string message)
    {
        var text = new StringBuilder(message.Length + 16);
        foreach (var line in message.Split("\r\n"))
        {
            if (line.StartsWith('.')) text.Append('.');
            text.Append(line).Append("\r\n");
        }
        if (message.EndsWith("\r\n", StringComparison.Ordinal)) text.Length -= 2;
        return text.Append('.').ToString();
    }

    async Task StartTlsAsync(string host, X509Certificate2Collection? trustedRoots, TimeProvider time, CancellationToken token)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => errors == SslPolicyErrors.None
                ? true
                : throw new CertificateRejectedException(CertificateRejectedException.Reason(certificate, chain, errors, time.GetUtcNow()), CertificateRejectedException.ExpiryOf(certificate)),
        };
        if (trustedRoots is not null)
        {
            options.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        }
        await ssl.AuthenticateAsClientAsync(options, token);
        // Whatever was read before the handshake is not to be trusted after it (RFC 3207).
        start = end = 0;
        stream = ssl;
    }

    async Task<Reply> CommandAsync(string command, int? expected, CancellationToken token)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), token);
        await stream.FlushAsync(token);
        return expected is { } code ? await ExpectAsync(code, token) : await ReadReplyAsync(token);
    }

    async Task<Reply> ExpectAsync(int code, CancellationToken token)
    {
        var reply = await ReadReplyAsync(token);
        return reply.Code == code || (code == 250 && reply.Code == 251) ? reply : throw new ReplyException(reply);
    }

    /// <summary>One reply: lines of <c>NNN-text</c> ending with <c>NNN text</c>.</summary>
    async Task<Reply> ReadReplyAsync(CancellationToken token)
    {
        var lines = new List<string>();
        for (var i = 0; i < MaxReplyLines; i++)
        {
            var line = await ReadLineAsync(token);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
                throw new IOException("not an SMTP reply");
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] != '-') return new Reply(code, lines);
        }
        throw new IOException("an SMTP reply of too many lines");
    }

    async Task<string> ReadLineAsync(CancellationToken token)
    {
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(buffer, start, newline - start).TrimEnd('\r');
                start = newline + 1;
                return line;
            }
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.Length) throw new IOException("an SMTP reply line too long");
            var read = await stream.ReadAsync(buffer.AsMemory(end), token);
            if (read == 0) throw new IOException("connection closed");
            end += read;
        }
    }

    sealed record Reply(int Code, IReadOnlyList<string> Lines)
    {
        public string Text => string.Join(" ", Lines).Trim();
    }

    sealed class ReplyException(Reply reply) : Exception($"SMTP {reply.Code}")
    {
        public Reply Reply { get; } = reply;
    }
}
