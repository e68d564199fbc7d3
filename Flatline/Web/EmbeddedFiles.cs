using System.IO.Compression;

namespace Flatline;

/// <summary>Files the build put inside the executable: the UI and the OpenAPI document.</summary>
public static class EmbeddedFiles
{
    public static byte[] Read(string name)
    {
        using var stream = typeof(EmbeddedFiles).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} was not embedded at build time");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The plain bytes of a gzip-compressed file, for clients that accept no compression.</summary>
    public static byte[] Inflate(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
