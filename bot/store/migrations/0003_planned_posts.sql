-- 0003: one pass per announcement: each target's planned date, typed pause reasons and poll results.
--
-- planned_date is the latest announcement whose post is planned for the target (recorded in the
-- outbox, or found empty), so a pass never plans the same announcement twice. It starts from
-- what the outbox and the posted dates already show.
ALTER TABLE digests ADD COLUMN planned_date TEXT;
ALTER TABLE subscriptions ADD COLUMN planned_date TEXT;
UPDATE digests SET planned_date = (
    SELECT CASE
        WHEN max(o.announcement_date) IS NULL THEN digests.last_posted_date
        WHEN digests.last_posted_date IS NULL THEN max(o.announcement_date)
        WHEN max(o.announcement_date) < digests.last_posted_date THEN digests.last_posted_date
        ELSE max(o.announcement_date) END
    FROM outbox_messages AS o
    WHERE o.target_kind = 'channel' AND o.target_id = digests.channel_id
);
UPDATE subscriptions SET planned_date = (
    SELECT CASE
        WHEN max(o.announcement_date) IS NULL THEN subscriptions.last_sent_date
        WHEN subscriptions.last_sent_date IS NULL THEN max(o.announcement_date)
        WHEN max(o.announcement_date) < subscriptions.last_sent_date THEN subscriptions.last_sent_date
        ELSE max(o.announcement_date) END
    FROM outbox_messages AS o
    WHERE o.target_kind = 'user' AND o.target_id = subscriptions.user_id
);

-- A member told about closed DMs is the member whose block was cleared: the flag said nothing more.
ALTER TABLE subscriptions DROP COLUMN dm_blocked_notified;

-- Pause reasons become codes ('admin', 'no-permission', 'channel-gone'), worded by bot/words.py.
UPDATE digests SET pause_reason = CASE
    WHEN paused = 0 THEN NULL
    WHEN pause_reason IS NULL OR pause_reason = 'paused by an admin' THEN 'admin'
    WHEN pause_reason LIKE '%no longer exists%' OR pause_reason LIKE '%cannot hold messages%'
        THEN 'channel-gone'
    ELSE 'no-permission' END;

-- A poll's result becomes a code ('ok', 'not-modified', 'empty-on-announcement-day', 'failed'),
-- and the error of a failed poll moves to its own column.
ALTER TABLE poll_state ADD COLUMN last_error TEXT;
UPDATE poll_state SET last_error = last_result, last_result = 'failed'
WHERE last_result IS NOT NULL AND last_result NOT IN ('ok', 'not-modified');
UPDATE poll_state SET last_result = 'empty-on-announcement-day', last_error = NULL
WHERE last_error = 'the feed is empty although arXiv should have announced papers';

-- A pass looks up, for the papers of one announcement, which targets already have them.
CREATE INDEX delivered_by_base_id ON delivered_papers (base_id);
