-- 0008: never miss an announcement: API listings (backfill, cross-check), what each target saw, quiet and versions.
--
-- The same tables and columns as SQLite's 0008 (see there, or below, what each holds), ids
-- of Discord and of the outbox are BIGINT as in this schema's 0001. Times stay ISO-8601 text,
-- dates ISO text, lists JSON text and booleans 0/1, so the store reads both databases alike.

-- Every listing of one announcement's submission window from the query API. A backfill lists
-- an announcement the store lacks (the bot was down, or the feed never showed it), a
-- cross-check one the feed brought (to find papers the feed left out). A backfill row whose
-- recorded count is 0 is the marker "checked, nothing there": that day is not listed again.
CREATE TABLE api_listings (
    announced_on TEXT    NOT NULL,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('backfill', 'cross-check')),
    feed_key     TEXT    NOT NULL,  -- the categories listed, sorted and joined with '+'
    categories   TEXT    NOT NULL CHECK (json_valid(categories)),
    listed       INTEGER NOT NULL CHECK (listed >= 0),    -- papers the API listed
    recorded     INTEGER NOT NULL CHECK (recorded >= 0),  -- papers recorded from the listing
    listed_at    TEXT    NOT NULL,
    PRIMARY KEY (announced_on, purpose, feed_key)
);

-- Where each entry came from ('feed', 'backfill' or 'cross-check'), and the recording that
-- brought it: recordings are numbered in order, so a target that planned an announcement up
-- to recording N is offered what later recordings add (papers the cross-check found) once.
-- Entries recorded before this migration count as one early feed recording.
ALTER TABLE announcement_entries ADD COLUMN source TEXT NOT NULL DEFAULT 'feed'
    CHECK (source IN ('feed', 'backfill', 'cross-check'));
ALTER TABLE announcement_entries ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;
CREATE INDEX announcement_entries_by_batch ON announcement_entries (batch);

-- What each target saw of each announcement it was planned for: the papers offered to it,
-- how many its keywords matched, how many were chosen (cut at max_papers), and the last
-- recording of the announcement it has seen. /digest show and /status read it.
CREATE TABLE target_passes (
    target_kind       TEXT    NOT NULL CHECK (target_kind IN ('channel', 'user')),
    target_id         BIGINT  NOT NULL,
    announcement_date TEXT    NOT NULL,
    seen_batch        INTEGER NOT NULL,
    offered           INTEGER NOT NULL CHECK (offered >= 0),
    matched           INTEGER NOT NULL CHECK (matched >= 0),
    chosen            INTEGER NOT NULL CHECK (chosen >= 0),
    planned_at        TEXT    NOT NULL,
    PRIMARY KEY (target_kind, target_id, announcement_date)
);
CREATE INDEX target_passes_by_date ON target_passes (announcement_date);

-- /digest set quiet:false posts a one-line "No matches today" (default: quiet, nothing),
-- versions:true replies to a delivered paper when a new version is announced (default: off).
ALTER TABLE digests ADD COLUMN quiet INTEGER NOT NULL DEFAULT 1 CHECK (quiet IN (0, 1));
ALTER TABLE digests ADD COLUMN versions INTEGER NOT NULL DEFAULT 0 CHECK (versions IN (0, 1));

-- A version reply answers the message that carried the paper: sent with a message_reference
-- to that message's Discord id, read when the reply goes out.
ALTER TABLE outbox_messages ADD COLUMN reply_to BIGINT REFERENCES outbox_messages (id);
