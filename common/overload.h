// Overload answers: RESOURCE_EXHAUSTED with how long the caller should wait
// before it retries. The wait travels as a payload of the absl::Status; the
// service edge turns it into `grpc-retry-pushback-ms` trailing metadata
// (which gRPC's own retry policy honours) and a sentence in the message.
#ifndef AGENTD_COMMON_OVERLOAD_H_
#define AGENTD_COMMON_OVERLOAD_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace agentd {

inline constexpr absl::string_view kRetryAfterPayload = "type.agentd.dev/retry-after-ms";

// RESOURCE_EXHAUSTED: "<message>; retry in N ms", N in [10 ms, 30 s].
inline absl::Status Overloaded(absl::string_view message, absl::Duration retry_after) {
  int64_t ms = std::clamp<int64_t>(absl::ToInt64Milliseconds(retry_after), 10, 30000);
  absl::Status status = absl::ResourceExhaustedError(absl::StrCat(message, "; retry in ", ms, " ms"));
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(ms)));
  return status;
}

// The retry hint of a status made by Overloaded(), if any, in milliseconds.
inline std::optional<int64_t> RetryAfterMs(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterPayload);  // absl::optional: not std:: in Debian's build
  int64_t ms = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &ms)) return std::nullopt;
  return ms;
}

}  // namespace agentd

#endif  // AGENTD_COMMON_OVERLOAD_H_
