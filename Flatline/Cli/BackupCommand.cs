namespace Flatline;

/// <summary><c>flatline backup FILE</c>: a consistent copy made with <c>VACUUM INTO</c>, safe
/// while the server runs.</summary>
public static class BackupCommand
{
    public static int Run(IReadOnlyList<string> args, Database database, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count != 1 || args[0].StartsWith('-'))
        {
            stderr.WriteLine("error: usage: flatline backup FILE");
            return 2;
        }
        var file = Path.GetFullPath(args[0]);
        if (File.Exists(file))
        {
            stderr.WriteLine($"error: {file} already exists; choose a new file name");
            return 1;
        }
        try
        {
            database.BackupTo(file);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            stderr.WriteLine($"error: backup to {file} failed: {e.Message}");
            return 1;
        }
        stdout.WriteLine($"Backed up {database.Path} to {file} ({new FileInfo(file).Length} bytes).");
        return 0;
    }
}
