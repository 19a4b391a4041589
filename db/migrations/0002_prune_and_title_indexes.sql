-- Schema version 2.
-- PruneOlderThan selects sessions by updated_ms across all principals; without
-- this index every prune batch scans the whole sessions table.
CREATE INDEX sessions_updated ON sessions (updated_ms);

-- ListSessions with a title filter: a substring match cannot seek, but with the
-- title in the index SQLite tests it on the index entry and only reads the
-- table rows (with their facts blobs) that match.
DROP INDEX sessions_principal_updated;
CREATE INDEX sessions_principal_updated_title
  ON sessions (principal, updated_ms DESC, id, title);
