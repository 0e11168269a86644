-- The SHA-256 of a return's stored records, so sending the same return again is
-- recognised as unchanged instead of adding a version to the history.
ALTER TABLE returns ADD COLUMN content_digest TEXT;
