// libpq, opened the first time a PostgreSQL store needs it
// (libpq_on_demand.cc; common/on_demand_library.h says why).
#ifndef AGENTD_DB_LIBPQ_ON_DEMAND_H_
#define AGENTD_DB_LIBPQ_ON_DEMAND_H_

#include "absl/status/status.h"

namespace agentd::pg {

// Loads libpq. On a host without it, returns FAILED_PRECONDITION naming the
// package to install, so opening the store fails with a reason instead of
// ending the process. Thread-safe.
absl::Status LoadLibpq();

}  // namespace agentd::pg

#endif  // AGENTD_DB_LIBPQ_ON_DEMAND_H_
