#include "db/postgres_queries.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "db/snapshot.h"

namespace agentd::pg {
namespace {

constexpr char kInsertSession[] =
    "INSERT INTO sessions (id, principal, title, facts, created_ms, updated_ms, turn_count) "
    "VALUES ($1, $2, $3, $4, $5, $5, 0)";
// One statement (one round trip) per turn: bump the session (its row lock
// serialises appends to it) and insert the turn at the new seq. With no
// session row of the principal's it inserts nothing.
// The turn's columns from the session row `s` the statement wrote: $1
// session id, $2 principal, $3 now, $5 body, $6 merger version, $7 status,
// $8 latency, $9 request id.
#define AGENTD_INSERT_TURN_FROM_S                                                                      \
  "INSERT INTO turns (session_id, seq, body, merger_version, status, latency_ms, created_ms, principal, " \
  "request_id) SELECT $1, turn_count, $5::bytea, $6::int, $7::text, $8::float8, $3, $2, $9::text FROM s " \
  "RETURNING seq"
constexpr char kInsertTurn[] =
    "WITH s AS (UPDATE sessions SET turn_count = turn_count + 1, updated_ms = greatest(updated_ms, $3), "
    "facts = $4 WHERE id = $1 AND principal = $2 RETURNING turn_count) " AGENTD_INSERT_TURN_FROM_S;
// A new session and its first turn in one statement: the session row is
// inserted counting the turn ($10 is its title).
constexpr char kInsertSessionWithTurn[] =
    "WITH s AS (INSERT INTO sessions (id, principal, title, facts, created_ms, updated_ms, turn_count) "
    "VALUES ($1, $2, $10::text, $4, $3, $3, 1) RETURNING turn_count) " AGENTD_INSERT_TURN_FROM_S;
#undef AGENTD_INSERT_TURN_FROM_S
constexpr char kSelectRequest[] = "SELECT session_id, seq FROM turns WHERE principal = $1 AND request_id = $2";
constexpr char kSelectSession[] =
    "SELECT title, facts, created_ms, updated_ms, turn_count FROM sessions WHERE id = $1 AND principal = $2";
constexpr char kSelectTurns[] =
    "SELECT seq, body, status, latency_ms, created_ms FROM turns "
    "WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
constexpr char kSelectTurnBody[] = "SELECT body FROM turns WHERE session_id = $1 AND seq = $2";
// Keyset paging on (updated_ms, id), as in the SQLite store.
constexpr char kListSessions[] =
    "SELECT id, title, facts, created_ms, updated_ms, turn_count FROM sessions "
    "WHERE principal = $1 AND updated_ms <= $2 AND (updated_ms < $2 OR id > $3) "
    "AND ($4::text IS NULL OR title ILIKE $4 ESCAPE '\\') "
    "ORDER BY updated_ms DESC, id LIMIT $5";
constexpr char kDeleteSession[] = "DELETE FROM sessions WHERE id = $1 AND principal = $2";
constexpr char kPruneBatch[] =
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE updated_ms < $1 LIMIT $2)";
constexpr char kTouchSchema[] =
    "UPDATE agentd_schema_migrations SET name = name "
    "WHERE version = (SELECT max(version) FROM agentd_schema_migrations)";

absl::Status NotFound(std::string_view session_id) {
  return absl::NotFoundError(
      absl::StrCat("session ", absl::string_view(session_id.data(), session_id.size()), " not found"));
}

// Columns title, facts, created_ms, updated_ms, turn_count from `col` on.
absl::Status FillSession(const Result& r, int row, int col, v1::Session* session, const std::string& name) {
  return FillSessionHeader(r.Bytes(row, col), r.Bytes(row, col + 1), r.Int(row, col + 2), r.Int(row, col + 3),
                           r.Int(row, col + 4), session, name);
}

}  // namespace

// ---- the group writer's transactions -----------------------------------------

absl::Status BeginWriteTransaction(Connection& conn) {
  return WithLiveLink(conn, [](Connection& c) { return c.Exec("BEGIN", "begin write transaction"); });
}

absl::Status CommitWriteTransaction(Connection& conn) { return conn.Exec("COMMIT", "commit"); }

absl::Status OpenSavepoint(Connection& conn) { return conn.Exec("SAVEPOINT op", "savepoint"); }

absl::Status CloseSavepoint(Connection& conn) { return conn.Exec("RELEASE op", "release savepoint"); }

absl::Status UndoSavepoint(Connection& conn) {
  RETURN_IF_ERROR(conn.Exec("ROLLBACK TO op", "rollback to savepoint"));
  return CloseSavepoint(conn);
}

// ---- writes -----------------------------------------------------------------

absl::Status InsertSession(Connection& conn, std::string_view id, std::string_view principal,
                           std::string_view title, std::string_view facts_blob, int64_t now_ms) {
  return conn
      .Query(kInsertSession, Params().Text(id).Text(principal).Text(title).Blob(facts_blob).Int(now_ms),
             "create session")
      .status();
}

absl::StatusOr<int64_t> InsertTurn(Connection& conn, const EncodedTurn& turn, int64_t now) {
  Params params;
  params.Text(turn.session_id).Text(turn.principal).Int(now).Blob(turn.facts).Blob(turn.body);
  params.Int(turn.merger_version).Text(turn.status).Double(turn.latency_ms);
  if (turn.request_id.empty()) {
    params.Null();
  } else {
    params.Text(turn.request_id);
  }
  if (turn.create_session) params.Text(turn.title);
  ASSIGN_OR_RETURN(Result r, conn.Query(turn.create_session ? kInsertSessionWithTurn : kInsertTurn, params,
                                        "insert turn"));
  if (r.rows() == 0) return NotFound(turn.session_id);
  return r.Int(0, 0);
}

absl::Status DeleteSessionWithTurns(Connection& conn, std::string_view principal,
                                    std::string_view session_id) {
  ASSIGN_OR_RETURN(Result r, conn.Query(kDeleteSession, Params().Text(session_id).Text(principal),
                                        "delete session"));
  if (r.Affected() == 0) return NotFound(session_id);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> DeleteSessionsBefore(Connection& conn, int64_t cutoff_ms, int64_t limit) {
  ASSIGN_OR_RETURN(Result r, conn.Query(kPruneBatch, Params().Int(cutoff_ms).Int(limit), "prune sessions"));
  return r.Affected();
}

absl::Status TouchSchema(Connection& conn) {
  return conn.Query(kTouchSchema, Params(), "health probe").status();
}

// ---- reads ------------------------------------------------------------------

absl::StatusOr<v1::Session> SelectSession(Connection& conn, std::string_view principal,
                                          std::string_view session_id, v1::Review* facts_out) {
  ASSIGN_OR_RETURN(Result r, conn.Query(kSelectSession, Params().Text(session_id).Text(principal),
                                        "load session"));
  if (r.rows() == 0) return NotFound(session_id);
  v1::Session session;
  session.set_id(std::string(session_id));
  RETURN_IF_ERROR(FillSession(r, 0, 0, &session, conn.name()));
  if (facts_out != nullptr) {
    ASSIGN_OR_RETURN(*facts_out, DecodeFacts(r.Bytes(0, 1), conn.name()));
  }
  return session;
}

absl::StatusOr<v1::GetSessionResponse> SelectTurnsPage(Connection& conn, std::string_view principal,
                                                       std::string_view session_id, int64_t after_seq,
                                                       int limit, const ReviewMerger& merge_review) {
  v1::GetSessionResponse response;
  RETURN_IF_ERROR(InSnapshot(conn, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response.mutable_session(), SelectSession(conn, principal, session_id, nullptr));
    ASSIGN_OR_RETURN(Result r, conn.Query(kSelectTurns,
                                          Params().Text(session_id).Int(after_seq).Int(int64_t{limit} + 1),
                                          "load turns"));
    for (int row = 0; row < r.rows(); ++row) {
      if (paging::TurnsPageFull(&response, limit)) break;
      v1::Turn* turn = response.add_turns();
      turn->set_seq(static_cast<int32_t>(r.Int(row, 0)));
      RETURN_IF_ERROR(ReadTurnBody(r.Bytes(row, 1), turn, conn.name(), merge_review));
      turn->set_status(std::string(r.Bytes(row, 2)));
      turn->set_latency_ms(r.Double(row, 3));
      turn->set_created_unix_ms(r.Int(row, 4));
    }
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::ListSessionsResponse> SelectSessionsPage(Connection& conn, std::string_view principal,
                                                            const paging::SessionPosition& after, int limit,
                                                            std::string_view title_filter) {
  Params params;
  params.Text(principal).Int(after.updated_ms).Text(after.id);
  if (title_filter.empty()) {
    params.Null();
  } else {
    params.Text(paging::LikeSubstringPattern(title_filter));
  }
  params.Int(int64_t{limit} + 1);
  ASSIGN_OR_RETURN(Result r, conn.Query(kListSessions, params, "list sessions"));
  v1::ListSessionsResponse response;
  size_t bytes = 0;
  for (int row = 0; row < r.rows(); ++row) {
    if (paging::SessionsPageFull(&response, limit, bytes)) break;
    v1::Session* session = response.add_sessions();
    session->set_id(std::string(r.Bytes(row, 0)));
    RETURN_IF_ERROR(FillSession(r, row, 1, session, conn.name()));
    bytes += session->ByteSizeLong();
  }
  return response;
}

absl::StatusOr<v1::GetSessionResponse> SelectTurnByRequest(Connection& conn, std::string_view principal,
                                                           std::string_view request_id,
                                                           const ReviewMerger& merge_review) {
  ASSIGN_OR_RETURN(Result r, conn.Query(kSelectRequest, Params().Text(principal).Text(request_id),
                                        "find request"));
  if (r.rows() == 0) return absl::NotFoundError("no turn stored for this request_id");
  const std::string session_id(r.Bytes(0, 0));
  return SelectTurnsPage(conn, principal, session_id, r.Int(0, 1) - 1, 1, merge_review);
}

absl::StatusOr<std::vector<AgentOutputRecord>> SelectAgentOutputs(Connection& conn,
                                                                  std::string_view principal,
                                                                  std::string_view session_id, int64_t seq) {
  std::vector<AgentOutputRecord> outputs;
  RETURN_IF_ERROR(InSnapshot(conn, [&]() -> absl::Status {
    // The session lookup is what keeps another principal's outputs hidden.
    RETURN_IF_ERROR(SelectSession(conn, principal, session_id, nullptr).status());
    ASSIGN_OR_RETURN(Result r, conn.Query(kSelectTurnBody, Params().Text(session_id).Int(seq), "load turn"));
    if (r.rows() == 0) return absl::OkStatus();
    ASSIGN_OR_RETURN(v1::StoredTurn stored, DecodeTurnBody(r.Bytes(0, 0), conn.name()));
    outputs = OutputsOf(stored);
    return absl::OkStatus();
  }));
  return outputs;
}

}  // namespace agentd::pg
