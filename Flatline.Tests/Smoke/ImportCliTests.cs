namespace Flatline.Tests.Smoke;

/// <summary><c>flatline import</c> as a user runs it: the published executable, on a database of the
/// original and on files that are not one.</summary>
public class ImportCliTests
{
    [Test]
    public async Task Imports_the_originals_database_once_and_says_what_it_took()
    {
        using var folder = new TempFolder();
        var facts = OriginalDatabase.Sample(folder.File("original.db"));
        var first = await PublishedBinary.RunAsync(folder.Path, null, "import", "original.db");
        await Assert.That(first.ExitCode).IsEqualTo(0).Because(first.Output);
        await Assert.That(first.Stdout).Contains($"Import of {folder.File("original.db")} (the original Flatline's database):");
        await Assert.That(first.Stdout).Contains($"skipped monitor {facts.Invalid}: interval must be a whole number from 10 to 86400 seconds");

        // The server checks the imported monitors at once; the paused one keeps its history as imported.
        await using (var server = await RunningBinary.StartAsync(folder.Path))
        {
            using var api = server.ApiClient(await Token(folder));
            var monitor = await api.GetMonitorAsync(facts.Shop);
            await Assert.That(monitor.Json.GetProperty("config").GetProperty("expected_status").GetRawText()).IsEqualTo("[200,201]");
            await Assert.That((await api.ListChecksAsync(facts.Paused)).Value.Count).IsEqualTo(2);
        }

        var again = await PublishedBinary.RunAsync(folder.Path, null, "import", "original.db");
        await Assert.That(again.ExitCode).IsEqualTo(0).Because(again.Output);
        await Assert.That(again.Stdout).Contains("Nothing imported");
    }

    [Test]
    public async Task A_damaged_foreign_or_non_sqlite_file_stops_with_one_line_and_exit_2_changing_nothing()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("notes.txt"), "monitors, checks and incidents, but as text\n");
        using (var foreign = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={folder.File("foreign.db")};Pooling=False"))
        {
            _ = new Database(folder.File("foreign.db"));
            foreign.Open();
            using var create = foreign.CreateCommand();
            create.CommandText = "CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO songs (title) VALUES ('flatline');";
            create.ExecuteNonQuery();
        }
        OriginalDatabase.Sample(folder.File("damaged.db"));
        // Garbage over the pages after the schema: the tables' b-trees no longer hold together.
        await using (var file = new FileStream(folder.File("damaged.db"), FileMode.Open, FileAccess.Write))
        {
            file.Position = 4096 * 2;
            file.Write(Enumerable.Repeat((byte)0xA5, 4096 * 4).ToArray());
        }

        foreach (var (name, message) in new[]
        {
            ("notes.txt", "is not an SQLite database"),
            ("foreign.db", "is an SQLite database but not one of the original Flatline"),
            ("damaged.db", "is a damaged SQLite database"),
        })
        {
            var result = await PublishedBinary.RunAsync(folder.Path, null, "import", name);
            await Assert.That(result.ExitCode).IsEqualTo(2).Because(result.Output);
            await Assert.That(result.Stdout).IsEmpty();
            await Assert.That(result.Stderr.TrimEnd().Split('\n').Length).IsEqualTo(1).Because(result.Stderr);
            await Assert.That(result.Stderr).StartsWith("error: ");
            await Assert.That(result.Stderr).Contains(message);
            await Assert.That(File.Exists(folder.File("flatline.db"))).IsFalse();
        }
    }

    static async Task<string> Token(TempFolder folder) => await PublishedBinary.CreateTokenAsync(folder.Path, null, "import-test");
}
