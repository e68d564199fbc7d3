using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Flatline;

/// <summary>Email over SMTP: one message to every address of <c>to</c>, through the channel's server
/// (<see cref="SmtpSession"/>). The message is MIME multipart/alternative with a plain-text and an
/// HTML part (UTF-8, quoted-printable), a Date, a Message-ID made from the event id (the same on
/// every retry, so a mail system that got it twice can tell), RFC 2047 encoded subject and display
/// names, and Auto-Submitted so that vacation replies stay away. Plain text (security none) is
/// allowed only to a server on this machine, unless <c>allow_plaintext</c> says otherwise.</summary>
public sealed partial class EmailSender(SenderHttp http, X509Certificate2Collection? trustedRoots = null) : INotificationSender
{
    const int MaxAddress = 254;

    static readonly ChannelField Host = new("host", ChannelFieldKind.String, "SMTP server")
    {
        Required = true,
        Help = "The host name or IP address of the mail server that accepts your submissions.",
        Placeholder = "smtp.example.com",
        MaxLength = 253,
        Rule = HostProblem,
    };

    static readonly ChannelField Port = new("port", ChannelFieldKind.Integer, "Port")
    {
        Help = "587 for starttls, 465 for tls and 25 for none when not set.",
        Minimum = 1,
        Maximum = 65535,
    };

    static readonly ChannelField Security = new("security", ChannelFieldKind.Enum, "Security")
    {
        Required = true,
        Help = "starttls: plain connection upgraded to TLS (port 587); tls: TLS from the start (port 465); none: unencrypted, only to this machine unless allowed below.",
        Options = ["starttls", "tls", "none"],
    };

    static readonly ChannelField Username = new("username", ChannelFieldKind.String, "Username")
    {
        Help = "For servers that require AUTH (PLAIN or LOGIN); leave empty for none.",
        MaxLength = 256,
    };

    static readonly ChannelField Password = new("password", ChannelFieldKind.String, "Password")
    {
        Secret = true,
        MaxLength = 256,
    };

    static readonly ChannelField From = new("from", ChannelFieldKind.String, "From")
    {
        Required = true,
        Help = "The sender: an address, or a name and address such as Flatline <alerts@example.com>.",
        Placeholder = "Flatline <alerts@example.com>",
        MaxLength = 320,
        Rule = MailboxProblem,
    };

    static readonly ChannelField To = new("to", ChannelFieldKind.StringList, "To")
    {
        Required = true,
        Help = "One address per line (a name and address works too); each gets the same message.",
        Placeholder = "ops@example.com",
        MaxLength = 320,
        Rule = MailboxProblem,
    };

    static readonly ChannelField AllowPlaintext = new("allow_plaintext", ChannelFieldKind.Boolean, "Allow unencrypted to another machine")
    {
        Help = "With security none, send to a server that is not this machine, password and all, in plain text.",
    };

    public static readonly NotificationChannelType ChannelType = new("email", "Email", "Email through an SMTP server.",
        [Host, Port, Security, Username, Password, From, To, AllowPlaintext],
        services => new EmailSender(services.GetRequiredService<SenderHttp>()))
    {
        Rules = JoinedRules,
    };

    static IEnumerable<(string, string)> JoinedRules(ChannelConfig config)
    {
        if (config.Text(Security) == "none" && config.Flag(AllowPlaintext) != true && config.Text(Host) is { } host && !IsLoopback(host))
            yield return (Security.Name, "may be none only for a server on this machine (localhost, 127.0.0.1, ::1) unless allow_plaintext is true");
        var hasUser = config.Text(Username) is { Length: > 0 };
        var hasPassword = config.Text(Password) is { Length: > 0 };
        if (hasUser && !hasPassword) yield return (Password.Name, "is required when username is set");
        if (hasPassword && !hasUser) yield return (Username.Name, "is required when password is set");
    }

    static string? HostProblem(string host) =>
        Uri.CheckHostName(host.Trim('[', ']')) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6 && !host.EndsWith('.')
            ? null : "must be a host name or an IP address";

    static bool IsLoopback(string host)
    {
        host = host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    public async Task<DeliveryResult> SendAsync(ChannelConfig config, Notification notification, CancellationToken cancellationToken)
    {
        if (config.Text(Host) is not { Length: > 0 } host) return SenderHttp.Misconfigured("email: host is missing");
        var security = config.Text(Security) switch
        {
            "tls" => SmtpSecurity.Tls,
            "none" => SmtpSecurity.None,
            _ => SmtpSecurity.StartTls,
        };
        if (security == SmtpSecurity.None && config.Flag(AllowPlaintext) != true && !IsLoopback(host))
            return SenderHttp.Misconfigured("email: plain text only to this machine unless allow_plaintext is true");
        if (config.Text(From) is not { } fromText || Mailbox.Parse(fromText) is not { } from) return SenderHttp.Misconfigured("email: from is not an address");
        var to = (config.Texts(To) ?? []).Select(Mailbox.Parse).OfType<Mailbox>().ToList();
        if (to.Count == 0) return SenderHttp.Misconfigured("email: to has no address");
        var port = (int)(config.Integer(Port) ?? security switch { SmtpSecurity.Tls => 465, SmtpSecurity.None => 25, _ => 587 });
        var message = Compose(notification, from, to, http.Time.GetUtcNow());
        var delivery = new SmtpDelivery(host, port, security, config.Text(Username), config.Text(Password), from.Address, [.. to.Select(m => m.Address)], message);
        return await SmtpSession.DeliverAsync(delivery, http.Timeout, http.Time, trustedRoots, cancellationToken);
    }

    /// <summary>The whole message, headers and both parts, in ASCII with CRLF line ends.</summary>
    internal static string Compose(Notification notification, Mailbox from, IReadOnlyList<Mailbox> to, DateTimeOffset now)
    {
        // "=_" can never occur in quoted-printable text, so the boundary cannot either.
        var boundary = "=_flatline_" + notification.EventId.Replace("-", "", StringComparison.Ordinal);
        var domain = from.Address[(from.Address.LastIndexOf('@') + 1)..];
        var message = new StringBuilder(4096);
        message.Append("Date: ").Append(now.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture)).Append(" +0000\r\n");
        message.Append("From: ").Append(from.Header("From: ".Length)).Append("\r\n");
        message.Append("To: ").Append(string.Join(",\r\n ", to.Select((m, i) => m.Header(i == 0 ? "To: ".Length : 1)))).Append("\r\n");
        message.Append("Subject: ").Append(EncodedText(OneLine(AlertText.Summary(notification)), "Subject: ".Length)).Append("\r\n");
        message.Append("Message-ID: <").Append(notification.EventId).Append('@').Append(domain).Append(">\r\n");
        message.Append("MIME-Version: 1.0\r\n");
        message.Append("Content-Type: multipart/alternative; boundary=\"").Append(boundary).Append("\"\r\n");
        message.Append("Auto-Submitted: auto-generated\r\n");
        message.Append("\r\n");
        Part(message, boundary, "text/plain", AlertText.Plain(notification));
        Part(message, boundary, "text/html", Html(notification));
        message.Append("--").Append(boundary).Append("--\r\n");
        return message.ToString();
    }

    static void Part(StringBuilder message, string boundary, string type, string text)
    {
        message.Append("--").Append(boundary).Append("\r\n");
        message.Append("Content-Type: ").Append(type).Append("; charset=utf-8\r\n");
        message.Append("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        QuotedPrintable(message, text);
    }

    static string Html(Notification notification)
    {
        var colour = notification.IsRecovery ? "#15803d" : notification.Kind switch { NotificationKind.Down => "#b91c1c", _ => "#1f2937" };
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif;line-height:1.4\">\n");
        html.Append($"<h2 style=\"margin:0 0 8px;color:{colour}\">{AlertText.EscapeHtml(AlertText.Title(notification))}</h2>\n");
        foreach (var line in AlertText.Body(notification)) html.Append($"<p style=\"margin:0 0 8px\">{AlertText.EscapeHtml(line)}</p>\n");
        if (notification.MonitorLink is { } link)
            html.Append($"<p style=\"margin:0\"><a href=\"{AlertText.EscapeHtml(link.AbsoluteUri)}\">{AlertText.LinkLabel}</a></p>\n");
        html.Append("</body></html>");
        return html.ToString();
    }

    /// <summary>RFC 2045 quoted-printable of the UTF-8 text, one encoded line per line of it, each at
    /// most 76 characters (soft breaks <c>=</c> between).</summary>
    internal static void QuotedPrintable(StringBuilder output, string text)
    {
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            var width = 0;
            for (var i = 0; i < bytes.Length; i++)
            {
                var b = bytes[i];
                var literal = (b is >= 33 and <= 126 && b != '=') || (b is (byte)' ' or (byte)'\t' && i < bytes.Length - 1);
                var size = literal ? 1 : 3;
                if (width + size > 75)
                {
                    output.Append("=\r\n");
                    width = 0;
                }
                if (literal) output.Append((char)b);
                else output.Append('=').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                width += size;
            }
            output.Append("\r\n");
        }
    }

    /// <summary>The text as is when it is short printable ASCII, else as RFC 2047 encoded words
    /// (<c>=?utf-8?B?…?=</c>, whole characters in each) folded so that no line passes 76 characters;
    /// <paramref name="used"/> is how much of the first line the header's name took.</summary>
    internal static string EncodedText(string text, int used) => used + text.Length <= 78 && IsPlain(text) ? text : EncodedWords(text, used);

    static string EncodedWords(string text, int used)
    {
        var words = new List<string>();
        var chunk = new List<byte>(48);
        // =?utf-8?B? and ?= take 12 characters; each 3 bytes take 4 characters of base64.
        var room = (76 - used - 12) / 4 * 3;
        Span<byte> rune = stackalloc byte[4];
        foreach (var r in text.EnumerateRunes())
        {
            var length = r.EncodeToUtf8(rune);
            if (chunk.Count + length > room)
            {
                words.Add(Word(chunk));
                chunk.Clear();
                room = (76 - 1 - 12) / 4 * 3;
            }
            chunk.AddRange(rune[..length]);
        }
        if (chunk.Count > 0) words.Add(Word(chunk));
        return string.Join("\r\n ", words);

        static string Word(List<byte> bytes) => "=?utf-8?B?" + Convert.ToBase64String([.. bytes]) + "?=";
    }

    /// <summary>Printable ASCII that no decoder could mistake for an encoded word.</summary>
    static bool IsPlain(string text) => text.All(c => c is >= ' ' and <= '~') && !text.Contains("=?", StringComparison.Ordinal);

    static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));

    static string? MailboxProblem(string text) => Mailbox.Parse(text) is null
        ? "must be an email address (ASCII, name@example.com), optionally after a name: Name <name@example.com>"
        : null;

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex AddressPattern();

    /// <summary>An address with an optional display name, as a <c>from</c> or <c>to</c> field gives it:
    /// <c>ops@example.com</c> or <c>Ops Team &lt;ops@example.com&gt;</c>.</summary>
    internal sealed record Mailbox(string? Name, string Address)
    {
        public static Mailbox? Parse(string text)
        {
            text = text.Trim();
            string? name = null;
            var address = text;
            if (text.EndsWith('>') && text.LastIndexOf('<') is var open and >= 0)
            {
                address = text[(open + 1)..^1].Trim();
                name = text[..open].Trim();
                if (name.Length >= 2 && name[0] == '"' && name[^1] == '"') name = name[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
                if (name.Length == 0) name = null;
            }
            if (address.Length > MaxAddress || !AddressPattern().IsMatch(address)) return null;
            if (name is not null && name.Any(c => char.IsControl(c) || c is '<' or '>')) return null;
            return new Mailbox(name, address);
        }

        /// <summary>As a header shows it, after <paramref name="used"/> characters of its line: a name of
        /// printable ASCII quoted, any other encoded; the address on a line of its own when it would not fit.</summary>
        public string Header(int used)
        {
            if (Name is null) return Address;
            var shown = IsPlain(Name)
                ? "\"" + Name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
                : EncodedWords(Name, used);
            var lineEnd = shown.LastIndexOf('\n');
            var last = lineEnd < 0 ? used + shown.Length : shown.Length - lineEnd - 1;
            return last + Address.Length + 3 > 78 ? $"{shown}\r\n <{Address}>" : $"{shown} <{Address}>";
        }
    }
}
