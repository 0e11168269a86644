-- Population profiles imported by users (`observatory population import`): the share of
-- each group in the population each area serves, which representation_ratio compares
-- the workforce with. The body is the profile as CSV (area,dimension,group,share), the
-- form PopulationProfile::from_csv reads, so what is stored is what was checked.
CREATE TABLE population_profiles (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    areas INTEGER NOT NULL,          -- areas described (national counts as one)
    rows INTEGER NOT NULL,           -- shares given
    source TEXT NOT NULL,            -- the file it was imported from
    imported_at TEXT NOT NULL
);
