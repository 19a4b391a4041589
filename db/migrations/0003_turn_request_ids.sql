-- Schema version 3: idempotent retries (DESIGN.md section 8). A turn sent with
-- a request_id keeps it with its principal; the unique index makes a second
-- turn with the same (principal, request_id) fail, so a retry finds the
-- stored turn instead. Scoped by principal, not session: a retry of a review
-- that started a new session carries no session id. Older turns keep NULLs.
ALTER TABLE turns ADD COLUMN principal TEXT;
ALTER TABLE turns ADD COLUMN request_id TEXT;
CREATE UNIQUE INDEX turns_principal_request_id
  ON turns (principal, request_id) WHERE request_id IS NOT NULL;
