#include "db/postgres_schema.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "db/postgres_migrations.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd::pg {
namespace {

constexpr char kCreateVersions[] =
    "CREATE TABLE IF NOT EXISTS agentd_schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

absl::Status ApplyMigrations(Connection& conn) {
  // Only created when missing, so a read-only database that is up to date
  // opens (and serves reads).
  ASSIGN_OR_RETURN(Result exists, conn.Query("SELECT to_regclass('agentd_schema_migrations') IS NOT NULL",
                                             Params(), "look for migrations table"));
  if (!exists.Bool(0, 0)) RETURN_IF_ERROR(conn.Exec(kCreateVersions, "create migrations table"));
  ASSIGN_OR_RETURN(int version, SchemaVersion(conn));
  if (version > postgres_schema::kLatestVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "session store ", conn.name(), " has schema version ", version, ", newer than this agentd knows (",
        postgres_schema::kLatestVersion, "); upgrade agentd"));
  }
  for (const postgres_schema::Migration& m : postgres_schema::kMigrations) {
    if (m.version <= version) continue;
    RETURN_IF_ERROR(conn.Exec("BEGIN", "begin migration"));
    absl::Status applied = conn.Exec(m.sql, absl::StrCat("migration ", m.name));
    if (applied.ok()) {
      applied = conn.Query("INSERT INTO agentd_schema_migrations (version, name) VALUES ($1, $2)",
                           Params().Int(m.version).Text(m.name), "record migration")
                    .status();
    }
    if (applied.ok()) applied = conn.Exec("COMMIT", "commit migration");
    if (!applied.ok()) {
      conn.RollbackQuietly();
      return applied;
    }
    spdlog::info("session store {}: applied migration {}", conn.name(), m.name);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> SchemaVersion(Connection& conn) {
  ASSIGN_OR_RETURN(Result r, conn.Query("SELECT coalesce(max(version), 0)::int8 FROM agentd_schema_migrations",
                                        Params(), "read schema version"));
  return static_cast<int>(r.Int(0, 0));
}

absl::Status Migrate(Connection& conn) {
  Params key;
  key.Int(kMigrationLock);
  RETURN_IF_ERROR(conn.Query("SELECT pg_advisory_lock($1)", key, "lock for migration").status());
  absl::Status migrated = ApplyMigrations(conn);
  absl::Status unlocked = conn.Query("SELECT pg_advisory_unlock($1)", key, "unlock after migration").status();
  return migrated.ok() ? unlocked : migrated;
}

}  // namespace agentd::pg
