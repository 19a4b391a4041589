// Schema and migrations of the SQLite session store.
//
// The migrations are compiled in (db/migrations/NNNN_name.sql, turned into
// <db/schema_migrations.h> by db/CMakeLists.txt); PRAGMA user_version is the
// number of the last one applied. Not thread-safe: runs on the connection
// that will become the store's writer, before the store serves.
#ifndef AGENTD_DB_SQLITE_SCHEMA_H_
#define AGENTD_DB_SQLITE_SCHEMA_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "db/sqlite_connection.h"

namespace agentd::sqlite {

// PRAGMA user_version of the open database (0 for a new file).
absl::StatusOr<int> SchemaVersion(Connection& conn);

// FAILED_PRECONDITION if `version` is newer than this binary knows.
absl::Status CheckSchemaVersionKnown(int version, const std::string& path);

// DATA_LOSS naming the first problem when PRAGMA quick_check finds the file
// damaged (pages overwritten, the file cut short) or not a database at all.
// Reads every page once:
// about 3 s for 250 MB on a busy 2-core machine.
absl::Status CheckIntact(Connection& conn);

// Applies the missing migrations, all in one transaction. The version is
// re-read under the write lock so two processes opening one file at the same
// time do not both migrate.
absl::Status Migrate(Connection& conn);

// 8 KB pages for a new file (an existing one keeps its own), WAL,
// synchronous=FULL, foreign keys on and, if max_database_bytes > 0, a
// page-count quota of about that many bytes. UNAVAILABLE if WAL cannot be set.
absl::Status ConfigureWriter(Connection& conn, int64_t max_database_bytes);

}  // namespace agentd::sqlite

#endif  // AGENTD_DB_SQLITE_SCHEMA_H_
