-- What each version of a strategy changed, in words (for its history and the board
-- report), and the board reports made, so the next report says what changed since.
ALTER TABLE strategy_versions ADD COLUMN summary TEXT NOT NULL DEFAULT '';

CREATE TABLE strategy_reports (
    strategy_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    made_at TEXT NOT NULL,
    made_by TEXT NOT NULL
);
CREATE INDEX strategy_reports_by_strategy ON strategy_reports (strategy_id, made_at);
