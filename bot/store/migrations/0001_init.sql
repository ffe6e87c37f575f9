-- 0001: placeholder; the storage helper replaces this with the initial schema.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
