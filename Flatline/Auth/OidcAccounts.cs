namespace Flatline;

/// <summary>Accounts from the OpenID provider, known by issuer and subject. The first one to sign in
/// becomes the owner; after that registration is closed.</summary>
public sealed class OidcAccounts(Database database, TimeProvider time)
{
    /// <summary>The account's key and id, creating it as the owner if there is no owner yet; null when
    /// it is new and registration is closed.</summary>
    public (long Key, string Id)? SignIn(OidcIdentity identity)
    {
        using var connection = database.Open();
        // BEGIN IMMEDIATE: two first sign-ins at once are taken one after the other, and the partial
        // unique index on is_owner would refuse a second owner anyway.
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE users SET email = coalesce($email, email), name = coalesce($name, name)
                WHERE issuer = $issuer AND subject = $subject RETURNING id, uid
                """;
            update.Parameters.AddWithValue("$issuer", identity.Issuer);
            update.Parameters.AddWithValue("$subject", identity.Subject);
            update.Parameters.AddWithValue("$email", (object?)identity.Email ?? DBNull.Value);
            update.Parameters.AddWithValue("$name", (object?)identity.DisplayName ?? DBNull.Value);
            using var reader = update.ExecuteReader();
            if (reader.Read())
            {
                var known = (reader.GetInt64(0), reader.GetString(1));
                reader.Close();
                transaction.Commit();
                return known;
            }
        }

        var id = Guid.CreateVersion7().ToString();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO users (uid, issuer, subject, email, name, is_owner, created_at)
            SELECT $uid, $issuer, $subject, $email, $name, 1, $now
            WHERE NOT EXISTS (SELECT 1 FROM users WHERE is_owner = 1)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("$uid", id);
        insert.Parameters.AddWithValue("$issuer", identity.Issuer);
        insert.Parameters.AddWithValue("$subject", identity.Subject);
        insert.Parameters.AddWithValue("$email", (object?)identity.Email ?? DBNull.Value);
        insert.Parameters.AddWithValue("$name", (object?)identity.DisplayName ?? DBNull.Value);
        insert.Parameters.AddWithValue("$now", Database.Now(time));
        if (insert.ExecuteScalar() is not long key) return null;
        transaction.Commit();
        return (key, id);
    }
}
