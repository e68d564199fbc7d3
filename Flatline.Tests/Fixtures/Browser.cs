using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Flatline.Tests;

/// <summary>Debian's Chromium, driven by Playwright, against the published executable serving from a
/// fresh folder. Records every request and every console error, so that a test can assert the page
/// talked to no other host and logged nothing wrong. Playwright never downloads a browser here.</summary>
public sealed partial class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    readonly TempFolder folder;
    readonly IPlaywright playwright;
    readonly IBrowser browser;
    readonly ConcurrentQueue<string> requests = new();
    readonly ConcurrentQueue<string> consoleErrors = new();

    Browser(TempFolder folder, RunningBinary server, IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page)
    {
        this.folder = folder;
        this.playwright = playwright;
        this.browser = browser;
        Server = server;
        Context = context;
        Page = page;
        Api = new FlatlineClient(new HttpClient(new PageCookies(context, BaseUrl)) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) });
    }

    public RunningBinary Server { get; }
    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public string BaseUrl => Server.BaseAddress.AbsoluteUri.TrimEnd('/');

    /// <summary>Every URL the page requested, in order.</summary>
    public IReadOnlyList<string> Requests => [.. requests];

    /// <summary>Console errors and uncaught exceptions, except the browser's own note of an API answer the
    /// UI expects and handles (a 401 while signed out, a 400 validation problem, a 429).</summary>
    public IReadOnlyList<string> ConsoleErrors => [.. consoleErrors];

    /// <summary>Starts Flatline (an empty database; local sign-in unless <paramref name="environment"/>
    /// says otherwise; on <paramref name="port"/> when given) and a browser page on it.</summary>
    public static async Task<Browser> StartAsync(int width = 1280, int height = 900, ColorScheme colorScheme = ColorScheme.Light,
        IDictionary<string, string>? environment = null, int? port = null)
    {
        var folder = new TempFolder();
        RunningBinary? server = null;
        IPlaywright? playwright = null;
        try
        {
            var variables = new Dictionary<string, string> { ["LOG_LEVEL"] = "Warning" };
            foreach (var (key, value) in environment ?? new Dictionary<string, string>()) variables[key] = value;
            server = await RunningBinary.StartAsync(folder.Path, variables, port: port);
            playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Args = ChromiumArgs, Headless = true });
            var context = await browser.NewContextAsync(new()
            {
                BaseURL = server.BaseAddress.AbsoluteUri,
                ViewportSize = new() { Width = width, Height = height },
                ColorScheme = colorScheme,
                Locale = "en-GB",
                TimezoneId = "UTC",
            });
            context.SetDefaultTimeout(10_000);
            var page = await context.NewPageAsync();
            var session = new Browser(folder, server, playwright, browser, context, page);
            page.Request += (_, request) => session.requests.Enqueue(request.Url);
            page.PageError += (_, error) => session.consoleErrors.Enqueue($"uncaught: {error}");
            page.Console += (_, message) =>
            {
                if (message.Type == "error" && !ExpectedApiAnswer().IsMatch(message.Text))
                    session.consoleErrors.Enqueue($"{message.Text} ({message.Location})");
            };
            Trace(page);
            return session;
        }
        catch
        {
            if (playwright is not null) playwright.Dispose();
            if (server is not null) await server.DisposeAsync();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Writes each failed request and each API answer of 400 or more to the test's output, which the
    /// runner shows when the test fails: a page that looks empty then says which call went wrong.</summary>
    static void Trace(IPage page)
    {
        page.RequestFailed += (_, request) =>
            Console.WriteLine($"[browser {DateTime.UtcNow:HH:mm:ss.fff}] {request.Method} {request.Url} failed: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && response.Url.Contains("/api/", StringComparison.Ordinal))
                Console.WriteLine($"[browser {DateTime.UtcNow:HH:mm:ss.fff}] {response.Request.Method} {response.Url} answered {response.Status}");
        };
    }

    [GeneratedRegex(@"^Failed to load resource: the server responded with a status of (400|401|429) ")]
    private static partial Regex ExpectedApiAnswer();

    /// <summary>The one-time setup URL Flatline printed on start.</summary>
    public string SetupUrl => SetupLine().Match(Server.Output) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException($"no setup URL in the output: {Server.Output}");

    [GeneratedRegex(@"create the owner account at (http://\S+/setup\?token=[0-9a-f]{48})")]
    private static partial Regex SetupLine();

    /// <summary>Creates the owner through the setup page and waits for the dashboard.</summary>
    public async Task SetUpOwnerAsync(string name = "owner", string password = "correct horse battery")
    {
        await Page.GotoAsync(SetupUrl);
        await Page.GetByLabel("Name").FillAsync(name);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await Page.GetByLabel("Repeat the password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create the owner account" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Monitors", Level = 1 })).ToBeVisibleAsync();
    }

    /// <summary>The API with the page's cookies (read at each request) and its Origin, as the UI's own fetch sends them.</summary>
    public FlatlineClient Api { get; }

    sealed class PageCookies(IBrowserContext context, string origin) : DelegatingHandler(new HttpClientHandler { UseCookies = false })
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var cookies = await context.CookiesAsync([request.RequestUri!.AbsoluteUri]);
            if (cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}")));
            request.Headers.Add("Origin", origin);
            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Another page, in a context of its own on the same server with this one's cookies: scripts
    /// on or off, its own size and colour scheme. Its CSP is bypassed so that a test can inject axe-core
    /// (<see cref="Axe"/>); the page's console errors are recorded with this one's.</summary>
    public async Task<IPage> NewPageAsync(bool javaScript = true, int width = 1280, int height = 900, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = Server.BaseAddress.AbsoluteUri,
            ViewportSize = new() { Width = width, Height = height },
            ColorScheme = colorScheme,
            JavaScriptEnabled = javaScript,
            BypassCSP = true,
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(10_000);
        await context.AddCookiesAsync((await Context.CookiesAsync()).Select(c => new Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
        }));
        var page = await context.NewPageAsync();
        page.Request += (_, request) => requests.Enqueue(request.Url);
        page.PageError += (_, error) => consoleErrors.Enqueue($"uncaught: {error}");
        Trace(page);
        return page;
    }

    /// <summary>True when the page scrolls sideways (content wider than the viewport).</summary>
    public Task<bool> ScrollsSidewaysAsync() =>
        Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth");

    /// <summary>Saves a screenshot: into docs/screenshots/ (the README's) when UPDATE_SCREENSHOTS=1, else
    /// into artifacts/screenshots/, so that an ordinary test run leaves the repository unchanged.</summary>
    public async Task ScreenshotAsync(string name, bool fullPage = true)
    {
        var target = Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1"
            ? Repository.File("docs", "screenshots")
            : Repository.File("artifacts", "screenshots");
        Directory.CreateDirectory(target);
        await Page.ScreenshotAsync(new() { Path = Path.Combine(target, name + ".png"), FullPage = fullPage, Animations = ScreenshotAnimations.Disabled });
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync();
            await browser.CloseAsync();
        }
        finally
        {
            Api.Dispose();
            playwright.Dispose();
            await Server.DisposeAsync();
            // Shown by the runner only when the test failed: what the server logged (warnings and errors).
            if (Server.Output.Length > 0) Console.WriteLine($"[server output]\n{Server.Output}");
            folder.Dispose();
        }
    }
}
