-- 0001: initial schema: papers, announcements, feed poll state, digests, subscriptions, outbox.
--
-- Conventions: times are ISO-8601 text in UTC (`2026-04-28T00:00:00+00:00`), dates ISO text
-- (`2026-04-28`), lists JSON text, booleans 0/1, Discord snowflakes INTEGER (they fit in 63 bits).
-- No comment may hold a semicolon: bot/store/db.py splits this file on them.

-- Every version of every paper the bot has seen, one row per (base_id, version). The feed fills
-- a row, the API enrichment (matched papers only) completes it and sets enriched_at.
CREATE TABLE papers (
    base_id          TEXT    NOT NULL,  -- 2203.01250 or hep-th/9901001, without vN
    version          INTEGER NOT NULL CHECK (version >= 1),
    title            TEXT    NOT NULL,
    abstract         TEXT    NOT NULL,
    authors          TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(authors)),
    categories       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
    primary_category TEXT,
    comment          TEXT,
    journal_ref      TEXT,
    doi              TEXT,
    published        TEXT,              -- first version's date (API)
    updated          TEXT,              -- this version's date (API)
    enriched_at      TEXT,              -- NULL until the API enrichment ran
    first_seen_at    TEXT    NOT NULL,
    PRIMARY KEY (base_id, version)
);

-- One announcement (a day's mailing) as fetched with one feed request. feed_key is the
-- request's categories, sorted and joined with '+', so refetching the same feed is idempotent.
CREATE TABLE announcements (
    id           INTEGER PRIMARY KEY,
    announced_on TEXT NOT NULL,
    feed_key     TEXT NOT NULL,
    categories   TEXT NOT NULL CHECK (json_valid(categories)),
    recorded_at  TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (announced_on, feed_key)
);

-- The entries of an announcement in feed order, one per base id: versions are never
-- duplicated. categories are the entry's own, primary first as the feed lists them.
CREATE TABLE announcement_entries (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    base_id         TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    announce_type   TEXT    NOT NULL
        CHECK (announce_type IN ('new', 'cross', 'replace', 'replace-cross')),
    position        INTEGER NOT NULL,
    categories      TEXT    NOT NULL CHECK (json_valid(categories)),
    PRIMARY KEY (announcement_id, base_id),
    FOREIGN KEY (base_id, version) REFERENCES papers (base_id, version)
);

-- Conditional-request state per feed URL (ETag / Last-Modified) and what the last poll saw,
-- for the next poll and for /status.
CREATE TABLE poll_state (
    url                    TEXT PRIMARY KEY,
    etag                   TEXT,
    last_modified          TEXT,
    last_poll_at           TEXT,
    last_success_at        TEXT,
    last_result            TEXT,  -- 'ok', 'not-modified' or an error text
    last_announcement_date TEXT
);

-- Small facts the bot keeps between runs, e.g. the hash of the last synced command tree.
CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A channel's daily digest (/digest set). start_date is the announcement it starts from,
-- never a backlog (docs/behaviour.md). language NULL means the bot's DEFAULT_LANGUAGE.
CREATE TABLE digests (
    channel_id          INTEGER PRIMARY KEY,
    guild_id            INTEGER NOT NULL,
    categories          TEXT    NOT NULL CHECK (json_valid(categories)),
    keywords            TEXT    NOT NULL DEFAULT '',  -- as the admin wrote them
    post_time           TEXT,                         -- HH:MM local, NULL = when announced
    timezone            TEXT    NOT NULL DEFAULT 'UTC',
    language            TEXT,
    max_papers          INTEGER NOT NULL DEFAULT 10 CHECK (max_papers BETWEEN 1 AND 25),
    include_cross_lists INTEGER NOT NULL DEFAULT 0 CHECK (include_cross_lists IN (0, 1)),
    paused              INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pause_reason        TEXT,
    start_date          TEXT,
    last_posted_date    TEXT,
    last_posted_at      TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL
);
CREATE INDEX digests_by_guild ON digests (guild_id);

-- A member's personal DM subscription. categories NULL means DEFAULT_CATEGORIES, language
-- NULL the bot's DEFAULT_LANGUAGE. dm_blocked_at is set when a DM failed with 403/50007.
CREATE TABLE subscriptions (
    user_id             INTEGER PRIMARY KEY,
    keywords            TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
    categories          TEXT    CHECK (categories IS NULL OR json_valid(categories)),
    post_time           TEXT,
    timezone            TEXT    NOT NULL DEFAULT 'UTC',
    language            TEXT,
    paused              INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    dm_blocked_at       TEXT,
    dm_blocked_notified INTEGER NOT NULL DEFAULT 0 CHECK (dm_blocked_notified IN (0, 1)),
    start_date          TEXT,
    last_sent_date      TEXT,
    last_sent_at        TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL
);

-- The outbox (exactly once, docs/behaviour.md): every message of a post is recorded before the first is
-- sent, with a deterministic nonce, then marked sent with Discord's message id. A restart
-- resends what is still pending with the same nonce.
CREATE TABLE outbox_messages (
    id                INTEGER PRIMARY KEY,
    target_kind       TEXT    NOT NULL CHECK (target_kind IN ('channel', 'user')),
    target_id         INTEGER NOT NULL,
    announcement_date TEXT    NOT NULL,
    seq               INTEGER NOT NULL,  -- position of the message in the post, from 0
    nonce             TEXT    NOT NULL UNIQUE CHECK (length(nonce) <= 25),
    payload           TEXT    NOT NULL CHECK (json_valid(payload)),
    state             TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed')),
    message_id        INTEGER,
    error             TEXT,
    created_at        TEXT    NOT NULL,
    sent_at           TEXT,
    UNIQUE (target_kind, target_id, announcement_date, seq)
);
CREATE INDEX outbox_pending ON outbox_messages (target_kind, target_id) WHERE state = 'pending';

-- Which paper went (or is planned to go) to which target: at most once per base id, whatever
-- the version, so a replaced paper is not delivered again.
CREATE TABLE delivered_papers (
    target_kind       TEXT    NOT NULL CHECK (target_kind IN ('channel', 'user')),
    target_id         INTEGER NOT NULL,
    base_id           TEXT    NOT NULL,
    outbox_id         INTEGER NOT NULL REFERENCES outbox_messages (id),
    announcement_date TEXT    NOT NULL,
    PRIMARY KEY (target_kind, target_id, base_id)
);
CREATE INDEX delivered_by_outbox ON delivered_papers (outbox_id);
