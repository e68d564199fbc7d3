namespace Flatline.Tests;

/// <summary>What every test in the session may rely on, whichever runs first.</summary>
public static class SessionHooks
{
    /// <summary>A test that opens its own <c>SqliteConnection</c> before any Database exists in the process
    /// (the storage, crash and CLI tests do) would otherwise fail with "You need to call SQLitePCL.raw.SetProvider()".</summary>
    [Before(TestSession)]
    public static void SetSqliteProvider() => Database.EnsureProvider();
}
