namespace Flatline;

static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Unhandled error in {Method} {Path}")]
    public static partial void UnhandledError(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "Flatline {Version} listening on {Url} (database {Database})")]
    public static partial void Listening(ILogger logger, string version, string url, string database);

    [LoggerMessage(3, LogLevel.Warning, "Health check failed: {Reason}")]
    public static partial void Unhealthy(ILogger logger, string reason);

    [LoggerMessage(5, LogLevel.Information, "Stats windows of {Count} monitors loaded in {Milliseconds} ms")]
    public static partial void Warmed(ILogger logger, int count, long milliseconds);

    [LoggerMessage(4, LogLevel.Warning, "Could not load the stats windows after start (they load on first use): {Reason}")]
    public static partial void WarmFailed(ILogger logger, string reason);
}
