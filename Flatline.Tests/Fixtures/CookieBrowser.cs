using System.Net;

namespace Flatline.Tests;

/// <summary>A browser without JavaScript: a cookie jar, and redirects left to the test so that each
/// hop can be inspected. <see cref="On"/> makes one that calls a Flatline the way its own page does.</summary>
public sealed class CookieBrowser : IDisposable
{
    public const string PageAccept = "text/html,application/xhtml+xml,*/*;q=0.8";

    public CookieBrowser(Uri? baseAddress = null)
    {
        Client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        Api = new FlatlineClient(Client);
    }

    public CookieContainer Cookies { get; } = new();
    public HttpClient Client { get; }

    /// <summary>The typed API over the same cookie jar: what the page's own fetches do.</summary>
    public FlatlineClient Api { get; }

    /// <summary>A browser on <paramref name="server"/>'s page, sending the Origin a same-origin fetch sends.</summary>
    public static CookieBrowser On(FlatlineServer server)
    {
        var browser = new CookieBrowser(server.BaseAddress);
        browser.Client.DefaultRequestHeaders.Add("Origin", server.BaseAddress.GetLeftPart(UriPartial.Authority));
        return browser;
    }

    /// <summary>The session cookie the browser holds for <paramref name="address"/> (its own base address when null).</summary>
    public string? Session(Uri? address = null) =>
        Cookies.GetCookies(address ?? Client.BaseAddress ?? throw new InvalidOperationException("no address to look up"))[Sessions.CookieName]?.Value;

    /// <summary>A GET as a browser sends it; <paramref name="accept"/> tells a page visit from an API call.</summary>
    public async Task<HttpResponseMessage> GetAsync(Uri url, string accept = PageAccept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Accept", accept);
        return await Client.SendAsync(request);
    }

    public void Dispose() => Api.Dispose();
}
