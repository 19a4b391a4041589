#include "db/sqlite_schema.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "db/schema_migrations.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd::sqlite {

namespace {

// A turn's row holds a compressed body of about 2 KB: just over half a 4 KB
// page, so at SQLite's default page size each row took a page of its own
// (5,153 bytes stored per five-agent turn, bench/turn_size.py). 8 KB pages
// hold three such rows.
constexpr char kNewFilePageSize[] = "PRAGMA page_size = 8192";

}  // namespace

absl::StatusOr<int> SchemaVersion(Connection& conn) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(conn.db(), "PRAGMA user_version", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return conn.Error(rc, "read schema version");
  rc = sqlite3_step(stmt);
  int version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return conn.Error(rc, "read schema version");
  return version;
}

absl::Status CheckSchemaVersionKnown(int version, const std::string& path) {
  if (version > schema::kLatestVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "session store %s has schema version %d, but this agentd knows versions up to %d; "
        "upgrade agentd or use another database",
        path, version, schema::kLatestVersion));
  }
  return absl::OkStatus();
}

absl::Status CheckIntact(Connection& conn) {
  absl::StatusOr<std::string> verdict = conn.QueryText("PRAGMA quick_check(1)");
  if (verdict.ok() && *verdict == "ok") return absl::OkStatus();
  if (!verdict.ok() && verdict.status().code() != absl::StatusCode::kDataLoss) return verdict.status();
  std::string problem = verdict.ok() ? *verdict : sqlite3_errmsg(conn.db());
  return absl::DataLossError(absl::StrFormat(
      "session store %s is damaged or not a database (PRAGMA quick_check: %s); restore it from a backup, "
      "or move it aside to start with an empty store",
      conn.path(), problem.substr(0, 200)));
}

namespace {

// Applies, inside the caller's transaction, every migration newer than the
// version the database has now. Returns the names applied.
absl::StatusOr<std::vector<std::string>> ApplyPendingMigrations(Connection& conn) {
  ASSIGN_OR_RETURN(int version, SchemaVersion(conn));
  RETURN_IF_ERROR(CheckSchemaVersionKnown(version, conn.path()));
  std::vector<std::string> applied;
  for (const schema::Migration& migration : schema::kMigrations) {
    if (version >= migration.version) continue;
    RETURN_IF_ERROR(conn.Exec(migration.sql, absl::StrCat("apply migration ", migration.name)));
    std::string set_version = absl::StrCat("PRAGMA user_version = ", migration.version);
    RETURN_IF_ERROR(conn.Exec(set_version.c_str(), "set schema version"));
    version = migration.version;
    applied.emplace_back(migration.name);
  }
  return applied;
}

}  // namespace

// All pending migrations go in one transaction: a new database is created
// with one commit (one WAL sync) instead of one per migration, and a failure
// leaves the database at the version it had.
absl::Status Migrate(Connection& conn) {
  ASSIGN_OR_RETURN(int version, SchemaVersion(conn));
  RETURN_IF_ERROR(CheckSchemaVersionKnown(version, conn.path()));
  if (version >= schema::kLatestVersion) return absl::OkStatus();
  RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE", "begin migration"));
  absl::StatusOr<std::vector<std::string>> applied = ApplyPendingMigrations(conn);
  absl::Status status = applied.status();
  if (status.ok()) status = conn.Exec("COMMIT", "commit migrations");
  if (!status.ok()) {
    conn.RollbackQuietly();
    return status;
  }
  for (const std::string& name : *applied) {
    spdlog::info("session store {}: applied migration {}", conn.path(), name);
  }
  return absl::OkStatus();
}

absl::Status ConfigureWriter(Connection& conn, int64_t max_database_bytes) {
  // Only a file that does not exist yet takes it (a WAL database keeps the
  // page size it was made with).
  RETURN_IF_ERROR(conn.Exec(kNewFilePageSize, "set page size"));
  ASSIGN_OR_RETURN(std::string mode, conn.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return absl::UnavailableError(absl::StrCat("session store ", conn.path(),
                                               ": cannot switch to WAL mode (journal_mode is ", mode, ")"));
  }
  RETURN_IF_ERROR(conn.Exec("PRAGMA synchronous = FULL", "set synchronous"));
  RETURN_IF_ERROR(conn.Exec("PRAGMA foreign_keys = ON", "enable foreign keys"));
  if (max_database_bytes > 0) {
    ASSIGN_OR_RETURN(std::string page_size, conn.QueryText("PRAGMA page_size"));
    int64_t bytes_per_page = 4096;
    if (!absl::SimpleAtoi(page_size, &bytes_per_page) || bytes_per_page <= 0) bytes_per_page = 4096;
    std::string sql = absl::StrCat("PRAGMA max_page_count = ",
                                   std::max<int64_t>(1, max_database_bytes / bytes_per_page));
    ASSIGN_OR_RETURN(std::string applied, conn.QueryText(sql.c_str()));
    (void)applied;
  }
  return absl::OkStatus();
}

}  // namespace agentd::sqlite
