using System.Globalization;

namespace Flatline;

/// <summary>A badge in the flat style READMEs know from Shields: a grey label and a coloured message,
/// white text with a faint shadow on its own background, so it reads the same on light and dark pages.
/// Widths come from Verdana 11px advance widths, as Shields measures, and the text is pinned to them
/// with textLength so a fallback font cannot overflow the box.</summary>
public static class BadgeSvg
{
    public sealed record Color(string Name, string Hex);

    public static readonly Color BrightGreen = new("brightgreen", "#4c1");
    public static readonly Color Green = new("green", "#97ca00");
    public static readonly Color Yellow = new("yellow", "#dfb317");
    public static readonly Color Orange = new("orange", "#fe7d37");
    public static readonly Color Red = new("red", "#e05d44");
    public static readonly Color Grey = new("lightgrey", "#9f9f9f");

    // Verdana at 11px, in px, for ' ' (32) to '~' (126).
    static readonly double[] Widths =
    [
        3.87, 4.33, 5.05, 9.0, 7.0, 11.84, 7.99, 2.95, 5.0, 5.0, 7.0, 9.0, 4.0, 5.0, 4.0, 5.0,
        7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 5.0, 5.0, 9.0, 9.0, 9.0, 6.0,
        11.0, 7.52, 7.54, 7.68, 8.48, 6.96, 6.32, 8.53, 8.27, 4.63, 5.0, 7.62, 6.12, 9.27, 8.23, 8.66,
        6.63, 8.66, 7.65, 7.52, 6.78, 8.05, 7.52, 10.88, 7.54, 6.77, 7.54, 5.0, 5.0, 5.0, 9.0, 7.0,
        7.0, 6.61, 6.85, 5.73, 6.85, 6.55, 3.87, 6.85, 6.96, 3.02, 3.79, 6.51, 3.02, 10.7, 6.96, 6.68,
        6.85, 6.85, 4.69, 5.73, 4.33, 6.96, 6.51, 8.98, 6.51, 6.51, 5.78, 6.98, 5.0, 6.98, 9.0,
    ];

    /// <summary>The text's width at Verdana 11px: the table for ASCII, an average letter for the rest
    /// and a full em for wide (CJK) characters.</summary>
    public static double TextWidth(string text)
    {
        double width = 0;
        foreach (var c in text)
        {
            if (char.IsLowSurrogate(c)) continue;
            width += c is >= ' ' and <= '~' ? Widths[c - ' '] : c >= '\u2E80' ? 11.0 : 7.0;
        }
        return width;
    }

    public static string Render(string label, string message, Color color)
    {
        var labelText = Math.Round(TextWidth(label));
        var messageText = Math.Round(TextWidth(message));
        var labelWidth = labelText + 10;
        var messageWidth = messageText + 10;
        var width = labelWidth + messageWidth;
        string N(double value) => value.ToString(CultureInfo.InvariantCulture);
        var title = $"{label}: {message}";

        var svg = new Markup(1024);
        svg.Open("svg", ("xmlns", "http://www.w3.org/2000/svg"), ("width", N(width)), ("height", "20"), ("role", "img"), ("aria-label", title));
        svg.Element("title", title);
        svg.Open("linearGradient", ("id", "s"), ("x2", "0"), ("y2", "100%"))
            .Open("stop", ("offset", "0"), ("stop-color", "#bbb"), ("stop-opacity", ".1")).Close("stop")
            .Open("stop", ("offset", "1"), ("stop-opacity", ".1")).Close("stop").Close("linearGradient");
        svg.Open("clipPath", ("id", "r")).Open("rect", ("width", N(width)), ("height", "20"), ("rx", "3"), ("fill", "#fff")).Close("rect").Close("clipPath");
        svg.Open("g", ("clip-path", "url(#r)"))
            .Open("rect", ("width", N(labelWidth)), ("height", "20"), ("fill", "#555")).Close("rect")
            .Open("rect", ("x", N(labelWidth)), ("width", N(messageWidth)), ("height", "20"), ("fill", color.Hex)).Close("rect")
            .Open("rect", ("width", N(width)), ("height", "20"), ("fill", "url(#s)")).Close("rect").Close("g");
        svg.Open("g", ("fill", "#fff"), ("text-anchor", "middle"), ("font-family", "Verdana,Geneva,DejaVu Sans,sans-serif"),
            ("text-rendering", "geometricPrecision"), ("font-size", "110"));
        Text(svg, label, labelWidth / 2, labelText, N);
        Text(svg, message, labelWidth + messageWidth / 2, messageText, N);
        return svg.Close("g").Close("svg").ToString();
    }

    // Drawn at ten times the size and scaled down, as Shields does, for even rendering at small sizes.
    static void Text(Markup svg, string text, double center, double length, Func<double, string> n)
    {
        svg.Element("text", text, ("aria-hidden", "true"), ("x", n(center * 10)), ("y", "150"), ("fill", "#010101"), ("fill-opacity", ".3"),
            ("transform", "scale(.1)"), ("textLength", n(length * 10)));
        svg.Element("text", text, ("x", n(center * 10)), ("y", "140"), ("transform", "scale(.1)"), ("fill", "#fff"), ("textLength", n(length * 10)));
    }
}
