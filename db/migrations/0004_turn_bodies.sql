-- Schema version 4: a turn is one row with one blob.
-- `body` is an agentd.v1.StoredTurn (db/turn_codec.h): request, route, each
-- agent's answer once and what the review was merged from. The review is not
-- stored: it is merged again on read by the merger of `merger_version`, and
-- its Markdown rendered then. Turns written before keep request, route and
-- review in their own columns (body NULL, merger_version 0) and their answers
-- in agent_outputs; both forms read.
ALTER TABLE turns ADD COLUMN body BLOB;
ALTER TABLE turns ADD COLUMN merger_version INTEGER NOT NULL DEFAULT 0;
