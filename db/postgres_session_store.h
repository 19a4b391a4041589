// PostgresSessionStore: the SessionStore in a PostgreSQL database, for
// several agentd replicas that share sessions. Selected by a
// postgresql:// (or postgres://) URL in StoreOptions::path.
//
// What every backend shares (argument checks, page tokens, turn encoding,
// the group writer) is SessionStoreBase (db/session_store_base.h); turns
// are the same bytes SQLite keeps. Writes run on one writer connection:
// one transaction per waiting group, committed with synchronous_commit=on,
// so an acknowledged turn survives the replica and the server crashing.
// Reads use a pool of StoreOptions::reader_connections connections and
// never wait for the writer. Appends to one session from several replicas
// are ordered by the session row's lock.
//
// The schema is migrated at Open under an advisory lock
// (db/postgres_schema.h). PruneOlderThan runs only while this process holds
// the pruner's advisory lock (pg_try_advisory_lock): when another replica is
// pruning it returns 0 at once.
//
// When the server is down every call fails with UNAVAILABLE; connections
// reconnect on their next use, so the store recovers when it comes back.
// Errors map as db/postgres_connection.h's PgError says.
// Thread-safe; the destructor finishes the queued writes.
#ifndef AGENTD_DB_POSTGRES_SESSION_STORE_H_
#define AGENTD_DB_POSTGRES_SESSION_STORE_H_

#include <memory>
#include <string>

#include "db/postgres_connection.h"
#include "db/session_store_base.h"

namespace agentd {

class PostgresSessionStore final : public SessionStoreBase {
 public:
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(StoreOptions options);
  ~PostgresSessionStore() override;

  absl::StatusOr<int64_t> PruneOlderThan(absl::Time cutoff, int batch_size) override;

 private:
  class WriterTransaction;
  PostgresSessionStore(StoreOptions options, std::string name, std::unique_ptr<pg::Connection> writer,
                       std::unique_ptr<pg::ConnectionPool> readers);

  absl::Status WriteSession(std::string_view id, std::string_view principal, std::string_view title,
                            std::string_view facts_blob, int64_t now_ms) override;
  absl::StatusOr<int64_t> WriteTurn(const EncodedTurn& turn, int64_t now_ms) override;
  absl::Status WriteDeleteSession(std::string_view principal, std::string_view session_id) override;
  absl::StatusOr<int64_t> WritePruneBatch(int64_t cutoff_ms, int64_t limit) override;
  absl::Status WriteProbe() override;
  absl::StatusOr<v1::Session> ReadSession(std::string_view principal, std::string_view session_id,
                                          v1::Review* facts_out) override;
  absl::StatusOr<v1::GetSessionResponse> ReadTurnsPage(std::string_view principal, std::string_view session_id,
                                                       int64_t after_seq, int limit) override;
  absl::StatusOr<v1::ListSessionsResponse> ReadSessionsPage(std::string_view principal,
                                                            const paging::SessionPosition& after, int limit,
                                                            std::string_view title_filter) override;
  absl::StatusOr<v1::GetSessionResponse> ReadTurnByRequest(std::string_view principal,
                                                           std::string_view request_id) override;
  absl::StatusOr<std::vector<AgentOutputRecord>> ReadAgentOutputs(std::string_view principal,
                                                                  std::string_view session_id,
                                                                  int64_t seq) override;

  std::unique_ptr<pg::Connection> writer_conn_;  // used on the writer thread only
  std::unique_ptr<pg::ConnectionPool> readers_;
  std::unique_ptr<WriterTransaction> transaction_;
};

}  // namespace agentd

#endif  // AGENTD_DB_POSTGRES_SESSION_STORE_H_
