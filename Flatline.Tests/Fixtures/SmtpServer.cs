using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flatline.Tests;

/// <summary>What a test's SMTP server does: its security (<c>starttls</c>, <c>tls</c>, <c>none</c>),
/// the one login it accepts (and the AUTH mechanisms it does not offer), the recipients it refuses,
/// and how it treats messages: <c>accept</c>, <c>busy-once</c> (451 to the first, then accepts),
/// <c>reject</c> (550 to all), <c>stall-once</c> (stops answering in the middle of the first
/// message's DATA) or <c>cut-once</c> (closes the connection there).</summary>
public sealed record SmtpServerOptions
{
    public string Security { get; init; } = "none";
    public X509Certificate2? Certificate { get; init; }
    public string? User { get; init; }
    public string? Password { get; init; }
    public IReadOnlyList<string> WithoutMechanisms { get; init; } = [];
    public IReadOnlyList<string> Refuse { get; init; } = [];
    public string Behaviour { get; init; } = "accept";
}

/// <summary>One message the server accepted: the envelope, how it came (TLS, the AUTH mechanism and
/// user) and the message as Python's <c>email</c> package reads it (headers decoded, each part's
/// content decoded), beside the raw bytes as they arrived.</summary>
public sealed record DeliveredMail(JsonElement Record, string Raw)
{
    public string MailFrom => Record.GetProperty("mail_from").GetString()!;
    public IReadOnlyList<string> RcptTos => [.. Record.GetProperty("rcpt_tos").EnumerateArray().Select(r => r.GetString()!)];
    public bool Tls => Record.GetProperty("tls").GetBoolean();
    public string? Auth => Record.GetProperty("auth").GetString();
    public string ContentType => Record.GetProperty("content_type").GetString()!;
    public string Header(string name) => Record.GetProperty("headers").GetProperty(name).GetString()!;
    public IReadOnlyList<(string Type, string Charset, string Encoding, string Text)> Parts =>
        [.. Record.GetProperty("parts").EnumerateArray().Select(p => (p.GetProperty("type").GetString()!, p.GetProperty("charset").GetString()!,
            p.GetProperty("encoding").GetString()!, p.GetProperty("text").GetString()!))];
}

/// <summary>Debian's aiosmtpd on 127.0.0.1 with a port of its own, run by a small handler script
/// the fixture writes: it stores each accepted message (raw and as its parser reads it) in a folder
/// the test reads back.</summary>
public sealed class SmtpServer : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";

    const string Script = """
        import asyncio, email, email.policy, json, os, ssl, sys, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

        opts = json.loads(sys.argv[1])
        state = {"data": 0, "messages": 0, "broke": False}

        def tls_context():
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(opts["cert"], opts["key"])
            return context

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == opts["user"] and auth_data.password.decode() == opts["password"]
            return AuthResult(success=ok, handled=False, auth_data=mechanism + ":" + auth_data.login.decode() if ok else None)

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in opts["refuse"]:
                    return "550 5.1.1 no such user here"
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 OK"

            async def handle_DATA(self, server, session, envelope):
                state["data"] += 1
                if opts["behaviour"] == "reject":
                    return "550 5.7.1 message refused"
                if opts["behaviour"] == "busy-once" and state["data"] == 1:
                    return "451 4.3.0 try again later"
                state["messages"] += 1
                number = state["messages"]
                raw = envelope.original_content
                message = email.message_from_bytes(raw, policy=email.policy.default)
                parts = [{"type": p.get_content_type(), "charset": p.get_content_charset(), "encoding": p.get("Content-Transfer-Encoding"),
                          "text": p.get_content()} for p in message.walk() if not p.is_multipart()]
                record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                          "tls": server.transport.get_extra_info("ssl_object") is not None,
                          "auth": getattr(session, "auth_data", None),
                          "headers": {name: str(value) for name, value in message.items()},
                          "content_type": message.get_content_type(), "parts": parts}
                with open(os.path.join(opts["out"], f"{number}.eml"), "wb") as f:
                    f.write(raw)
                with open(os.path.join(opts["out"], f"{number}.tmp"), "w") as f:
                    json.dump(record, f)
                os.rename(os.path.join(opts["out"], f"{number}.tmp"), os.path.join(opts["out"], f"{number}.json"))
                return f"250 2.0.0 queued as {number}"

        class Server(SMTP):
            async def smtp_DATA(self, arg):
                if opts["behaviour"] in ("stall-once", "cut-once") and not state["broke"] and self.envelope.rcpt_tos:
                    state["broke"] = True
                    await self.push("354 End data with <CR><LF>.<CR><LF>")
                    await self._reader.readline()
                    if opts["behaviour"] == "cut-once":
                        self.transport.close()
                        return
                    await asyncio.sleep(3600)
                    return
                return await super().smtp_DATA(arg)

        class Control(Controller):
            def factory(self):
                return Server(self.handler, **self.SMTP_kwargs)

        kwargs = {}
        if opts["security"] == "starttls":
            kwargs.update(tls_context=tls_context(), require_starttls=True)
        if opts["user"]:
            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=opts["security"] == "starttls",
                          auth_exclude_mechanism=opts["without"])
        control = Control(Handler(), hostname="127.0.0.1", port=opts["port"],
                          ssl_context=tls_context() if opts["security"] == "tls" else None, **kwargs)
        control.start()
        print("ready", flush=True)
        threading.Event().wait()
        """;

    readonly TempFolder folder;
    readonly ChildProcess process;

    SmtpServer(TempFolder folder, ChildProcess process, int port)
    {
        this.folder = folder;
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>What the server printed, for failure messages.</summary>
    public string Output => process.Output;

    /// <summary>The accepted messages, in the order they came.</summary>
    public IReadOnlyList<DeliveredMail> Messages =>
        [.. Directory.GetFiles(folder.File("mail"), "*.json")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture))
            .Select(f => new DeliveredMail(JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone(), File.ReadAllText(Path.ChangeExtension(f, ".eml"))))];

    public static async Task<SmtpServer> StartAsync(SmtpServerOptions options)
    {
        var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("mail"));
        File.WriteAllText(folder.File("server.py"), Script);
        if (options.Certificate is { } certificate)
        {
            File.WriteAllText(folder.File("cert.pem"), certificate.ExportCertificatePem());
            File.WriteAllText(folder.File("key.pem"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        }
        try
        {
            var (process, port) = await ChildProcess.StartOnFreePortAsync(free => ChildProcess.StartInfo(Python, ["-u", folder.File("server.py"), new JsonObject
            {
                ["port"] = free,
                ["out"] = folder.File("mail"),
                ["security"] = options.Security,
                ["cert"] = folder.File("cert.pem"),
                ["key"] = folder.File("key.pem"),
                ["user"] = options.User,
                ["password"] = options.Password,
                ["without"] = new JsonArray([.. options.WithoutMechanisms.Select(m => (JsonNode?)m)]),
                ["refuse"] = new JsonArray([.. options.Refuse.Select(r => (JsonNode?)r)]),
                ["behaviour"] = options.Behaviour,
            }.ToJsonString()]), l => l == "ready", TimeSpan.FromSeconds(15));
            return new SmtpServer(folder, process, port);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        folder.Dispose();
    }
}

/// <summary>A certificate authority made for one test, and server certificates it signs: for TLS
/// that is verified for real, against a root the client is told to trust.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificateAuthority()
    {
        var request = new CertificateRequest("CN=Flatline Test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Root { get; }

    /// <summary>A server certificate for localhost and 127.0.0.1, with its private key.</summary>
    public X509Certificate2 Issue()
    {
        var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        using var signed = request.Create(Root, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(leafKey);
    }

    public void Dispose()
    {
        Root.Dispose();
        key.Dispose();
    }
}
