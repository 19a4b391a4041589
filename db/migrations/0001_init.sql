-- Schema version 1: sessions, their turns, and each agent's output per turn.
-- Protobuf payloads are stored as serialized BLOBs; the columns beside them
-- exist only for what the store filters, orders or reports on. turns and
-- agent_outputs keep rowids: their rows hold kilobytes of blobs, which
-- WITHOUT ROWID tables store poorly.

CREATE TABLE sessions (
  id          TEXT PRIMARY KEY,
  principal   TEXT NOT NULL,
  title       TEXT NOT NULL DEFAULT '',
  facts       BLOB,                       -- Requirements + Fact provenance
  created_ms  INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  turn_count  INTEGER NOT NULL DEFAULT 0
);

-- ListSessions: one principal's sessions, newest first, keyset-paged.
CREATE INDEX sessions_principal_updated
  ON sessions (principal, updated_ms DESC, id);

CREATE TABLE turns (
  session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,            -- 1-based within the session
  request     BLOB,                        -- agentd.v1.ReviewRequest
  route       BLOB,                        -- agentd.v1.RouteDecision
  review      BLOB,                        -- agentd.v1.Review
  status      TEXT NOT NULL,               -- "ok", "partial"
  latency_ms  REAL NOT NULL DEFAULT 0,
  created_ms  INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)
);

CREATE TABLE agent_outputs (
  session_id  TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  ord         INTEGER NOT NULL,            -- position in the turn's run list
  agent       TEXT NOT NULL,
  status      TEXT NOT NULL,               -- AgentStatus name
  error       TEXT NOT NULL DEFAULT '',
  latency_ms  REAL NOT NULL DEFAULT 0,
  output      BLOB,                        -- agentd.v1.AgentResponse, NULL if none
  PRIMARY KEY (session_id, seq, ord),
  FOREIGN KEY (session_id, seq) REFERENCES turns (session_id, seq) ON DELETE CASCADE
);
