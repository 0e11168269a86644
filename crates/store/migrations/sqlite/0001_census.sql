-- The census: employers, their returns (with audit history) and the records of the
-- current return of each employer and census date. Codes are stored as their text.
CREATE TABLE employers (
    id TEXT PRIMARY KEY,
    name TEXT,
    area_code TEXT,
    registered_by_hand INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE returns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employer_id TEXT NOT NULL REFERENCES employers(id),
    census_date TEXT NOT NULL,
    status TEXT NOT NULL,            -- current | replaced
    submitted_at TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    source TEXT NOT NULL,            -- the file name as given
    file_digest TEXT NOT NULL,       -- SHA-256 of the files received
    settings INTEGER NOT NULL,
    posts INTEGER NOT NULL,
    leavers INTEGER NOT NULL,
    vacancies INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    replaced_at TEXT
);
CREATE UNIQUE INDEX returns_one_current ON returns(employer_id, census_date) WHERE status = 'current';
CREATE INDEX returns_by_date ON returns(census_date, status);

CREATE TABLE settings (
    return_id INTEGER NOT NULL REFERENCES returns(id),
    setting_id TEXT NOT NULL,
    name TEXT NOT NULL,
    setting_type TEXT NOT NULL,
    area_code TEXT NOT NULL,
    employing_sector TEXT NOT NULL,
    provision TEXT NOT NULL,
    multi_agency TEXT,
    places INTEGER
);
CREATE INDEX settings_by_return ON settings(return_id);

CREATE TABLE workers (
    return_id INTEGER NOT NULL REFERENCES returns(id),
    worker_ref TEXT NOT NULL,
    person_key BLOB,                 -- HMAC of the national identifier, never the identifier
    setting_id TEXT NOT NULL,
    role TEXT,
    job_title TEXT,
    job_title_norm TEXT,
    contract TEXT NOT NULL,
    fte INTEGER NOT NULL,            -- hundredths
    start_date TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    disability TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    qualification_level TEXT NOT NULL,
    qualification_status TEXT NOT NULL,
    annual_pay INTEGER
);
CREATE INDEX workers_by_return ON workers(return_id);

CREATE TABLE leavers (
    return_id INTEGER NOT NULL REFERENCES returns(id),
    worker_ref TEXT NOT NULL,
    person_key BLOB,
    setting_id TEXT NOT NULL,
    role TEXT,
    job_title TEXT,
    job_title_norm TEXT,
    contract TEXT NOT NULL,
    fte INTEGER NOT NULL,
    leave_date TEXT NOT NULL,
    reason TEXT NOT NULL,
    destination TEXT NOT NULL,
    gender TEXT,
    ethnicity TEXT,
    birth_year INTEGER
);
CREATE INDEX leavers_by_return ON leavers(return_id);

CREATE TABLE vacancies (
    return_id INTEGER NOT NULL REFERENCES returns(id),
    setting_id TEXT NOT NULL,
    role TEXT,
    job_title TEXT,
    job_title_norm TEXT,
    vacant_posts INTEGER NOT NULL,
    vacant_fte INTEGER NOT NULL,
    hard_to_fill TEXT,
    covered_by_agency TEXT
);
CREATE INDEX vacancies_by_return ON vacancies(return_id);

-- Job titles confirmed by a person, used from then on.
CREATE TABLE jobtitle_map (
    title_norm TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);

CREATE TABLE mapping_profiles (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    saved_at TEXT NOT NULL
);

-- Columnar snapshots of a census date for fast queries; dropped whenever its data changes.
CREATE TABLE cube_snapshots (
    census_date TEXT PRIMARY KEY,
    generation TEXT NOT NULL,        -- the data version it was built from
    data BLOB NOT NULL,
    built_at TEXT NOT NULL
);
