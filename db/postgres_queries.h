// The SQL of the PostgreSQL session store: each function runs one read or
// write on a Connection and turns rows into messages, as
// db/sqlite_queries.h does for SQLite, on the same rows (a session, and a
// turn as one body; db/turn_codec.h). No transactions of their own, except
// that the multi-statement reads (SelectTurnsPage, SelectAgentOutputs) read
// from one snapshot.
//
// A session is found by (id, principal): another principal's session reads
// as NOT_FOUND everywhere. Not thread-safe (a Connection is single-user).
#ifndef AGENTD_DB_POSTGRES_QUERIES_H_
#define AGENTD_DB_POSTGRES_QUERIES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agentd/v1/orchestrator.pb.h"
#include "agentd/v1/review.pb.h"
#include "db/paging.h"
#include "db/postgres_connection.h"
#include "db/turn_codec.h"

namespace agentd::pg {

// ---- the group writer's transactions ----

// BEGIN (reconnecting first if the server went away and came back) and COMMIT.
absl::Status BeginWriteTransaction(Connection& conn);
absl::Status CommitWriteTransaction(Connection& conn);
// The savepoint of one write inside the group's transaction;
// CloseSavepoint releases it (keeping the write), UndoSavepoint undoes the
// write and releases it.
absl::Status OpenSavepoint(Connection& conn);
absl::Status CloseSavepoint(Connection& conn);
absl::Status UndoSavepoint(Connection& conn);

// ---- writes (run by the group writer inside its transaction) ----

// A session with no turns; ALREADY_EXISTS if the id is taken.
absl::Status InsertSession(Connection& conn, std::string_view id, std::string_view principal,
                           std::string_view title, std::string_view facts_blob, int64_t now_ms);
// The turn, one row, in one statement with its session's row (bumped, or
// if turn.create_session inserted counting the turn); its seq. The session row's lock orders appends to one session across
// replicas. ALREADY_EXISTS if (principal, request_id) is taken.
absl::StatusOr<int64_t> InsertTurn(Connection& conn, const EncodedTurn& turn, int64_t now_ms);
// The session with its turns; NOT_FOUND if there is none.
absl::Status DeleteSessionWithTurns(Connection& conn, std::string_view principal,
                                    std::string_view session_id);
// Up to `limit` sessions not updated since `cutoff_ms`; how many went.
absl::StatusOr<int64_t> DeleteSessionsBefore(Connection& conn, int64_t cutoff_ms, int64_t limit);
// Rewrites a row to itself: the commit must reach the disk, so a full disk
// or a read-only database fails here (the health probe).
absl::Status TouchSchema(Connection& conn);

// ---- reads (as the same functions of db/sqlite_queries.h) ----

// Runs the read `body(conn)` on a live link: a pooled connection may have
// lost it while the server restarted (WithLiveLink).
template <typename Body>
auto RunRead(Connection& conn, Body body) {
  return WithLiveLink(conn, body);
}

absl::StatusOr<v1::Session> SelectSession(Connection& conn, std::string_view principal,
                                          std::string_view session_id, v1::Review* facts_out);
absl::StatusOr<v1::GetSessionResponse> SelectTurnsPage(Connection& conn, std::string_view principal,
                                                       std::string_view session_id, int64_t after_seq,
                                                       int limit, const ReviewMerger& merge_review);
absl::StatusOr<v1::ListSessionsResponse> SelectSessionsPage(Connection& conn, std::string_view principal,
                                                            const paging::SessionPosition& after, int limit,
                                                            std::string_view title_filter);
absl::StatusOr<v1::GetSessionResponse> SelectTurnByRequest(Connection& conn, std::string_view principal,
                                                           std::string_view request_id,
                                                           const ReviewMerger& merge_review);
absl::StatusOr<std::vector<AgentOutputRecord>> SelectAgentOutputs(Connection& conn,
                                                                  std::string_view principal,
                                                                  std::string_view session_id, int64_t seq);

}  // namespace agentd::pg

#endif  // AGENTD_DB_POSTGRES_QUERIES_H_
