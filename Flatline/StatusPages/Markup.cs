using System.Text;

namespace Flatline;

/// <summary>A small HTML, SVG and Atom writer that escapes every text and attribute value it is given, so that a
/// document built with it cannot carry markup from its data (no System.Xml, which would grow the
/// executable). Attributes with a null value are left out.</summary>
public sealed class Markup(int capacity = 8 * 1024)
{
    readonly StringBuilder text = new(capacity);

    /// <summary>Markup written by Flatline itself (a doctype, a constant), never data.</summary>
    public Markup Raw(string markup)
    {
        text.Append(markup);
        return this;
    }

    public Markup Open(string tag, params ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        text.Append('<').Append(tag);
        foreach (var (name, value) in attributes)
        {
            if (value is null) continue;
            text.Append(' ').Append(name);
            if (value.Length == 0 && name is "hidden" or "open" or "defer" or "required" or "disabled") continue;
            text.Append("=\"");
            Escape(value);
            text.Append('"');
        }
        text.Append('>');
        return this;
    }

    public Markup Close(string tag)
    {
        text.Append("</").Append(tag).Append('>');
        return this;
    }

    public Markup Text(string? value)
    {
        if (value is not null) Escape(value);
        return this;
    }

    /// <summary>An element holding only text.</summary>
    public Markup Element(string tag, string? content, params ReadOnlySpan<(string Name, string? Value)> attributes) =>
        Open(tag, attributes).Text(content).Close(tag);

    public override string ToString() => text.ToString();

    void Escape(string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '<': text.Append("&lt;"); break;
                case '>': text.Append("&gt;"); break;
                case '&': text.Append("&amp;"); break;
                case '"': text.Append("&quot;"); break;
                case '\'': text.Append("&#39;"); break;
                // Not allowed in XML 1.0 (the feed, the badges), and never meant in a title.
                case < ' ' and not ('\t' or '\n' or '\r'): break;
                default: text.Append(c); break;
            }
        }
    }
}
