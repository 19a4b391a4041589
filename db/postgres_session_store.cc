#include "db/postgres_session_store.h"

#include <utility>

#include "db/postgres_schema.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd {

using pg::Connection;

// ---- Open / pruning -------------------------------------------------------------

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
  ASSIGN_OR_RETURN(std::unique_ptr<pg::ConnectionPool> readers, OpenReaders(options.reader_connections, [&] {
    return Connection::Open(options.path, name, options.busy_timeout_ms);
  }));
  return std::unique_ptr<SessionStore>(
      new PostgresSessionStore(std::move(options), std::move(name), std::move(writer), std::move(readers)));
}

absl::StatusOr<int64_t> PostgresSessionStore::PruneOlderThan(absl::Time cutoff, int batch_size) {
  if (batch_size < 1) return absl::InvalidArgumentError("batch_size must be at least 1");
  // The lock lives on a pooled connection for the whole run; if this process
  // dies, the server releases it with the connection.
  pg::ConnectionPool::Lease lock = readers().Acquire();
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

}  // namespace agentd
