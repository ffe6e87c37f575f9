-- 0006: digests in threads and forum posts, a role to ping, per-server defaults and budget shares (PostgreSQL).
--
-- The same tables and columns as sqlite/0006_threads_roles_server_settings.sql (see there what
-- each holds), in PostgreSQL's types: Discord snowflakes BIGINT, costs DOUBLE PRECISION.

ALTER TABLE digests
    ADD COLUMN place TEXT NOT NULL DEFAULT 'channel'
        CHECK (place IN ('channel', 'thread', 'forum')),
    ADD COLUMN mention_role_id BIGINT;

CREATE TABLE outbox_threads (
    target_kind       TEXT    NOT NULL CHECK (target_kind IN ('channel', 'user')),
    target_id         BIGINT  NOT NULL,
    announcement_date TEXT    NOT NULL,
    place             TEXT    NOT NULL CHECK (place IN ('thread', 'forum')),
    name              TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    labels            TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(labels)),
    thread_id         BIGINT,
    opened_at         TEXT,
    PRIMARY KEY (target_kind, target_id, announcement_date)
);

CREATE TABLE guild_settings (
    guild_id   BIGINT PRIMARY KEY,
    language   TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE claude_usage_guilds (
    usage_id BIGINT           NOT NULL REFERENCES claude_usage (id),
    guild_id BIGINT           NOT NULL,
    day      TEXT             NOT NULL,
    cost_usd DOUBLE PRECISION NOT NULL CHECK (cost_usd >= 0),
    PRIMARY KEY (usage_id, guild_id)
);
CREATE INDEX claude_usage_guilds_by_day ON claude_usage_guilds (day, guild_id);
