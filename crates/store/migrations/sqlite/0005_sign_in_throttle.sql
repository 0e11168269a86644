-- Sign-in throttling (the policy is `SignInPolicy` in crates/web/src/auth.rs and
-- "Accounts and sign-in" in docs/security.md): one counter per key, a SHA-256 hex digest
-- of what is counted (an account and a source together, a source, or an account), so
-- neither emails nor addresses are kept here. Every attempt is counted before its
-- password is checked, in one statement; the count starts again once `since` is more
-- than the window old. users.failed_logins and users.locked_until are no longer used.
CREATE TABLE sign_in_attempts (
    counter_key TEXT PRIMARY KEY,
    n INTEGER NOT NULL,
    since TEXT NOT NULL              -- start of the counting window, UTC, like the other times
);
CREATE INDEX sign_in_attempts_by_since ON sign_in_attempts(since);
