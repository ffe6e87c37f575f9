-- 0006: digests in threads and forum posts, a role to ping, per-server defaults and budget shares.
--
-- Everything threads, forum posts, role pings and server defaults and shares add is in this
-- one file, so renumbering it is a rename.
-- Times are ISO-8601 text in UTC, Discord snowflakes INTEGER, as in 0001.
-- No comment may hold a semicolon: bot/store/sqlite.py splits this file on them.

-- Where a digest's posts go: 'channel' (as before), 'thread' (the header in the channel, the
-- papers in a thread under it) or 'forum' (one forum post per announcement). mention_role_id
-- is the one role a post's header pings, NULL for nobody.
ALTER TABLE digests ADD COLUMN place TEXT NOT NULL DEFAULT 'channel'
    CHECK (place IN ('channel', 'thread', 'forum'));
ALTER TABLE digests ADD COLUMN mention_role_id INTEGER;

-- The thread of a post in a thread or a forum (exactly once, docs/behaviour.md): recorded with
-- the post's messages, before any is sent. thread_id is NULL until the thread is opened, and
-- is written right after Discord answered, before any paper is sent into it. labels are the
-- names (categories, then matched keywords) a forum's tags are chosen by, as a JSON list.
CREATE TABLE outbox_threads (
    target_kind       TEXT    NOT NULL CHECK (target_kind IN ('channel', 'user')),
    target_id         INTEGER NOT NULL,
    announcement_date TEXT    NOT NULL,
    place             TEXT    NOT NULL CHECK (place IN ('thread', 'forum')),
    name              TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    labels            TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(labels)),
    thread_id         INTEGER,
    opened_at         TEXT,
    PRIMARY KEY (target_kind, target_id, announcement_date)
);

-- A server's own defaults (/digest defaults): language NULL means the bot's DEFAULT_LANGUAGE.
CREATE TABLE guild_settings (
    guild_id   INTEGER PRIMARY KEY,
    language   TEXT,
    updated_at TEXT NOT NULL
);

-- Which servers a Claude call was made for, and each one's part of its estimated cost (split
-- evenly between the servers that asked for the paper), for GUILD_DAILY_BUDGET_SHARE and
-- /status. A call made for no server (a member's DMs, /summarize in a DM) has no row here.
CREATE TABLE claude_usage_guilds (
    usage_id INTEGER NOT NULL REFERENCES claude_usage (id),
    guild_id INTEGER NOT NULL,
    day      TEXT    NOT NULL,
    cost_usd REAL    NOT NULL CHECK (cost_usd >= 0),
    PRIMARY KEY (usage_id, guild_id)
);
CREATE INDEX claude_usage_guilds_by_day ON claude_usage_guilds (day, guild_id);
