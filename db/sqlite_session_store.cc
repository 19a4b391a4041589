#include "db/sqlite_session_store.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "db/sqlite_schema.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd {

using sqlite::Connection;
using sqlite::ReaderPool;

// ---- Open ---------------------------------------------------------------------

namespace {

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
  RETURN_IF_ERROR(CheckOptions(options));
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

  ASSIGN_OR_RETURN(std::unique_ptr<ReaderPool> readers, OpenReaders(options.reader_connections, [&] {
    return Connection::Open(options.path, /*read_only=*/true, options.busy_timeout_ms);
  }));
  std::string name = options.path;
  return std::unique_ptr<SessionStore>(
      new SqliteSessionStore(std::move(options), std::move(name), std::move(writer), std::move(readers)));
}

}  // namespace agentd
