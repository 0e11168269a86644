-- Projection scenarios: every version's scenario file whole, who saved it, what it
-- changed, and the census figures it was projected from (JSON), so that any figure can be
-- reproduced exactly from what is stored; and the child population projections imported
-- for demand (ages 0 to 25 by area and year, JSON).
CREATE TABLE projection_scenarios (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE projection_scenario_versions (
    scenario_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    inputs TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (scenario_id, version)
);

CREATE TABLE population_projections (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
