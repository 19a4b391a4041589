// InSnapshot(conn, body): runs `body` (returning absl::Status) in one read
// transaction on `conn`, so everything it reads comes from one snapshot. The
// backend opens and closes it: BeginSnapshot and EndSnapshot, found by
// argument-dependent lookup next to its Connection (db/sqlite_connection.h,
// db/postgres_connection.h). EndSnapshot returns body's error if it failed,
// else the commit's, and leaves the connection outside any transaction.
#ifndef AGENTD_DB_SNAPSHOT_H_
#define AGENTD_DB_SNAPSHOT_H_

#include "absl/status/status.h"

namespace agentd {

template <typename Connection, typename Body>
absl::Status InSnapshot(Connection& conn, Body body) {
  if (absl::Status begin = BeginSnapshot(conn); !begin.ok()) return begin;
  return EndSnapshot(conn, body());
}

}  // namespace agentd

#endif  // AGENTD_DB_SNAPSHOT_H_
