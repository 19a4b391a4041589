// libpq handles for the PostgreSQL session store.
//
// Connection: one PGconn with its prepared statements cached by SQL text;
// it reconnects (PQreset) when the link to the server broke, so a server
// restart costs the calls made while it is down, not the process. Params:
// the values of one call (text as text, blobs as bytea in binary). Result:
// one PGresult, columns read in binary. ConnectionPool: connections lent
// to one caller at a time. PgError maps a failed result to a canonical
// absl::Status.
//
// Not thread-safe: a Connection is used by one thread at a time;
// ConnectionPool itself is thread-safe.
#ifndef AGENTD_DB_POSTGRES_CONNECTION_H_
#define AGENTD_DB_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "db/connection_pool.h"
#include "absl/synchronization/mutex.h"

namespace agentd::pg {

// True for postgresql:// and postgres:// URLs (what selects this store).
bool IsPostgresUrl(std::string_view url);

// The URL without user, password and query: "postgresql://host:port/db",
// safe for logs and errors.
std::string DisplayName(const std::string& url);

// Canonical status for a failed call, from its SQLSTATE: connection lost or
// refused, server shutting down, read-only, lock or serialization conflict
// → UNAVAILABLE; disk full and other resource errors → RESOURCE_EXHAUSTED;
// unique violation → ALREADY_EXISTS, other constraints → FAILED_PRECONDITION;
// bad data (encoding, NUL) → INVALID_ARGUMENT; corruption → DATA_LOSS;
// anything else INTERNAL. The message names the store and `what`, with the
// server's primary message (never libpq's connection text, which can hold
// socket paths: that is logged instead).
absl::Status PgError(const PGresult* result, PGconn* conn, const std::string& name, std::string_view what);
// The canonical code PgError gives a SQLSTATE (five characters).
absl::StatusCode CodeForSqlState(std::string_view sqlstate);

// The values bound to one statement. Blob views must outlive the call.
class Params {
 public:
  Params& Text(std::string_view value);
  Params& Blob(std::string_view value);  // bytea, sent in binary, not copied
  Params& Int(int64_t value);
  Params& Double(double value);
  Params& Null();
  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class Connection;
  struct Value {
    std::string owned;      // text form (NUL-terminated by std::string)
    std::string_view blob;  // binary form
    bool binary = false;
    bool null = false;
  };
  std::vector<Value> values_;
};

// A query's rows, read in binary. Views are valid while the Result lives.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  int64_t Int(int row, int col) const;     // int2, int4 or int8
  double Double(int row, int col) const;   // float8
  bool Bool(int row, int col) const;
  std::string_view Bytes(int row, int col) const;  // text or bytea, raw
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t Affected() const;
  const PGresult* raw() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class Connection {
 public:
  // Connects to `url`; `name` is DisplayName(url). UNAVAILABLE if the server
  // cannot be reached. `lock_timeout_ms` > 0 bounds waits for row locks.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& url, const std::string& name,
                                                          int lock_timeout_ms);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  const std::string& name() const { return name_; }
  // False once a call found the link to the server broken.
  bool Connected() const { return PQstatus(conn_) == CONNECTION_OK; }
  // Reconnects if the link broke (prepared statements are prepared again).
  absl::Status EnsureConnected();
  // Runs SQL text with no parameters (one or more statements).
  absl::Status Exec(const char* sql, std::string_view what);
  // Runs `sql` ($1, $2 … placeholders) as a statement prepared once per
  // connection; rows come back in binary.
  absl::StatusOr<Result> Query(const std::string& sql, const Params& params, std::string_view what);
  // Inside an open transaction (also one that failed and awaits ROLLBACK).
  bool InTransaction() const;
  // ROLLBACK if a transaction is open; errors are ignored.
  void RollbackQuietly();

 private:
  Connection(PGconn* conn, std::string name, std::string setup);
  absl::Status Setup();

  PGconn* conn_;
  const std::string name_;
  const std::string setup_sql_;  // run after each (re)connect
  std::unordered_map<std::string, std::string> prepared_;  // sql → statement name
};

// A REPEATABLE READ READ ONLY transaction, for InSnapshot (db/snapshot.h).
absl::Status BeginSnapshot(Connection& conn);
absl::Status EndSnapshot(Connection& conn, absl::Status body_status);

// Runs `body(conn)` (returning absl::Status or StatusOr) on a link that
// works: reconnects first if needed, and once more if the call found the
// link broken (the server restarted since the last use). For reads and
// for statements that start a transaction, which are safe to repeat.
template <typename Body>
auto WithLiveLink(Connection& conn, Body body) -> decltype(body(conn)) {
  if (absl::Status s = conn.EnsureConnected(); !s.ok()) return s;
  auto result = body(conn);
  if (result.ok() || conn.Connected()) return result;
  if (absl::Status s = conn.EnsureConnected(); !s.ok()) return s;
  return body(conn);
}

// Connections lent out one caller at a time (db/connection_pool.h).
using ConnectionPool = agentd::ConnectionPool<Connection>;

}  // namespace agentd::pg

#endif  // AGENTD_DB_POSTGRES_CONNECTION_H_
