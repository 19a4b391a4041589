// gRPC's canonical status code names, indexed by their numbers (0 = OK …
// 16 = UNAUTHENTICATED), as the access log writes them and the metrics label
// them. One table so the two never disagree.
#ifndef AGENTD_SERVER_OBSERVABILITY_STATUS_CODES_H_
#define AGENTD_SERVER_OBSERVABILITY_STATUS_CODES_H_

#include <array>

namespace agentd {

inline constexpr std::array<const char*, 17> kStatusCodeNames = {
    "OK",           "CANCELLED",         "UNKNOWN",            "INVALID_ARGUMENT",    "DEADLINE_EXCEEDED",
    "NOT_FOUND",    "ALREADY_EXISTS",    "PERMISSION_DENIED",  "RESOURCE_EXHAUSTED",  "FAILED_PRECONDITION",
    "ABORTED",      "OUT_OF_RANGE",      "UNIMPLEMENTED",      "INTERNAL",            "UNAVAILABLE",
    "DATA_LOSS",    "UNAUTHENTICATED"};

}  // namespace agentd

#endif  // AGENTD_SERVER_OBSERVABILITY_STATUS_CODES_H_
