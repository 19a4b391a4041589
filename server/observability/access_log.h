// The access log: one JSON object a line per RPC. A request thread only
// formats its line and queues it; spdlog's async logger writes it on its own
// thread. When the queue is full the oldest queued line is dropped and
// counted (dropped()), so logging never blocks a call.
//
// Line fields: ts (UTC, RFC 3339 with microseconds), method, principal,
// session, turn (0 when none), agents ([{agent, status}] for reviews),
// code (gRPC status code name), duration_ms, trace_id.
//
// Thread-safe.
#ifndef AGENTD_SERVER_OBSERVABILITY_ACCESS_LOG_H_
#define AGENTD_SERVER_OBSERVABILITY_ACCESS_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace spdlog {
class logger;
namespace details {
class thread_pool;
}
}  // namespace spdlog

namespace agentd {

struct AccessEntry {
  absl::Time start;
  std::string_view method;
  std::string_view principal;
  std::string_view session;
  int turn = 0;
  std::vector<std::pair<std::string, std::string>> agents;  // (agent, outcome)
  int code = 0;  // gRPC status code
  absl::Duration duration;
  std::string_view trace_id;
};

class AccessLog {
 public:
  // `path`: a file (appended to), or "-" for standard output. `queue_lines`:
  // lines held for the writer before the oldest is dropped.
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& path, size_t queue_lines = 8192);
  ~AccessLog();  // writes what is queued

  void Write(const AccessEntry& entry);
  // Lines dropped because the writer fell behind.
  uint64_t dropped() const;

  // The JSON line for `entry` (without the newline).
  static std::string Format(const AccessEntry& entry);

 private:
  AccessLog() = default;
  std::shared_ptr<spdlog::details::thread_pool> pool_;
  std::shared_ptr<spdlog::logger> logger_;
};

// "OK", "RESOURCE_EXHAUSTED", ... for a gRPC status code.
std::string_view StatusCodeName(int code);

}  // namespace agentd

#endif  // AGENTD_SERVER_OBSERVABILITY_ACCESS_LOG_H_
