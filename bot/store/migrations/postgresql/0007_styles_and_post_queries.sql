-- 0007: how a target lays out its papers (compact or full), and what "Show all" of a post lists (PostgreSQL).
--
-- The same columns and table as sqlite/0007_styles_and_post_queries.sql (see there what each
-- holds): Discord snowflakes BIGINT.

ALTER TABLE digests ADD COLUMN style TEXT NOT NULL DEFAULT 'compact'
    CHECK (style IN ('compact', 'full'));
ALTER TABLE subscriptions ADD COLUMN style TEXT NOT NULL DEFAULT 'compact'
    CHECK (style IN ('compact', 'full'));

CREATE TABLE post_queries (
    target_kind         TEXT    NOT NULL CHECK (target_kind IN ('channel', 'user')),
    target_id           BIGINT  NOT NULL,
    announcement_date   TEXT    NOT NULL,
    categories          TEXT    NOT NULL CHECK (json_valid(categories)),
    keywords            TEXT    NOT NULL CHECK (json_valid(keywords)),
    include_cross_lists INTEGER NOT NULL DEFAULT 0 CHECK (include_cross_lists IN (0, 1)),
    language            TEXT    NOT NULL,
    matched             INTEGER NOT NULL CHECK (matched >= 0),
    created_at          TEXT    NOT NULL,
    PRIMARY KEY (target_kind, target_id, announcement_date)
);
