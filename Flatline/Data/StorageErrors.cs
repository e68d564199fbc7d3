using Microsoft.Data.Sqlite;

namespace Flatline;

/// <summary>What a SQLite error says about the database, for the few places that must tell the
/// owner (health, problem responses) or carry on (best-effort writes) rather than fail.</summary>
public enum StorageFault
{
    /// <summary>Not a storage condition: a bug or a corrupt file.</summary>
    Other,
    Full,
    ReadOnly,
    /// <summary>Its files cannot be opened: what a read-only file system gives a connection that needs the WAL's files.</summary>
    Unreachable,
    IoError,
    Locked,
}

public static class StorageErrors
{
    public static StorageFault Classify(SqliteException e) => e.SqliteErrorCode switch
    {
        13 => StorageFault.Full,           // SQLITE_FULL
        8 => StorageFault.ReadOnly,        // SQLITE_READONLY
        14 => StorageFault.Unreachable,    // SQLITE_CANTOPEN
        10 => StorageFault.IoError,        // SQLITE_IOERR
        5 or 6 => StorageFault.Locked,     // SQLITE_BUSY, SQLITE_LOCKED
        _ => StorageFault.Other,
    };

    /// <summary>The database cannot take a write now, for a reason of its own and not of the request.</summary>
    public static bool IsUnwritable(SqliteException e) => Classify(e) != StorageFault.Other;
}
