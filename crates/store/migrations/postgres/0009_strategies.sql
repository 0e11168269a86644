-- Local workforce strategies: the file as imported (JSON, every field kept, so export
-- gives back what was imported), the areas it covers (for scoping), and every version
-- ever imported, with who imported it and when.
CREATE TABLE strategies (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE strategy_areas (
    strategy_id TEXT NOT NULL,
    area_code TEXT NOT NULL,
    PRIMARY KEY (strategy_id, area_code)
);

CREATE TABLE strategy_versions (
    strategy_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    PRIMARY KEY (strategy_id, version)
);
