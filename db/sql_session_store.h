// SqlSessionStore<Connection>: what the SQLite and PostgreSQL stores share
// on top of SessionStoreBase (db/session_store_base.h). One writer
// connection, used by the group writer's thread alone, runs the group's
// transactions (a savepoint per write); a pool of reader connections
// (db/connection_pool.h) serves reads without waiting for the writer. Every
// Write*/Read* hook is one call into the backend's SQL (db/sqlite_queries.h
// for sqlite::Connection, db/postgres_queries.h for pg::Connection), found
// by argument-dependent lookup in the namespace of `Connection`; both
// backends offer the same functions with the same arguments:
// BeginWriteTransaction, CommitWriteTransaction, OpenSavepoint,
// CloseSavepoint, UndoSavepoint, TouchSchema (the health
// probe), InsertSession, InsertTurn, DeleteSessionWithTurns,
// DeleteSessionsBefore, RunRead (how a read runs on a pooled connection),
// SelectSession, SelectTurnsPage, SelectSessionsPage, SelectTurnByRequest
// and SelectAgentOutputs.
//
// Thread-safe as SessionStore says; the destructor finishes queued writes
// before the connections go.
#ifndef AGENTD_DB_SQL_SESSION_STORE_H_
#define AGENTD_DB_SQL_SESSION_STORE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/connection_pool.h"
#include "db/session_store_base.h"

namespace agentd {

template <typename Connection>
class SqlSessionStore : public SessionStoreBase {
 public:
  using Pool = ConnectionPool<Connection>;

  ~SqlSessionStore() override { StopWriter(); }

 protected:
  SqlSessionStore(StoreOptions options, std::string name, std::unique_ptr<Connection> writer,
                  std::unique_ptr<Pool> readers)
      : SessionStoreBase(std::move(options), std::move(name)),
        writer_conn_(std::move(writer)),
        readers_(std::move(readers)),
        transaction_(*writer_conn_) {
    StartWriter(&transaction_);
  }

  // A pool of `count` connections, each from `open()` (returning
  // absl::StatusOr<std::unique_ptr<Connection>>); the first error if one fails.
  template <typename Open>
  static absl::StatusOr<std::unique_ptr<Pool>> OpenReaders(int count, Open open) {
    std::vector<std::unique_ptr<Connection>> readers;
    for (int i = 0; i < count; ++i) {
      absl::StatusOr<std::unique_ptr<Connection>> reader = open();
      if (!reader.ok()) return reader.status();
      readers.push_back(std::move(*reader));
    }
    return std::make_unique<Pool>(std::move(readers));
  }

  Pool& readers() { return *readers_; }

 private:
  // The group writer's transactions on the writer connection.
  class Transaction final : public GroupTransaction {
   public:
    explicit Transaction(Connection& conn) : conn_(conn) {}
    absl::Status Begin() override { return BeginWriteTransaction(conn_); }
    absl::Status Commit() override { return CommitWriteTransaction(conn_); }
    void Rollback() override { conn_.RollbackQuietly(); }
    absl::Status Savepoint() override { return OpenSavepoint(conn_); }
    absl::Status ReleaseSavepoint() override { return CloseSavepoint(conn_); }
    absl::Status RollbackToSavepoint() override { return UndoSavepoint(conn_); }
    bool InTransaction() const override { return conn_.InTransaction(); }

   private:
    Connection& conn_;
  };

  // ---- writes: on the writer thread ----
  absl::Status WriteSession(std::string_view id, std::string_view principal, std::string_view title,
                            std::string_view facts_blob, int64_t now_ms) override {
    return InsertSession(*writer_conn_, id, principal, title, facts_blob, now_ms);
  }
  absl::StatusOr<int64_t> WriteTurn(const EncodedTurn& turn, int64_t now_ms) override {
    return InsertTurn(*writer_conn_, turn, now_ms);
  }
  absl::Status WriteDeleteSession(std::string_view principal, std::string_view session_id) override {
    return DeleteSessionWithTurns(*writer_conn_, principal, session_id);
  }
  absl::StatusOr<int64_t> WritePruneBatch(int64_t cutoff_ms, int64_t limit) override {
    return DeleteSessionsBefore(*writer_conn_, cutoff_ms, limit);
  }
  absl::Status WriteProbe() override { return TouchSchema(*writer_conn_); }

  // ---- reads: on a pooled connection ----
  template <typename Body>
  auto Read(Body body) {
    typename Pool::Lease conn = readers_->Acquire();
    return RunRead(*conn, body);
  }
  absl::StatusOr<v1::Session> ReadSession(std::string_view principal, std::string_view session_id,
                                          v1::Review* facts_out) override {
    return Read([&](Connection& c) { return SelectSession(c, principal, session_id, facts_out); });
  }
  absl::StatusOr<v1::GetSessionResponse> ReadTurnsPage(std::string_view principal, std::string_view session_id,
                                                       int64_t after_seq, int limit) override {
    return Read([&](Connection& c) {
      return SelectTurnsPage(c, principal, session_id, after_seq, limit, options().merge_review);
    });
  }
  absl::StatusOr<v1::ListSessionsResponse> ReadSessionsPage(std::string_view principal,
                                                            const paging::SessionPosition& after, int limit,
                                                            std::string_view title_filter) override {
    return Read([&](Connection& c) { return SelectSessionsPage(c, principal, after, limit, title_filter); });
  }
  absl::StatusOr<v1::GetSessionResponse> ReadTurnByRequest(std::string_view principal,
                                                           std::string_view request_id) override {
    return Read([&](Connection& c) {
      return SelectTurnByRequest(c, principal, request_id, options().merge_review);
    });
  }
  absl::StatusOr<std::vector<AgentOutputRecord>> ReadAgentOutputs(std::string_view principal,
                                                                  std::string_view session_id,
                                                                  int64_t seq) override {
    return Read([&](Connection& c) { return SelectAgentOutputs(c, principal, session_id, seq); });
  }

  std::unique_ptr<Connection> writer_conn_;  // used on the writer thread only
  std::unique_ptr<Pool> readers_;
  Transaction transaction_;
};

}  // namespace agentd

#endif  // AGENTD_DB_SQL_SESSION_STORE_H_
