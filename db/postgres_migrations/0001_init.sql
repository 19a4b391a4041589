-- PostgreSQL schema version 1: the same rows as the SQLite store's schema 4
-- (db/migrations), so both keep the same bytes (db/turn_codec.h) in bytea
-- columns: a session row, and one row per turn whose `body` is an
-- agentd.v1.StoredTurn (the review is merged again on read by the merger of
-- `merger_version`). Ids sort bytewise (COLLATE "C") so that page tokens
-- (db/paging.h) mean the same position on both backends.

CREATE TABLE sessions (
  id          text COLLATE "C" PRIMARY KEY,
  principal   text NOT NULL,
  title       text NOT NULL DEFAULT '',
  facts       bytea,                      -- Requirements + Fact provenance
  created_ms  bigint NOT NULL,
  updated_ms  bigint NOT NULL,
  turn_count  integer NOT NULL DEFAULT 0
);

-- ListSessions: one principal's sessions, newest first, keyset-paged.
CREATE INDEX sessions_principal_updated ON sessions (principal, updated_ms DESC, id);
-- PruneOlderThan: sessions by age across all principals.
CREATE INDEX sessions_updated ON sessions (updated_ms);

CREATE TABLE turns (
  session_id      text COLLATE "C" NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq             integer NOT NULL,       -- 1-based within the session
  body            bytea NOT NULL,         -- agentd.v1.StoredTurn (db/turn_codec.h)
  merger_version  integer NOT NULL,
  status          text NOT NULL,          -- "ok", "partial"
  latency_ms      double precision NOT NULL DEFAULT 0,
  created_ms      bigint NOT NULL,
  principal       text NOT NULL,
  request_id      text,                   -- the caller's idempotency key, NULL = none
  PRIMARY KEY (session_id, seq)
);

-- Idempotent retries (DESIGN.md section 8): one turn per (principal, request_id).
CREATE UNIQUE INDEX turns_principal_request_id
  ON turns (principal, request_id) WHERE request_id IS NOT NULL;

-- Bodies are already compressed (db/turn_codec.h): TOAST need not try again.
ALTER TABLE turns ALTER COLUMN body SET STORAGE EXTERNAL;
