-- 0004: papers members act on: deep dives (cached), saved papers, feedback marks, button clicks (PostgreSQL).
--
-- The same tables as sqlite/0004_saved_feedback_deep_dives.sql: Discord snowflakes BIGINT,
-- and `rowid` (the insertion order the queries break ties with) where they order by it.

CREATE TABLE deep_dives (
    base_id        TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    language       TEXT    NOT NULL,
    prompt_version TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    overview       TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    experiments    TEXT    NOT NULL,
    limitations    TEXT    NOT NULL,
    key_numbers    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(key_numbers)),
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (base_id, version, language, prompt_version, model)
);

ALTER TABLE claude_usage ADD COLUMN purpose TEXT NOT NULL DEFAULT 'summary'
    CHECK (purpose IN ('summary', 'deep-dive'));

CREATE TABLE saved_papers (
    user_id  BIGINT  NOT NULL,
    base_id  TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    saved_at TEXT    NOT NULL,
    rowid    BIGINT  GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (user_id, base_id),
    FOREIGN KEY (base_id, version) REFERENCES papers (base_id, version)
);
CREATE INDEX saved_papers_newest ON saved_papers (user_id, saved_at);

CREATE TABLE paper_feedback (
    user_id    BIGINT  NOT NULL,
    base_id    TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    verdict    TEXT    NOT NULL CHECK (verdict IN ('more', 'less')),
    channel_id BIGINT,
    marked_at  TEXT    NOT NULL,
    rowid      BIGINT  GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (user_id, base_id),
    FOREIGN KEY (base_id, version) REFERENCES papers (base_id, version)
);
CREATE INDEX paper_feedback_newest ON paper_feedback (user_id, marked_at);
CREATE INDEX paper_feedback_by_channel ON paper_feedback (channel_id) WHERE channel_id IS NOT NULL;

CREATE TABLE paper_action_clicks (
    channel_id BIGINT  NOT NULL,
    base_id    TEXT    NOT NULL,
    user_id    BIGINT  NOT NULL,
    action     TEXT    NOT NULL CHECK (action IN ('details', 'deep-dive', 'save')),
    first_at   TEXT    NOT NULL,
    PRIMARY KEY (channel_id, base_id, user_id, action)
);
