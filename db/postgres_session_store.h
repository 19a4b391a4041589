// PostgresSessionStore: the SessionStore in a PostgreSQL database, for
// several agentd replicas that share sessions. Selected by a
// postgresql:// (or postgres://) URL in StoreOptions::path.
//
// What every backend shares is SessionStoreBase (db/session_store_base.h:
// argument checks, page tokens, turn encoding, the group writer) and
// SqlSessionStore (db/sql_session_store.h: the writer connection, the reader
// pool, the hooks); turns are the same bytes SQLite keeps. Write groups
// commit with synchronous_commit=on, so an acknowledged turn survives the
// replica and the server crashing.
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
#include "db/postgres_queries.h"
#include "db/sql_session_store.h"

namespace agentd {

class PostgresSessionStore final : public SqlSessionStore<pg::Connection> {
 public:
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(StoreOptions options);

  absl::StatusOr<int64_t> PruneOlderThan(absl::Time cutoff, int batch_size) override;

 private:
  using SqlSessionStore::SqlSessionStore;
};

}  // namespace agentd

#endif  // AGENTD_DB_POSTGRES_SESSION_STORE_H_
