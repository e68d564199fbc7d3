namespace Flatline;

/// <summary>Unsigned LEB128 as <see cref="LatencyHistogram"/> stores its blobs.</summary>
static class Varint
{
    public static int Length(ulong value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }
        return length;
    }

    public static int Write(byte[] bytes, int position, ulong value)
    {
        while (value >= 0x80)
        {
            bytes[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        bytes[position++] = (byte)value;
        return position;
    }

    // Unsigned LEB128; rejects truncation, more than 64 bits and over-long encodings.
    public ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        readonly ReadOnlySpan<byte> _bytes = bytes;
        public int Position;

        public ulong Read()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (Position >= _bytes.Length)
                    throw new FormatException("the latency histogram is truncated");
                var b = _bytes[Position++];
                if (shift == 63 && b > 1)
                    throw new FormatException("the latency histogram has a number out of range");
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    if (b == 0 && shift > 0)
                        throw new FormatException("the latency histogram has an over-long number");
                    return value;
                }
            }
        }
    }
}
