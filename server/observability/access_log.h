// The access log: one JSON object a line per RPC. A request thread formats
// its line and appends it to a buffer under a mutex, nothing more (no
// wake-up, no system call). The log's own writer thread takes the buffer
// every 50 ms, or sooner once it holds half its lines, and writes it with
// one write(2). A line that finds the buffer full (queue_lines lines not yet
// written) is dropped and counted (dropped()), so logging never blocks a call.
//
// Line fields: ts (UTC, RFC 3339 with microseconds), method, principal,
// session, turn (0 when none), agents ([{agent, status}] for reviews),
// code (gRPC status code name), duration_ms, trace_id.
//
// Thread-safe.
#ifndef AGENTD_SERVER_OBSERVABILITY_ACCESS_LOG_H_
#define AGENTD_SERVER_OBSERVABILITY_ACCESS_LOG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

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
  // lines held for the writer before new ones are dropped.
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& path, size_t queue_lines = 8192);
  ~AccessLog();  // writes what is queued

  void Write(const AccessEntry& entry);
  // Lines dropped because the writer fell behind (or could not write).
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // The JSON line for `entry` (without the newline).
  static std::string Format(const AccessEntry& entry);

 private:
  AccessLog(int fd, bool owns_fd, size_t queue_lines);
  void WriterLoop();
  void WriteOut(const std::string& text, size_t lines);

  const int fd_;
  const bool owns_fd_;
  const size_t queue_lines_;
  absl::Mutex mu_;
  std::string pending_ ABSL_GUARDED_BY(mu_);
  size_t pending_lines_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> dropped_{0};
  std::thread writer_;  // last: started once the rest exists
};

// "OK", "RESOURCE_EXHAUSTED", ... for a gRPC status code.
std::string_view StatusCodeName(int code);

}  // namespace agentd

#endif  // AGENTD_SERVER_OBSERVABILITY_ACCESS_LOG_H_
