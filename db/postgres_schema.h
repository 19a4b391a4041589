// Schema and migrations of the PostgreSQL session store.
//
// The migrations are compiled in (db/postgres_migrations/NNNN_name.sql,
// turned into <db/postgres_migrations.h> by db/CMakeLists.txt). The table
// agentd_schema_migrations lists the versions applied. Migrate holds a
// session-level advisory lock (pg_advisory_lock) while it reads and
// applies them, so replicas that start together migrate once: the others
// wait, then find nothing left to do. Not thread-safe: runs on one
// connection before the store serves.
#ifndef AGENTD_DB_POSTGRES_SCHEMA_H_
#define AGENTD_DB_POSTGRES_SCHEMA_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "db/postgres_connection.h"

namespace agentd::pg {

// Advisory lock keys (one 64-bit space per database; "agentd" in ASCII, then
// a number): schema migration, and the retention pruner's turn.
inline constexpr int64_t kMigrationLock = 0x6167656e74640001;
inline constexpr int64_t kPrunerLock = 0x6167656e74640002;

// The newest version applied (0 for an empty database).
absl::StatusOr<int> SchemaVersion(Connection& conn);

// Applies each missing migration in its own transaction, under
// kMigrationLock. FAILED_PRECONDITION (and nothing changed) if the database
// has a version newer than this binary knows.
absl::Status Migrate(Connection& conn);

}  // namespace agentd::pg

#endif  // AGENTD_DB_POSTGRES_SCHEMA_H_
