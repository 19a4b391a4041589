// Limits on what a caller may send, checked before any work is done.
//
// Every check returns INVALID_ARGUMENT with a message that names the field
// and never quotes the rejected value when it can be long: a message is
// bounded whatever the input.
//
// Requirements are checked by field kind, read from the message's
// descriptor, so a field added to Requirements is checked without touching
// this code: a number must be finite and not negative, an enum must be one
// of its known values. A number with a narrower range (a ratio, a percent)
// is listed in the table in request_limits.cc.
//
// All functions are pure and thread-safe.
#ifndef AGENTD_SERVER_CORE_REQUEST_LIMITS_H_
#define AGENTD_SERVER_CORE_REQUEST_LIMITS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "agentd/v1/orchestrator.pb.h"
#include "agentd/v1/review.pb.h"

namespace agentd {

inline constexpr size_t kMaxTitleChars = 200;       // Unicode code points
inline constexpr size_t kMaxSessionIdBytes = 128;
inline constexpr size_t kMaxAgentNameBytes = 128;
inline constexpr int kMaxExplicitAgents = 32;
inline constexpr size_t kMaxRequirementTextBytes = 256;  // any string field of Requirements

// Each set field of `requirements` within its range. Field names in errors
// are prefixed "requirements.".
absl::Status ValidateRequirements(const v1::Requirements& requirements);

// At most kMaxTitleChars code points. `field` names it in the error.
absl::Status ValidateTitle(std::string_view title, std::string_view field = "title");

// Not empty, at most kMaxSessionIdBytes, printable ASCII without spaces (ids
// are quoted back in NOT_FOUND errors and logs).
absl::Status ValidateSessionId(std::string_view session_id);

// At most kMaxExplicitAgents names of at most kMaxAgentNameBytes each.
absl::Status ValidateAgentNames(const google::protobuf::RepeatedPtrField<std::string>& agents);

// A request_id: empty (none), or at most kMaxSessionIdBytes of printable
// ASCII without spaces.
absl::Status ValidateRequestId(std::string_view request_id);

// The caller-controlled fields of a review: title, session id (when set),
// request id, explicit agents and requirements. The text is checked by the
// orchestrator (its limit is configured).
absl::Status ValidateReviewRequest(const v1::ReviewRequest& request);

// Number of Unicode code points in UTF-8 `text` (continuation bytes skipped).
size_t Utf8Length(std::string_view text);

// `text` cut to at most `max_chars` code points, never inside a character.
std::string_view Utf8Prefix(std::string_view text, size_t max_chars);

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_REQUEST_LIMITS_H_
