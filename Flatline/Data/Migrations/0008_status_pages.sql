-- Public status pages (SPEC §14): pages with sections of monitors, and announcements with their
-- timeline of updates. A monitor deleted leaves every page it was on; a page deleted takes its
-- sections, its monitors' places and its announcements with it.

CREATE TABLE status_pages (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,
    slug          TEXT NOT NULL UNIQUE,        -- lower case, [a-z0-9-]
    title         TEXT NOT NULL,
    description   TEXT,
    logo_url      TEXT,                        -- a path on this server or a data:image URL
    custom_domain TEXT UNIQUE,                 -- lower-case host name, matched on the Host header
    show_urls     INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT,                        -- LocalOwner.HashPassword; NULL: public
    footer        TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE status_page_sections (
    page_id  INTEGER NOT NULL REFERENCES status_pages(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name     TEXT NOT NULL,
    PRIMARY KEY (page_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE status_page_monitors (
    page_id    INTEGER NOT NULL,
    section    INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    PRIMARY KEY (page_id, section, position),
    FOREIGN KEY (page_id, section) REFERENCES status_page_sections(page_id, position) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
-- Which pages show a monitor: badges and the page cache ask this.
CREATE INDEX status_page_monitors_by_monitor ON status_page_monitors(monitor_id);

CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY,
    uid        TEXT NOT NULL UNIQUE,
    page_id    INTEGER NOT NULL REFERENCES status_pages(id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    severity   TEXT NOT NULL,                  -- info, minor, major, maintenance
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX announcements_by_page ON announcements(page_id, created_at);

CREATE TABLE announcement_updates (
    id              INTEGER PRIMARY KEY,
    uid             TEXT NOT NULL UNIQUE,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    status          TEXT NOT NULL,             -- investigating, identified, monitoring, resolved
    message         TEXT NOT NULL,
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX announcement_updates_by_announcement ON announcement_updates(announcement_id, at);
