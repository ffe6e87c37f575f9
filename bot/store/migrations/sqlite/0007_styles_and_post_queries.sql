-- 0007: how a target lays out its papers (compact or full), and what "Show all" of a post lists.
--
-- Everything digest styles and "Show all" add is in this one file, so renumbering it is a
-- rename. No comment may hold a semicolon: bot/store/db.py splits this file on them.

-- A digest's and a subscription's style. Compact is the default, for the targets that exist
-- too: what a reader skims each morning (README, "Digest styles").
ALTER TABLE digests ADD COLUMN style TEXT NOT NULL DEFAULT 'compact'
    CHECK (style IN ('compact', 'full'));
ALTER TABLE subscriptions ADD COLUMN style TEXT NOT NULL DEFAULT 'compact'
    CHECK (style IN ('compact', 'full'));

-- The query a post answered, for posts that showed fewer papers than matched: the header's
-- "Show all N" button lists the rest from it, after a restart too, even when the target's
-- keywords changed since. keywords is a JSON list of keyword lists as written (a digest has
-- one, a subscription one per keyword), categories a JSON list.
CREATE TABLE post_queries (
    target_kind         TEXT    NOT NULL CHECK (target_kind IN ('channel', 'user')),
    target_id           INTEGER NOT NULL,
    announcement_date   TEXT    NOT NULL,
    categories          TEXT    NOT NULL CHECK (json_valid(categories)),
    keywords            TEXT    NOT NULL CHECK (json_valid(keywords)),
    include_cross_lists INTEGER NOT NULL DEFAULT 0 CHECK (include_cross_lists IN (0, 1)),
    language            TEXT    NOT NULL,
    matched             INTEGER NOT NULL CHECK (matched >= 0),
    created_at          TEXT    NOT NULL,
    PRIMARY KEY (target_kind, target_id, announcement_date)
);
