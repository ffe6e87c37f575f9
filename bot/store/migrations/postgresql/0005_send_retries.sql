-- 0005: posts that fail are retried, never duplicated: each outbox message's failed tries, backoff and last problem.
--
-- The same columns as SQLite's 0005 (see there what each holds), added in one statement.
-- Times stay ISO-8601 text and outcome_unknown 0 or 1, as in the rest of this schema, so the
-- store reads and writes them the same way on both databases.
ALTER TABLE outbox_messages
    ADD COLUMN attempts        INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at TEXT,
    ADD COLUMN last_attempt_at TEXT,
    ADD COLUMN problem         TEXT,
    ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0 CHECK (outcome_unknown IN (0, 1));

-- Status and the poll read a target's unsent messages (pending or failed), not only pending.
CREATE INDEX outbox_unsent ON outbox_messages (target_kind, target_id, announcement_date, seq)
    WHERE state IN ('pending', 'failed');
