#include "db/sqlite_session_store.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "db/sqlite_queries.h"
#include "db/sqlite_schema.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd {

using sqlite::Connection;
using sqlite::ReaderPool;
using sqlite::Stmt;

// The group writer's transactions on the writer connection. BEGIN and
// COMMIT are cached statements; savepoints are plain text.
class SqliteSessionStore::WriterTransaction final : public GroupTransaction {
 public:
  explicit WriterTransaction(Connection* conn) : conn_(*conn) {}
  absl::Status Begin() override { return RunCached("BEGIN IMMEDIATE", "begin write transaction"); }
  absl::Status Commit() override { return RunCached("COMMIT", "commit"); }
  void Rollback() override { conn_.RollbackQuietly(); }
  absl::Status Savepoint() override { return conn_.Exec("SAVEPOINT op", "savepoint"); }
  absl::Status ReleaseSavepoint() override { return conn_.Exec("RELEASE op", "release savepoint"); }
  absl::Status RollbackToSavepoint() override {
    RETURN_IF_ERROR(conn_.Exec("ROLLBACK TO op", "rollback to savepoint"));
    return conn_.Exec("RELEASE op", "release savepoint");
  }
  bool InTransaction() const override { return conn_.InTransaction(); }

 private:
  absl::Status RunCached(const char* sql, std::string_view what) {
    ASSIGN_OR_RETURN(Stmt st, sqlite::Statement(conn_, sql));
    return st.Run(what);
  }
  Connection& conn_;
};

// ---- Open / lifecycle -------------------------------------------------------

namespace {

absl::Status CreateParentDirectory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("session store ", path, ": cannot create directory ",
                                               parent.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SessionStore>> SqliteSessionStore::Open(StoreOptions options) {
  RETURN_IF_ERROR(CheckOptions(options));
  if (!options.clock) options.clock = [] { return absl::Now(); };
  RETURN_IF_ERROR(CreateParentDirectory(options.path));

  ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                   Connection::Open(options.path, /*read_only=*/false, options.busy_timeout_ms));
  // Refuse a damaged file or a newer schema before writing anything to it.
  RETURN_IF_ERROR(sqlite::CheckIntact(*writer));
  ASSIGN_OR_RETURN(int version, sqlite::SchemaVersion(*writer));
  RETURN_IF_ERROR(sqlite::CheckSchemaVersionKnown(version, options.path));
  RETURN_IF_ERROR(sqlite::ConfigureWriter(*writer, options.max_database_bytes));
  RETURN_IF_ERROR(sqlite::Migrate(*writer));
  if (sqlite3_db_readonly(writer->db(), "main") == 1) {
    spdlog::warn("session store {}: database file is read-only; serving reads, refusing writes",
                 options.path);
  }

  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.reader_connections; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader,
                     Connection::Open(options.path, /*read_only=*/true, options.busy_timeout_ms));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<SessionStore>(new SqliteSessionStore(
      std::move(options), std::move(writer), std::make_unique<ReaderPool>(std::move(readers))));
}

SqliteSessionStore::SqliteSessionStore(StoreOptions options, std::unique_ptr<Connection> writer,
                                       std::unique_ptr<ReaderPool> readers)
    : SessionStoreBase(options, options.path),
      writer_conn_(std::move(writer)),
      readers_(std::move(readers)),
      transaction_(std::make_unique<WriterTransaction>(writer_conn_.get())) {
  StartWriter(transaction_.get());
}

SqliteSessionStore::~SqliteSessionStore() { StopWriter(); }

// ---- writes (on the writer thread) ------------------------------------------

absl::Status SqliteSessionStore::WriteSession(std::string_view id, std::string_view principal,
                                              std::string_view title, std::string_view facts_blob,
                                              int64_t now_ms) {
  return sqlite::InsertSession(*writer_conn_, id, principal, title, facts_blob, now_ms);
}

absl::StatusOr<int64_t> SqliteSessionStore::WriteTurn(const EncodedTurn& turn, int64_t now_ms) {
  return sqlite::InsertTurn(*writer_conn_, turn, now_ms);
}

absl::Status SqliteSessionStore::WriteDeleteSession(std::string_view principal, std::string_view session_id) {
  return sqlite::DeleteSession(*writer_conn_, principal, session_id);
}

absl::StatusOr<int64_t> SqliteSessionStore::WritePruneBatch(int64_t cutoff_ms, int64_t limit) {
  return sqlite::DeleteSessionsBefore(*writer_conn_, cutoff_ms, limit);
}

absl::Status SqliteSessionStore::WriteProbe() {
  // Setting user_version to what it is dirties page 1: the commit appends it
  // to the WAL, so a full disk or a read-only file fails here.
  ASSIGN_OR_RETURN(int version, sqlite::SchemaVersion(*writer_conn_));
  std::string sql = absl::StrCat("PRAGMA user_version = ", version);
  return writer_conn_->Exec(sql.c_str(), "health probe");
}

// ---- reads (on a pooled read-only connection) -------------------------------

absl::StatusOr<v1::Session> SqliteSessionStore::ReadSession(std::string_view principal,
                                                            std::string_view session_id,
                                                            v1::Review* facts_out) {
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectSession(*conn, principal, session_id, facts_out);
}

absl::StatusOr<v1::GetSessionResponse> SqliteSessionStore::ReadTurnsPage(std::string_view principal,
                                                                         std::string_view session_id,
                                                                         int64_t after_seq, int limit) {
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectTurnsPage(*conn, principal, session_id, after_seq, limit, options().merge_review);
}

absl::StatusOr<v1::ListSessionsResponse> SqliteSessionStore::ReadSessionsPage(
    std::string_view principal, const paging::SessionPosition& after, int limit, std::string_view title_filter) {
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectSessionsPage(*conn, principal, after, limit, title_filter);
}

absl::StatusOr<v1::GetSessionResponse> SqliteSessionStore::ReadTurnByRequest(std::string_view principal,
                                                                             std::string_view request_id) {
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectTurnByRequest(*conn, principal, request_id, options().merge_review);
}

absl::StatusOr<std::vector<AgentOutputRecord>> SqliteSessionStore::ReadAgentOutputs(
    std::string_view principal, std::string_view session_id, int64_t seq) {
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectAgentOutputs(*conn, principal, session_id, seq);
}

}  // namespace agentd
