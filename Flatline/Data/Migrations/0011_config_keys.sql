-- Configuration as code (SPEC §17): which item a configuration file's stable `key` names. `created`
-- is 1 for an item a file created (apply --prune may delete it once no file lists it) and 0 for one
-- made elsewhere that a file took over by its key (never deleted by --prune).
CREATE TABLE config_keys (
    kind    TEXT NOT NULL,    -- monitor, channel, link, maintenance
    key     TEXT NOT NULL,
    uid     TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;
