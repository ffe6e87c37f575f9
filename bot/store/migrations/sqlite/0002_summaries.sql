-- 0002: Claude summaries (the cache), token usage per call, budget hits and recent fallbacks.
-- Papers are referenced by plain text ids (base_id, version), with no foreign key to 0001's
-- tables: a summary is keyed by what was summarized, whatever the paper tables look like.
-- Times are ISO-8601 text in UTC; day is YYYY-MM-DD and month YYYY-MM (UTC), the budget periods.

-- The summary cache: one row per (paper version, language, prompt version, model), the key
-- docs/behaviour.md ("Summaries") gives. Only valid summaries are stored: fallbacks never are,
-- so a later run retries.
CREATE TABLE IF NOT EXISTS summaries (
    base_id TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    language TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    model TEXT NOT NULL,
    tldr TEXT NOT NULL,
    motivation TEXT NOT NULL,
    method TEXT NOT NULL,
    results TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (base_id, version, language, prompt_version, model)
);
CREATE INDEX IF NOT EXISTS summaries_created_at ON summaries (created_at);

-- Every Claude call that returned an answer (valid or not): tokens and estimated cost, summed
-- per day and month for the budget and for /status.
CREATE TABLE IF NOT EXISTS claude_usage (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    month TEXT NOT NULL,
    model TEXT NOT NULL,
    base_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    language TEXT NOT NULL,
    input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
    cost_usd REAL NOT NULL CHECK (cost_usd >= 0),
    valid INTEGER NOT NULL CHECK (valid IN (0, 1))
);
CREATE INDEX IF NOT EXISTS claude_usage_day ON claude_usage (day);
CREATE INDEX IF NOT EXISTS claude_usage_month ON claude_usage (month);

-- A budget cap reached in a period (scope 'daily' or 'monthly'), for the operator's /status:
-- when it was first and last hit and how many papers fell back because of it.
CREATE TABLE IF NOT EXISTS summary_budget_hits (
    scope TEXT NOT NULL CHECK (scope IN ('daily', 'monthly')),
    period TEXT NOT NULL,
    first_hit_at TEXT NOT NULL,
    last_hit_at TEXT NOT NULL,
    spent_usd REAL NOT NULL,
    cap_usd REAL NOT NULL,
    papers_skipped INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, period)
);

-- Recent fallbacks (why a paper went out abstract-only), for /status; pruned after 30 days.
CREATE TABLE IF NOT EXISTS summary_fallbacks (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    base_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    language TEXT NOT NULL,
    model TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS summary_fallbacks_at ON summary_fallbacks (at);
