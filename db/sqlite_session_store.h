// SqliteSessionStore: the SessionStore in one SQLite database file (WAL mode,
// synchronous=FULL, schema migrated at Open; see db/sqlite_schema.h).
//
// What every backend shares is SessionStoreBase (db/session_store_base.h:
// argument checks, page tokens, turn encoding, the group writer) and
// SqlSessionStore (db/sql_session_store.h: the writer connection, the reader
// pool, the hooks); this file adds what is SQLite's own: opening and
// checking the file, and read-only reader connections. The SQL is
// db/sqlite_queries.h.
//
// SQLite errors map as db/sqlite_connection.h's SqliteError says.
// Thread-safe; the destructor finishes the queued writes.
#ifndef AGENTD_DB_SQLITE_SESSION_STORE_H_
#define AGENTD_DB_SQLITE_SESSION_STORE_H_

#include <memory>

#include "db/sql_session_store.h"
#include "db/sqlite_connection.h"
#include "db/sqlite_queries.h"

namespace agentd {

class SqliteSessionStore final : public SqlSessionStore<sqlite::Connection> {
 public:
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(StoreOptions options);

 private:
  using SqlSessionStore::SqlSessionStore;
};

}  // namespace agentd

#endif  // AGENTD_DB_SQLITE_SESSION_STORE_H_
