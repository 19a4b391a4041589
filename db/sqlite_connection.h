// SQLite handles and statements for the SQLite session store.
//
// Connection: one sqlite3 handle with its prepared statements cached by SQL
// text. Stmt: a cached statement lent to one use (bind, step, read columns),
// reset when it goes out of scope. ReaderPool: read-only connections lent to
// one caller at a time. SqliteError maps a SQLite result code to a canonical
// absl::Status.
//
// Not thread-safe: a Connection (and the Stmts made from it) is used by one
// thread at a time; ReaderPool itself is thread-safe.
#ifndef AGENTD_DB_SQLITE_CONNECTION_H_
#define AGENTD_DB_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "db/connection_pool.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace agentd::sqlite {

// Debian's Abseil is built with its own string_view type, distinct from
// std::string_view, so the latter has to be converted at the boundary.
inline absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Canonical status for a SQLite result code, naming the database and what was
// being done, with SQLite's own message: SQLITE_FULL → RESOURCE_EXHAUSTED;
// read-only, busy, locked, cannot open, I/O, permission → UNAVAILABLE;
// primary key / unique → ALREADY_EXISTS, other constraints →
// FAILED_PRECONDITION; corrupt → DATA_LOSS; anything else INTERNAL.
absl::Status SqliteError(int rc, sqlite3* db, const std::string& path, std::string_view what);

class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                          int busy_timeout_ms);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();  // finalizes the cached statements, closes the handle

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

  absl::Status Error(int rc, std::string_view what) const { return SqliteError(rc, db_, path_, what); }

  // Runs SQL text that is not worth caching (pragmas, migrations, savepoints).
  absl::Status Exec(const char* sql, std::string_view what);
  // The cached prepared statement for `sql` (keyed by text).
  absl::StatusOr<sqlite3_stmt*> Prepare(const char* sql);
  // The first column of the first row of `sql` as text ("" when no row or
  // NULL), prepared for this one use.
  absl::StatusOr<std::string> QueryText(const char* sql);
  // True inside an open transaction (false also after SQLite rolled one back
  // on its own).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  // ROLLBACK if a transaction is open; errors are ignored (nothing to keep).
  void RollbackQuietly();

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A cached statement in use: binds, steps, reads columns, and is reset on
// destruction so the next user starts clean. Bind errors are kept and
// reported by the first Step(). Bound text and blobs are copied.
class Stmt {
 public:
  Stmt(Connection* conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept
      : conn_(other.conn_), stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int index, int64_t value) { return Check(sqlite3_bind_int64(stmt_, index, value)); }
  Stmt& Bind(int index, double value) { return Check(sqlite3_bind_double(stmt_, index, value)); }
  Stmt& BindText(int index, std::string_view value);
  Stmt& BindBlob(int index, std::string_view value);
  Stmt& BindNull(int index) { return Check(sqlite3_bind_null(stmt_, index)); }

  // true: a row is ready; false: done.
  absl::StatusOr<bool> Step(std::string_view what);
  // Steps a statement that returns no rows.
  absl::Status Run(std::string_view what);

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // Views into SQLite's row buffer: valid until the next Step or reset.
  std::string_view Text(int col) const;
  std::string_view Blob(int col) const;

 private:
  Stmt& Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }

  Connection* conn_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// The cached statement for `sql` on `conn`, ready to bind.
absl::StatusOr<Stmt> Statement(Connection& conn, const char* sql);

// Read-only connections lent out one caller at a time (db/connection_pool.h).
using ReaderPool = ConnectionPool<Connection>;

// A read transaction, for InSnapshot (db/snapshot.h).
absl::Status BeginSnapshot(Connection& conn);
absl::Status EndSnapshot(Connection& conn, absl::Status body_status);

}  // namespace agentd::sqlite

#endif  // AGENTD_DB_SQLITE_CONNECTION_H_
