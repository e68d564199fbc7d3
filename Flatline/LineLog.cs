namespace Flatline;

/// <summary>Flatline's log: one line per entry on standard output, in the shape of ASP.NET Core's
/// single-line simple console format (<c>2026-12-02T07:00:00.000Z info: Category[event] message</c>,
/// an exception after it on the same line). journald takes the lines as they come. Written here
/// rather than with Microsoft.Extensions.Logging.Console, whose queue thread, option binding and
/// three formatters (only one of them used) cost the executable some 100 KB.</summary>
public sealed class LineLogProvider(TextWriter output, TimeProvider time) : ILoggerProvider
{
    readonly Lock gate = new();

    public LineLogProvider() : this(Console.Out, TimeProvider.System) { }

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void Dispose() => Flush();

    void Flush()
    {
        lock (gate) output.Flush();
    }

    internal void Write(string category, LogLevel level, EventId id, string message, Exception? exception)
    {
        var line = new System.Text.StringBuilder(64 + category.Length + message.Length);
        line.Append(time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff'Z' ", System.Globalization.CultureInfo.InvariantCulture));
        line.Append(Level(level)).Append(": ").Append(category).Append('[').Append(id.Id).Append("] ");
        AppendOneLine(line, message);
        if (exception is not null)
        {
            line.Append(' ');
            AppendOneLine(line, exception.ToString());
        }
        lock (gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    // A message or exception with line breaks would break the one-entry-per-line promise.
    static void AppendOneLine(System.Text.StringBuilder line, string text)
    {
        foreach (var c in text) line.Append(c is '\r' or '\n' ? ' ' : c);
    }

    static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    sealed class LineLogger(LineLogProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            provider.Write(category, logLevel, eventId, formatter(state, exception), exception);
        }
    }
}
