-- The secret the cell key method makes its record keys with (docs/disclosure.md): random,
-- made once per database on first use, never shown, never exported.
CREATE TABLE disclosure_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
);
