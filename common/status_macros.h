// RETURN_IF_ERROR / ASSIGN_OR_RETURN: Debian's Abseil (20220623) lacks them.
#ifndef AGENTD_COMMON_STATUS_MACROS_H_
#define AGENTD_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define AGENTD_CONCAT_INNER_(a, b) a##b
#define AGENTD_CONCAT_(a, b) AGENTD_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                       \
  do {                                              \
    ::absl::Status agentd_status_ = (expr);         \
    if (!agentd_status_.ok()) return agentd_status_; \
  } while (0)

// `lhs = value of rexpr`, or returns its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(AGENTD_CONCAT_(agentd_statusor_, __LINE__), lhs, rexpr)
#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) return statusor.status();      \
  lhs = std::move(statusor).value()

#endif  // AGENTD_COMMON_STATUS_MACROS_H_
