// The SQL of the SQLite session store: each function runs one read or
// write against a Connection and turns rows into messages. No threading
// and no transactions of their own, except that the multi-statement reads
// (SelectTurnsPage, SelectAgentOutputs) read from one snapshot.
//
// A session is found by (id, principal): another principal's session reads
// as NOT_FOUND everywhere. Not thread-safe (a Connection is single-user).
#ifndef AGENTD_DB_SQLITE_QUERIES_H_
#define AGENTD_DB_SQLITE_QUERIES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agentd/v1/orchestrator.pb.h"
#include "agentd/v1/review.pb.h"
#include "db/paging.h"
#include "db/sqlite_connection.h"
#include "db/turn_codec.h"

namespace agentd::sqlite {

// ---- the group writer's transactions ----

// BEGIN IMMEDIATE and COMMIT, as cached statements (they run once a group).
absl::Status BeginWriteTransaction(Connection& conn);
absl::Status CommitWriteTransaction(Connection& conn);
// The savepoint of one write inside the group's transaction, as cached
// statements; CloseSavepoint releases it (keeping the write), UndoSavepoint undoes the
// write and releases it.
absl::Status OpenSavepoint(Connection& conn);
absl::Status CloseSavepoint(Connection& conn);
absl::Status UndoSavepoint(Connection& conn);
// Sets user_version to what it is, which dirties page 1: the commit appends
// it to the WAL, so a full disk or a read-only file fails here (the health
// probe).
absl::Status TouchSchema(Connection& conn);

// ---- writes (run by the group writer inside its transaction) ----

// A session with no turns; ALREADY_EXISTS if the id is taken.
absl::Status InsertSession(Connection& conn, std::string_view id, std::string_view principal,
                           std::string_view title, std::string_view facts_blob, int64_t now_ms);
// The turn, one row, and its session's row bumped (or, if
// turn.create_session, inserted with the turn counted: two statements a
// turn either way); its seq.
absl::StatusOr<int64_t> InsertTurn(Connection& conn, const EncodedTurn& turn, int64_t now_ms);
// The session with its turns and outputs; NOT_FOUND if there is none.
absl::Status DeleteSessionWithTurns(Connection& conn, std::string_view principal,
                                    std::string_view session_id);
// Up to `limit` sessions not updated since `cutoff_ms`; how many went.
absl::StatusOr<int64_t> DeleteSessionsBefore(Connection& conn, int64_t cutoff_ms, int64_t limit);

// ---- reads ----

// Runs the read `body(conn)`: a read-only connection has no link to lose.
template <typename Body>
auto RunRead(Connection& conn, Body body) {
  return body(conn);
}

// The session header; `facts_out` (if set) gets the facts envelope with the
// provenance (see EncodeFacts).
absl::StatusOr<v1::Session> SelectSession(Connection& conn, std::string_view principal,
                                          std::string_view session_id, v1::Review* facts_out);
// The session and up to `limit` turns after `after_seq`, with the next page
// token when there are more. Each turn's review is merged again from its
// stored answers by `merge_review` (turns of schema 2 and older kept theirs).
absl::StatusOr<v1::GetSessionResponse> SelectTurnsPage(Connection& conn, std::string_view principal,
                                                       std::string_view session_id, int64_t after_seq,
                                                       int limit, const ReviewMerger& merge_review);
// The principal's sessions after `after` (newest first), titles containing
// `title_filter` case-insensitively ("" = all); at most `limit` of them and
// about paging::kMaxPageBytes.
absl::StatusOr<v1::ListSessionsResponse> SelectSessionsPage(Connection& conn,
                                                            std::string_view principal,
                                                            const paging::SessionPosition& after,
                                                            int limit, std::string_view title_filter);
// The session and the one turn `principal` stored with `request_id`;
// NOT_FOUND if there is none.
absl::StatusOr<v1::GetSessionResponse> SelectTurnByRequest(Connection& conn, std::string_view principal,
                                                           std::string_view request_id,
                                                           const ReviewMerger& merge_review);
// The agents' answers of turn `seq`, in the order they ran.
absl::StatusOr<std::vector<AgentOutputRecord>> SelectAgentOutputs(Connection& conn,
                                                                  std::string_view principal,
                                                                  std::string_view session_id,
                                                                  int64_t seq);

}  // namespace agentd::sqlite

#endif  // AGENTD_DB_SQLITE_QUERIES_H_
