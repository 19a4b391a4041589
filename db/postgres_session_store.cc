#include "db/postgres_session_store.h"

#include <utility>

#include "db/postgres_queries.h"
#include "db/postgres_schema.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd {

using pg::Connection;


// The group writer's transactions on the writer connection. Begin
// reconnects first if the server went away and came back.
class PostgresSessionStore::WriterTransaction final : public GroupTransaction {
 public:
  explicit WriterTransaction(Connection* conn) : conn_(*conn) {}
  absl::Status Begin() override {
    return pg::WithLiveLink(conn_, [](Connection& c) { return c.Exec("BEGIN", "begin write transaction"); });
  }
  absl::Status Commit() override { return conn_.Exec("COMMIT", "commit"); }
  void Rollback() override { conn_.RollbackQuietly(); }
  absl::Status Savepoint() override { return conn_.Exec("SAVEPOINT op", "savepoint"); }
  absl::Status ReleaseSavepoint() override { return conn_.Exec("RELEASE op", "release savepoint"); }
  absl::Status RollbackToSavepoint() override {
    RETURN_IF_ERROR(conn_.Exec("ROLLBACK TO op", "rollback to savepoint"));
    return conn_.Exec("RELEASE op", "release savepoint");
  }
  bool InTransaction() const override { return conn_.InTransaction(); }

 private:
  Connection& conn_;
};

// ---- Open / lifecycle -------------------------------------------------------

absl::StatusOr<std::unique_ptr<SessionStore>> PostgresSessionStore::Open(StoreOptions options) {
  RETURN_IF_ERROR(CheckOptions(options));
  if (options.max_database_bytes > 0) {
    return absl::InvalidArgumentError(
        "a database size quota applies to SQLite only; on PostgreSQL use the server's own limits");
  }
  if (!options.clock) options.clock = [] { return absl::Now(); };
  std::string name = pg::DisplayName(options.path);

  ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                   Connection::Open(options.path, name, options.busy_timeout_ms));
  RETURN_IF_ERROR(pg::Migrate(*writer));
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.reader_connections; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader,
                     Connection::Open(options.path, name, options.busy_timeout_ms));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<SessionStore>(new PostgresSessionStore(
      std::move(options), std::move(name), std::move(writer),
      std::make_unique<pg::ConnectionPool>(std::move(readers))));
}

PostgresSessionStore::PostgresSessionStore(StoreOptions options, std::string name,
                                           std::unique_ptr<Connection> writer,
                                           std::unique_ptr<pg::ConnectionPool> readers)
    : SessionStoreBase(std::move(options), std::move(name)),
      writer_conn_(std::move(writer)),
      readers_(std::move(readers)),
      transaction_(std::make_unique<WriterTransaction>(writer_conn_.get())) {
  StartWriter(transaction_.get());
}

PostgresSessionStore::~PostgresSessionStore() { StopWriter(); }

absl::StatusOr<int64_t> PostgresSessionStore::PruneOlderThan(absl::Time cutoff, int batch_size) {
  if (batch_size < 1) return absl::InvalidArgumentError("batch_size must be at least 1");
  // The lock lives on a pooled connection for the whole run; if this process
  // dies, the server releases it with the connection.
  pg::ConnectionPool::Lease lock = readers_->Acquire();
  pg::Params key;
  key.Int(pg::kPrunerLock);
  ASSIGN_OR_RETURN(pg::Result taken, pg::WithLiveLink(*lock, [&](Connection& c) {
    return c.Query("SELECT pg_try_advisory_lock($1)", key, "lock for pruning");
  }));
  if (!taken.Bool(0, 0)) {
    spdlog::debug("session store {}: another replica is pruning; skipped", name());
    return 0;
  }
  absl::StatusOr<int64_t> total = SessionStoreBase::PruneOlderThan(cutoff, batch_size);
  absl::Status unlocked = lock->Query("SELECT pg_advisory_unlock($1)", key, "unlock after pruning").status();
  if (!total.ok()) return total;
  RETURN_IF_ERROR(unlocked);
  return total;
}

// ---- writes (on the writer thread) ------------------------------------------

absl::Status PostgresSessionStore::WriteSession(std::string_view id, std::string_view principal,
                                                std::string_view title, std::string_view facts_blob,
                                                int64_t now_ms) {
  return pg::InsertSession(*writer_conn_, id, principal, title, facts_blob, now_ms);
}

absl::StatusOr<int64_t> PostgresSessionStore::WriteTurn(const EncodedTurn& turn, int64_t now_ms) {
  return pg::InsertTurn(*writer_conn_, turn, now_ms);
}

absl::Status PostgresSessionStore::WriteDeleteSession(std::string_view principal, std::string_view session_id) {
  return pg::DeleteSession(*writer_conn_, principal, session_id);
}

absl::StatusOr<int64_t> PostgresSessionStore::WritePruneBatch(int64_t cutoff_ms, int64_t limit) {
  return pg::DeleteSessionsBefore(*writer_conn_, cutoff_ms, limit);
}

absl::Status PostgresSessionStore::WriteProbe() { return pg::TouchSchemaRow(*writer_conn_); }

// ---- reads (on a pooled connection, reconnecting if the link broke) ---------

absl::StatusOr<v1::Session> PostgresSessionStore::ReadSession(std::string_view principal,
                                                              std::string_view session_id,
                                                              v1::Review* facts_out) {
  pg::ConnectionPool::Lease conn = readers_->Acquire();
  return pg::WithLiveLink(*conn, [&](Connection& c) { return pg::SelectSession(c, principal, session_id, facts_out); });
}

absl::StatusOr<v1::GetSessionResponse> PostgresSessionStore::ReadTurnsPage(std::string_view principal,
                                                                           std::string_view session_id,
                                                                           int64_t after_seq, int limit) {
  pg::ConnectionPool::Lease conn = readers_->Acquire();
  return pg::WithLiveLink(*conn, [&](Connection& c) {
    return pg::SelectTurnsPage(c, principal, session_id, after_seq, limit, options().merge_review);
  });
}

absl::StatusOr<v1::ListSessionsResponse> PostgresSessionStore::ReadSessionsPage(
    std::string_view principal, const paging::SessionPosition& after, int limit, std::string_view title_filter) {
  pg::ConnectionPool::Lease conn = readers_->Acquire();
  return pg::WithLiveLink(
      *conn, [&](Connection& c) { return pg::SelectSessionsPage(c, principal, after, limit, title_filter); });
}

absl::StatusOr<v1::GetSessionResponse> PostgresSessionStore::ReadTurnByRequest(std::string_view principal,
                                                                               std::string_view request_id) {
  pg::ConnectionPool::Lease conn = readers_->Acquire();
  return pg::WithLiveLink(*conn, [&](Connection& c) {
    return pg::SelectTurnByRequest(c, principal, request_id, options().merge_review);
  });
}

absl::StatusOr<std::vector<AgentOutputRecord>> PostgresSessionStore::ReadAgentOutputs(
    std::string_view principal, std::string_view session_id, int64_t seq) {
  pg::ConnectionPool::Lease conn = readers_->Acquire();
  return pg::WithLiveLink(*conn,
                          [&](Connection& c) { return pg::SelectAgentOutputs(c, principal, session_id, seq); });
}

}  // namespace agentd
