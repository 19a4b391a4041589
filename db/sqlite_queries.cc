#include "db/sqlite_queries.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "db/legacy_layout.h"
#include "db/snapshot.h"
#include "db/sqlite_schema.h"
#include "common/status_macros.h"

namespace agentd::sqlite {
namespace {

constexpr char kInsertSession[] =
    "INSERT INTO sessions (id, principal, title, facts, created_ms, updated_ms, turn_count) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)";
constexpr char kBumpSession[] =
    "UPDATE sessions SET turn_count = turn_count + 1, updated_ms = max(updated_ms, ?3), "
    "facts = ?4 WHERE id = ?1 AND principal = ?2 RETURNING turn_count";
constexpr char kInsertTurn[] =
    "INSERT INTO turns (session_id, seq, body, merger_version, status, latency_ms, created_ms, "
    "principal, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr char kSelectRequest[] =
    "SELECT session_id, seq FROM turns WHERE principal = ?1 AND request_id = ?2";
constexpr char kSelectSession[] =
    "SELECT title, facts, created_ms, updated_ms, turn_count FROM sessions "
    "WHERE id = ?1 AND principal = ?2";
constexpr char kSelectTurns[] =
    "SELECT seq, request, route, review, status, latency_ms, created_ms, body FROM turns "
    "WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
constexpr char kSelectTurnBody[] = "SELECT body FROM turns WHERE session_id = ?1 AND seq = ?2";
// Keyset paging: (updated_ms, id) of the last row seen. The `updated_ms <= ?2`
// bound lets the index seek past earlier pages; the OR only skips ties.
constexpr char kListSessions[] =
    "SELECT id, title, facts, created_ms, updated_ms, turn_count FROM sessions "
    "WHERE principal = ?1 AND updated_ms <= ?2 AND (updated_ms < ?2 OR id > ?3) "
    "AND (?4 IS NULL OR title LIKE ?4 ESCAPE '\\') "
    "ORDER BY updated_ms DESC, id LIMIT ?5";
constexpr char kSelectOutputs[] =
    "SELECT agent, status, error, latency_ms, output FROM agent_outputs "
    "WHERE session_id = ?1 AND seq = ?2 ORDER BY ord";
constexpr char kDeleteSession[] = "DELETE FROM sessions WHERE id = ?1 AND principal = ?2";
constexpr char kPruneBatch[] =
    "DELETE FROM sessions WHERE id IN "
    "(SELECT id FROM sessions WHERE updated_ms < ?1 LIMIT ?2)";

// A session row counting `turn_count` turns: 0 for CreateSession, 1 for a
// new session with its first turn (which then needs no UPDATE of the row).
absl::Status InsertSessionRow(Connection& conn, std::string_view id, std::string_view principal,
                              std::string_view title, std::string_view facts_blob, int64_t now_ms,
                              int64_t turn_count) {
  ASSIGN_OR_RETURN(Stmt st, Statement(conn, kInsertSession));
  st.BindText(1, id).BindText(2, principal).BindText(3, title).BindBlob(4, facts_blob).Bind(5, now_ms)
      .Bind(6, turn_count);
  return st.Run("create session");
}

// Runs a statement that returns no rows, prepared once and kept: the
// writer runs these for every group (and, when a write of it fails, a
// savepoint a write).
absl::Status RunCached(Connection& conn, const char* sql, std::string_view what) {
  ASSIGN_OR_RETURN(Stmt st, Statement(conn, sql));
  return st.Run(what);
}

absl::Status NotFound(std::string_view session_id) {
  return absl::NotFoundError(absl::StrCat("session ", AV(session_id), " not found"));
}

// Columns title, facts, created_ms, updated_ms, turn_count from `title_col` on.
absl::Status FillSession(const Stmt& row, int title_col, v1::Session* session, const std::string& path) {
  return FillSessionHeader(row.Text(title_col), row.Blob(title_col + 1), row.Int(title_col + 2),
                           row.Int(title_col + 3), row.Int(title_col + 4), session, path);
}

}  // namespace

// ---- the group writer's transactions -----------------------------------------

absl::Status BeginWriteTransaction(Connection& conn) {
  return RunCached(conn, "BEGIN IMMEDIATE", "begin write transaction");
}

absl::Status CommitWriteTransaction(Connection& conn) { return RunCached(conn, "COMMIT", "commit"); }

absl::Status OpenSavepoint(Connection& conn) { return RunCached(conn, "SAVEPOINT op", "savepoint"); }

absl::Status CloseSavepoint(Connection& conn) { return RunCached(conn, "RELEASE op", "release savepoint"); }

absl::Status UndoSavepoint(Connection& conn) {
  RETURN_IF_ERROR(RunCached(conn, "ROLLBACK TO op", "rollback to savepoint"));
  return CloseSavepoint(conn);
}

absl::Status TouchSchema(Connection& conn) {
  ASSIGN_OR_RETURN(int version, SchemaVersion(conn));
  std::string sql = absl::StrCat("PRAGMA user_version = ", version);
  return conn.Exec(sql.c_str(), "health probe");
}

// ---- writes -----------------------------------------------------------------

absl::Status InsertSession(Connection& conn, std::string_view id, std::string_view principal,
                           std::string_view title, std::string_view facts_blob, int64_t now_ms) {
  return InsertSessionRow(conn, id, principal, title, facts_blob, now_ms, 0);
}

absl::StatusOr<int64_t> InsertTurn(Connection& conn, const EncodedTurn& turn, int64_t now) {
  int64_t seq = 1;
  if (turn.create_session) {
    RETURN_IF_ERROR(InsertSessionRow(conn, turn.session_id, turn.principal, turn.title, turn.facts, now, 1));
  } else {
    ASSIGN_OR_RETURN(Stmt st, Statement(conn, kBumpSession));
    st.BindText(1, turn.session_id).BindText(2, turn.principal).Bind(3, now).BindBlob(4, turn.facts);
    ASSIGN_OR_RETURN(bool found, st.Step("update session"));
    if (!found) return NotFound(turn.session_id);
    seq = st.Int(0);
  }
  ASSIGN_OR_RETURN(Stmt st, Statement(conn, kInsertTurn));
  st.BindText(1, turn.session_id).Bind(2, seq).BindBlob(3, turn.body)
      .Bind(4, static_cast<int64_t>(turn.merger_version)).BindText(5, turn.status).Bind(6, turn.latency_ms)
      .Bind(7, now).BindText(8, turn.principal);
  if (turn.request_id.empty()) {
    st.BindNull(9);
  } else {
    st.BindText(9, turn.request_id);
  }
  RETURN_IF_ERROR(st.Run("insert turn"));
  return seq;
}

absl::Status DeleteSessionWithTurns(Connection& conn, std::string_view principal,
                                    std::string_view session_id) {
  ASSIGN_OR_RETURN(Stmt st, Statement(conn, kDeleteSession));
  st.BindText(1, session_id).BindText(2, principal);
  RETURN_IF_ERROR(st.Run("delete session"));
  if (sqlite3_changes(conn.db()) == 0) return NotFound(session_id);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> DeleteSessionsBefore(Connection& conn, int64_t cutoff_ms, int64_t limit) {
  ASSIGN_OR_RETURN(Stmt st, Statement(conn, kPruneBatch));
  st.Bind(1, cutoff_ms).Bind(2, limit);
  RETURN_IF_ERROR(st.Run("prune sessions"));
  return static_cast<int64_t>(sqlite3_changes(conn.db()));
}

// ---- reads ------------------------------------------------------------------

absl::StatusOr<v1::Session> SelectSession(Connection& conn, std::string_view principal,
                                          std::string_view session_id, v1::Review* facts_out) {
  ASSIGN_OR_RETURN(Stmt st, Statement(conn, kSelectSession));
  st.BindText(1, session_id).BindText(2, principal);
  ASSIGN_OR_RETURN(bool found, st.Step("load session"));
  if (!found) return NotFound(session_id);
  v1::Session session;
  session.set_id(std::string(session_id));
  RETURN_IF_ERROR(FillSession(st, 0, &session, conn.path()));
  if (facts_out != nullptr) {
    ASSIGN_OR_RETURN(*facts_out, DecodeFacts(st.Blob(1), conn.path()));
  }
  return session;
}

absl::StatusOr<v1::GetSessionResponse> SelectTurnsPage(Connection& conn, std::string_view principal,
                                                       std::string_view session_id, int64_t after_seq,
                                                       int limit, const ReviewMerger& merge_review) {
  v1::GetSessionResponse response;
  RETURN_IF_ERROR(InSnapshot(conn, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response.mutable_session(), SelectSession(conn, principal, session_id, nullptr));
    ASSIGN_OR_RETURN(Stmt st, Statement(conn, kSelectTurns));
    st.BindText(1, session_id).Bind(2, after_seq).Bind(3, static_cast<int64_t>(limit) + 1);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, st.Step("load turns"));
      if (!row) break;
      if (paging::TurnsPageFull(&response, limit)) break;
      v1::Turn* turn = response.add_turns();
      turn->set_seq(static_cast<int32_t>(st.Int(0)));
      if (!st.IsNull(7)) {
        RETURN_IF_ERROR(ReadTurnBody(st.Blob(7), turn, conn.path(), merge_review));
      } else {  // a turn of schema version 2 or older: its review was stored
        RETURN_IF_ERROR(ParseStoredMessage(st.Blob(1), turn->mutable_request(), conn.path(), "request"));
        RETURN_IF_ERROR(ParseStoredMessage(st.Blob(2), turn->mutable_route(), conn.path(), "route"));
        RETURN_IF_ERROR(ParseStoredMessage(st.Blob(3), turn->mutable_review(), conn.path(), "review"));
        UpgradeLegacyStoredReview(turn->mutable_review());
      }
      turn->set_status(std::string(st.Text(4)));
      turn->set_latency_ms(st.Double(5));
      turn->set_created_unix_ms(st.Int(6));
    }
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::ListSessionsResponse> SelectSessionsPage(Connection& conn,
                                                            std::string_view principal,
                                                            const paging::SessionPosition& after,
                                                            int limit, std::string_view title_filter) {
  ASSIGN_OR_RETURN(Stmt st, Statement(conn, kListSessions));
  st.BindText(1, principal).Bind(2, after.updated_ms).BindText(3, after.id);
  if (title_filter.empty()) {
    st.BindNull(4);
  } else {
    st.BindText(4, paging::LikeSubstringPattern(title_filter));
  }
  st.Bind(5, static_cast<int64_t>(limit) + 1);
  v1::ListSessionsResponse response;
  size_t bytes = 0;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, st.Step("list sessions"));
    if (!row) break;
    if (paging::SessionsPageFull(&response, limit, bytes)) break;
    v1::Session* session = response.add_sessions();
    session->set_id(std::string(st.Text(0)));
    RETURN_IF_ERROR(FillSession(st, 1, session, conn.path()));
    bytes += session->ByteSizeLong();
  }
  return response;
}

absl::StatusOr<v1::GetSessionResponse> SelectTurnByRequest(Connection& conn, std::string_view principal,
                                                           std::string_view request_id,
                                                           const ReviewMerger& merge_review) {
  std::string session_id;
  int64_t seq = 0;
  {
    ASSIGN_OR_RETURN(Stmt st, Statement(conn, kSelectRequest));
    st.BindText(1, principal).BindText(2, request_id);
    ASSIGN_OR_RETURN(bool found, st.Step("find request"));
    if (!found) return absl::NotFoundError("no turn stored for this request_id");
    session_id = std::string(st.Text(0));
    seq = st.Int(1);
  }
  return SelectTurnsPage(conn, principal, session_id, seq - 1, 1, merge_review);
}

absl::StatusOr<std::vector<AgentOutputRecord>> SelectAgentOutputs(Connection& conn,
                                                                  std::string_view principal,
                                                                  std::string_view session_id,
                                                                  int64_t seq) {
  std::vector<AgentOutputRecord> outputs;
  RETURN_IF_ERROR(InSnapshot(conn, [&]() -> absl::Status {
    // The session lookup is what keeps another principal's outputs hidden.
    RETURN_IF_ERROR(SelectSession(conn, principal, session_id, nullptr).status());
    {
      ASSIGN_OR_RETURN(Stmt body, Statement(conn, kSelectTurnBody));
      body.BindText(1, session_id).Bind(2, seq);
      ASSIGN_OR_RETURN(bool found, body.Step("load turn"));
      if (found && !body.IsNull(0)) {
        ASSIGN_OR_RETURN(v1::StoredTurn stored, DecodeTurnBody(body.Blob(0), conn.path()));
        outputs = OutputsOf(stored);
        return absl::OkStatus();
      }
    }
    // A turn of schema version 2 or older: its answers have rows of their own.
    ASSIGN_OR_RETURN(Stmt st, Statement(conn, kSelectOutputs));
    st.BindText(1, session_id).Bind(2, seq);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, st.Step("load agent outputs"));
      if (!row) break;
      AgentOutputRecord& record = outputs.emplace_back();
      record.run.set_agent(std::string(st.Text(0)));
      record.run.set_status(ParseAgentStatus(st.Text(1)));
      record.run.set_error(std::string(st.Text(2)));
      record.run.set_latency_ms(st.Double(3));
      if (!st.IsNull(4)) {
        RETURN_IF_ERROR(ParseStoredMessage(st.Blob(4), &record.output, conn.path(), "output"));
      }
    }
    return absl::OkStatus();
  }));
  return outputs;
}

}  // namespace agentd::sqlite
