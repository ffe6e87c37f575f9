-- 0003: papers members act on: deep dives (cached), saved papers, feedback marks, button clicks.
--
-- Everything for the per-paper actions is in this one file, so renumbering it is a rename.
-- Times are ISO-8601 text in UTC, Discord snowflakes INTEGER, as in 0001.
-- No comment may hold a semicolon: bot/store/db.py splits this file on them.

-- The deep-dive cache: a full-text summary of one paper version, one row per (paper version,
-- language, prompt version, model), the same key as summaries. Only valid answers are stored,
-- so a fallback is retried by the next request. key_numbers is a JSON list of
-- {"value": ..., "source": ...} objects.
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

-- Deep dives spend from the same daily and monthly budget as summaries: their calls are rows
-- of claude_usage too, told apart by purpose (existing rows are summaries).
ALTER TABLE claude_usage ADD COLUMN purpose TEXT NOT NULL DEFAULT 'summary'
    CHECK (purpose IN ('summary', 'deep-dive'));

-- A member's saved papers: one row per paper (base id), pointing at the version they saved
-- (the newest, when they saved it again later).
CREATE TABLE saved_papers (
    user_id  INTEGER NOT NULL,
    base_id  TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    saved_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, base_id),
    FOREIGN KEY (base_id, version) REFERENCES papers (base_id, version)
);
CREATE INDEX saved_papers_newest ON saved_papers (user_id, saved_at);

-- A member's "More like this" ('more') or "Not interested" ('less') mark on a paper: one per
-- paper, changed or removed by the next click. channel_id is the digest channel the paper was
-- delivered to when the mark came from there (NULL from a DM), for the channel's tally.
CREATE TABLE paper_feedback (
    user_id    INTEGER NOT NULL,
    base_id    TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    verdict    TEXT    NOT NULL CHECK (verdict IN ('more', 'less')),
    channel_id INTEGER,
    marked_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, base_id),
    FOREIGN KEY (base_id, version) REFERENCES papers (base_id, version)
);
CREATE INDEX paper_feedback_newest ON paper_feedback (user_id, marked_at);
CREATE INDEX paper_feedback_by_channel ON paper_feedback (channel_id) WHERE channel_id IS NOT NULL;

-- Who used the other buttons on a digest channel's papers: each member once per paper and
-- action, so the tally counts people, not clicks.
CREATE TABLE paper_action_clicks (
    channel_id INTEGER NOT NULL,
    base_id    TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    action     TEXT    NOT NULL CHECK (action IN ('details', 'deep-dive', 'save')),
    first_at   TEXT    NOT NULL,
    PRIMARY KEY (channel_id, base_id, user_id, action)
);
