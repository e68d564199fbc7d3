using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Flatline.Tests;

/// <summary>What an in-process server logs, for tests that assert what an operator reads (and what must
/// never be there): <c>FlatlineServer.StartAsync(services: log.AddTo)</c>. The server's LOG_LEVEL applies.</summary>
public sealed class LogCapture : ILoggerProvider
{
    readonly ConcurrentQueue<string> lines = new();

    /// <summary>Each message as <c>Level Category: text</c>, in order.</summary>
    public IReadOnlyList<string> Lines => [.. lines];

    public string Text => string.Join('\n', lines);

    public void AddTo(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(this);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
    }
}
