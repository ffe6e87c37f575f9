-- 0005: posts that fail are retried, never duplicated: each outbox message's failed tries, backoff and last problem.
--
-- attempts counts the message's failed tries since it last went back in the queue (a target's
-- sending stops at its first failure, so this is the target's run of consecutive failures).
-- next_attempt_at is when the poll may try it again (the backoff). problem is why the last
-- try failed (a bot.outcomes.SendProblem code), error its detail for logs and /status.
-- outcome_unknown is 1 when Discord did not answer the last try (a timeout, a lost
-- connection, a 5xx): the message may have arrived, so the channel is read before it is sent
-- again. last_attempt_at is when a send was last started (written before sending while the
-- database had failed to record a send). State 'failed' (already allowed) is a message given up
-- after DELIVERY_MAX_FAILURES tries: its target is paused until someone resumes it.
ALTER TABLE outbox_messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox_messages ADD COLUMN next_attempt_at TEXT;
ALTER TABLE outbox_messages ADD COLUMN last_attempt_at TEXT;
ALTER TABLE outbox_messages ADD COLUMN problem TEXT;
ALTER TABLE outbox_messages ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0;

-- Status and the poll read a target's unsent messages (pending or failed), not only pending.
CREATE INDEX outbox_unsent ON outbox_messages (target_kind, target_id, announcement_date, seq)
    WHERE state IN ('pending', 'failed');
