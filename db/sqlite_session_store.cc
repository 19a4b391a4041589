#include "db/sqlite_session_store.h"

#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "db/paging.h"
#include "db/sqlite_queries.h"
#include "db/sqlite_schema.h"
#include "server/common/status_macros.h"
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

absl::Status ValidateOptions(const StoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("session store path is required");
  if (options.reader_connections < 1) {
    return absl::InvalidArgumentError("reader_connections must be at least 1");
  }
  if (options.max_batch_size < 1) return absl::InvalidArgumentError("max_batch_size must be at least 1");
  if (options.busy_timeout_ms < 0) return absl::InvalidArgumentError("busy_timeout_ms must not be negative");
  return absl::OkStatus();
}

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
  RETURN_IF_ERROR(ValidateOptions(options));
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
    : options_(std::move(options)),
      writer_conn_(std::move(writer)),
      readers_(std::move(readers)),
      transaction_(std::make_unique<WriterTransaction>(writer_conn_.get())) {
  GroupWriterOptions group;
  group.max_batch_delay = options_.max_batch_delay;
  group.max_batch_size = options_.max_batch_size;
  group.name = options_.path;
  group.on_group = options_.on_commit;
  writer_ = std::make_unique<GroupWriter>(transaction_.get(), std::move(group));
}

SqliteSessionStore::~SqliteSessionStore() { writer_.reset(); }

SessionStore::Stats SqliteSessionStore::stats() const {
  GroupWriter::Stats s = writer_->stats();
  return Stats{s.commits, s.turns};
}

int64_t SqliteSessionStore::NowMs() const { return absl::ToUnixMillis(options_.clock()); }

// ---- writes -----------------------------------------------------------------

namespace {

absl::Status RequireIds(std::string_view principal, std::string_view session_id) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  if (session_id.empty()) return absl::InvalidArgumentError("session_id is required");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Session> SqliteSessionStore::CreateSession(std::string_view principal,
                                                              std::string_view title,
                                                              const v1::Requirements& facts,
                                                              const std::vector<v1::Fact>& sources) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  v1::Session session;
  session.set_id(NewSessionId());
  session.set_title(std::string(title));
  *session.mutable_facts() = facts;
  std::string facts_blob = EncodeFacts(facts, sources);
  ASSIGN_OR_RETURN(int64_t created_ms, writer_->Write(0, [&]() -> absl::StatusOr<int64_t> {
    int64_t now = NowMs();
    RETURN_IF_ERROR(sqlite::InsertSession(*writer_conn_, session.id(), principal, session.title(),
                                          facts_blob, now));
    return now;
  }));
  session.set_created_unix_ms(created_ms);
  session.set_updated_unix_ms(created_ms);
  return session;
}

absl::StatusOr<EncodedTurn> SqliteSessionStore::EncodeTurn(TurnRecord turn) const {
  RETURN_IF_ERROR(RequireIds(turn.principal, turn.session_id));
  return agentd::EncodeTurn(std::move(turn), options_.compress_turns);
}

absl::StatusOr<int> SqliteSessionStore::AppendTurn(const TurnRecord& turn) {
  RETURN_IF_ERROR(RequireIds(turn.principal, turn.session_id));
  const EncodedTurn encoded = agentd::EncodeTurn(turn, options_.compress_turns);
  ASSIGN_OR_RETURN(int64_t seq,
                   writer_->Write(1, [&] { return sqlite::InsertTurn(*writer_conn_, encoded, NowMs()); }));
  return static_cast<int>(seq);
}

void SqliteSessionStore::AppendTurnAsync(EncodedTurn turn, std::function<void(absl::StatusOr<int>)> done) {
  auto shared = std::make_shared<EncodedTurn>(std::move(turn));
  writer_->WriteAsync(
      1, [this, shared] { return sqlite::InsertTurn(*writer_conn_, *shared, NowMs()); },
      [done = std::move(done)](absl::StatusOr<int64_t> seq) {
        if (seq.ok()) {
          done(static_cast<int>(*seq));
        } else {
          done(seq.status());
        }
      });
}

absl::Status SqliteSessionStore::ProbeWrite() {
  // Setting user_version to what it is dirties page 1: the commit appends it
  // to the WAL, so a full disk or a read-only file fails here.
  return writer_
      ->Write(0,
              [&]() -> absl::StatusOr<int64_t> {
                ASSIGN_OR_RETURN(int version, sqlite::SchemaVersion(*writer_conn_));
                std::string sql = absl::StrCat("PRAGMA user_version = ", version);
                RETURN_IF_ERROR(writer_conn_->Exec(sql.c_str(), "health probe"));
                return 0;
              })
      .status();
}

absl::Status SqliteSessionStore::DeleteSession(std::string_view principal, std::string_view session_id) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  return writer_
      ->Write(0,
              [&]() -> absl::StatusOr<int64_t> {
                RETURN_IF_ERROR(sqlite::DeleteSession(*writer_conn_, principal, session_id));
                return 1;
              })
      .status();
}

absl::StatusOr<int64_t> SqliteSessionStore::PruneOlderThan(absl::Time cutoff, int batch_size) {
  if (batch_size < 1) return absl::InvalidArgumentError("batch_size must be at least 1");
  const int64_t cutoff_ms = absl::ToUnixMillis(cutoff);
  int64_t total = 0;
  for (;;) {
    // One batch per queued write: turns queued meanwhile commit in between.
    ASSIGN_OR_RETURN(int64_t deleted, writer_->Write(0, [&] {
      return sqlite::DeleteSessionsBefore(*writer_conn_, cutoff_ms, batch_size);
    }));
    total += deleted;
    if (deleted < batch_size) return total;
  }
}

// ---- reads ------------------------------------------------------------------

absl::StatusOr<v1::Session> SqliteSessionStore::LoadSession(std::string_view principal,
                                                            std::string_view session_id) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectSession(*conn, principal, session_id, nullptr);
}

absl::StatusOr<std::vector<v1::Fact>> SqliteSessionStore::LoadSessionFactSources(
    std::string_view principal, std::string_view session_id) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  ReaderPool::Lease conn = readers_->Acquire();
  v1::Review facts;
  RETURN_IF_ERROR(sqlite::SelectSession(*conn, principal, session_id, &facts).status());
  return std::vector<v1::Fact>(facts.facts().begin(), facts.facts().end());
}

absl::StatusOr<v1::GetSessionResponse> SqliteSessionStore::FindRequest(std::string_view principal,
                                                                       std::string_view request_id) {
  RETURN_IF_ERROR(RequireIds(principal, request_id));
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectTurnByRequest(*conn, principal, request_id, options_.merge_review);
}

absl::StatusOr<std::vector<AgentOutputRecord>> SqliteSessionStore::LoadAgentOutputs(
    std::string_view principal, std::string_view session_id, int seq) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectAgentOutputs(*conn, principal, session_id, seq);
}

absl::StatusOr<v1::GetSessionResponse> SqliteSessionStore::GetSession(std::string_view principal,
                                                                      std::string_view session_id,
                                                                      int page_size,
                                                                      std::string_view page_token) {
  RETURN_IF_ERROR(RequireIds(principal, session_id));
  ASSIGN_OR_RETURN(int limit, paging::ResolvePageSize(page_size));
  int64_t after_seq = 0;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after_seq, paging::DecodeTurnToken(page_token));
  }
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectTurnsPage(*conn, principal, session_id, after_seq, limit, options_.merge_review);
}

absl::StatusOr<v1::ListSessionsResponse> SqliteSessionStore::ListSessions(std::string_view principal,
                                                                          int page_size,
                                                                          std::string_view page_token,
                                                                          std::string_view title_filter) {
  if (principal.empty()) return absl::InvalidArgumentError("principal is required");
  ASSIGN_OR_RETURN(int limit, paging::ResolvePageSize(page_size));
  paging::SessionPosition after{std::numeric_limits<int64_t>::max(), ""};
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after, paging::DecodeSessionToken(page_token));
  }
  ReaderPool::Lease conn = readers_->Acquire();
  return sqlite::SelectSessionsPage(*conn, principal, after, limit, title_filter);
}

}  // namespace agentd
