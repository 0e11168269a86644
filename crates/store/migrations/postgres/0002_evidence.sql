-- The evidence library: items with their tags and attachments, the research register,
-- calls for evidence with their submissions, and links from strategy decisions.
-- Tags are (facet, value) pairs checked against data/evidence/taxonomy.csv by the code.

-- One row: this database's identity and a counter bumped by every evidence write, so a
-- search index on disk can tell whether it is behind (or belongs to another database).
CREATE TABLE evidence_state (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    instance TEXT NOT NULL,
    generation BIGINT NOT NULL
);
INSERT INTO evidence_state (id, instance, generation) VALUES (1, md5(random()::text || clock_timestamp()::text), 0);

CREATE TABLE evidence_items (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,           -- one "Surname, Given" per line
    organisation TEXT,
    year BIGINT,
    item_type TEXT NOT NULL,
    summary TEXT NOT NULL,
    link TEXT,
    doi TEXT,                        -- lower case, without https://doi.org/
    strength TEXT,
    container TEXT,                  -- journal, book, conference or series
    volume TEXT,
    issue TEXT,
    pages TEXT,
    publisher TEXT,
    place TEXT,
    report_number TEXT,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    revision BIGINT NOT NULL        -- evidence_state.generation when last written
);
CREATE INDEX evidence_items_by_revision ON evidence_items(revision);
CREATE INDEX evidence_items_by_doi ON evidence_items(doi);

CREATE TABLE evidence_tags (
    item_id BIGINT NOT NULL REFERENCES evidence_items(id),
    facet TEXT NOT NULL,             -- theme | sector | provision | geography | outcome | keyword
    value TEXT NOT NULL,
    PRIMARY KEY (item_id, facet, value)
);
CREATE INDEX evidence_tags_by_value ON evidence_tags(facet, value);

CREATE TABLE evidence_attachments (
    id BIGSERIAL PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES evidence_items(id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    text TEXT NOT NULL,              -- extracted for search
    added_at TEXT NOT NULL
);
CREATE INDEX evidence_attachments_by_item ON evidence_attachments(item_id);

CREATE TABLE research_register (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL,
    status TEXT NOT NULL,            -- planned | commissioned | in_progress | reported
    summary TEXT NOT NULL,
    due_date TEXT,                   -- YYYY-MM-DD (first day of the month when only a month is known)
    due_note TEXT,                   -- the due date as the source said it ("summer 2010", "tbc")
    item_id BIGINT REFERENCES evidence_items(id),  -- the report, once there is one
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);

CREATE TABLE register_tags (
    entry_id BIGINT NOT NULL REFERENCES research_register(id),
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (entry_id, facet, value)
);

CREATE TABLE evidence_calls (
    id BIGSERIAL PRIMARY KEY,
    question TEXT NOT NULL,
    details TEXT NOT NULL,
    deadline TEXT NOT NULL,          -- YYYY-MM-DD, last day submissions are taken
    status TEXT NOT NULL,            -- open | closed
    token TEXT NOT NULL UNIQUE,      -- the public link's secret part
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT
);

CREATE TABLE call_tags (
    call_id BIGINT NOT NULL REFERENCES evidence_calls(id),
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (call_id, facet, value)
);

CREATE TABLE call_submissions (
    id BIGSERIAL PRIMARY KEY,
    call_id BIGINT NOT NULL REFERENCES evidence_calls(id),
    status TEXT NOT NULL,            -- pending | accepted | merged | rejected
    submitter_name TEXT NOT NULL,
    submitter_email TEXT NOT NULL,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,
    organisation TEXT,
    year BIGINT,
    item_type TEXT NOT NULL,
    summary TEXT NOT NULL,
    link TEXT,
    file_name TEXT,
    file_media_type TEXT,
    file_content BYTEA,
    file_sha256 TEXT,
    file_text TEXT,
    submitted_at TEXT NOT NULL,
    moderated_by TEXT,
    moderated_at TEXT,
    reason TEXT,                     -- why it was rejected
    item_id BIGINT REFERENCES evidence_items(id)   -- the item it became or was merged into
);
CREATE INDEX call_submissions_by_call ON call_submissions(call_id, status);

CREATE TABLE item_calls (
    item_id BIGINT NOT NULL REFERENCES evidence_items(id),
    call_id BIGINT NOT NULL REFERENCES evidence_calls(id),
    PRIMARY KEY (item_id, call_id)
);

-- Which evidence a strategy decision used; the decision is a free reference for now.
CREATE TABLE decision_links (
    id BIGSERIAL PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES evidence_items(id),
    decision_ref TEXT NOT NULL,
    note TEXT,
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    UNIQUE (item_id, decision_ref)
);
