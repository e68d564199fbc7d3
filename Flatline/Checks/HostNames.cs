using System.Net;

namespace Flatline;

/// <summary>What a check may name as a host: an IP address, or a DNS name of RFC 1123 labels
/// (an internationalised name in its xn-- form).</summary>
public static class HostNames
{
    public static bool IsValid(string host)
    {
        if (IPAddress.TryParse(host, out _)) return !host.Contains('%', StringComparison.Ordinal);
        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length is 0 or > 253) return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        return true;
    }
}
