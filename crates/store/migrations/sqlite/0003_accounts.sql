-- Accounts of the web service: users with a role and the areas or employers they may
-- see, sessions, invitations and API tokens (every token stored only as its SHA-256),
-- submissions made through the web (with their validation report), and the approval
-- of returns by their area (an approved return is locked until the area reopens it).
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,      -- lower case
    name TEXT NOT NULL,
    role TEXT NOT NULL,              -- admin | analyst | planner | employer
    password_hash TEXT,              -- argon2 PHC string; NULL until an invitation is accepted
    active INTEGER NOT NULL DEFAULT 1,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE user_scopes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,              -- area | employer
    code TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, code)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employer_id TEXT NOT NULL,
    census_date TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    source TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    return_id INTEGER,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    report TEXT NOT NULL             -- the validation report as JSON
);
CREATE INDEX submissions_by_employer ON submissions(employer_id, id);

CREATE TABLE return_approvals (
    employer_id TEXT NOT NULL,
    census_date TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    PRIMARY KEY (employer_id, census_date)
);

CREATE TABLE approval_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    employer_id TEXT NOT NULL,
    census_date TEXT NOT NULL,
    action TEXT NOT NULL,            -- approved | reopened
    done_by TEXT NOT NULL,
    done_at TEXT NOT NULL
);
