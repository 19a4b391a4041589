// One RPC as the access log and the metrics see it. Made when the call
// arrives: it reads the caller's W3C `traceparent` (or starts a trace) and
// returns the trace id in the response's initial metadata (`trace-id`).
// Finish() records the call once, with the status the caller gets.
//
// Not thread-safe: one call's steps happen one after another.
#ifndef AGENTD_SERVER_SERVICE_CALL_RECORD_H_
#define AGENTD_SERVER_SERVICE_CALL_RECORD_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "agentd/v1/orchestrator.pb.h"
#include "grpcpp/support/status.h"
#include "server/core/executor.h"
#include "server/observability/access_log.h"
#include "server/observability/metrics.h"
#include "server/observability/trace.h"

namespace grpc {
class CallbackServerContext;
}

namespace agentd {

// Where calls are recorded; either may be null (off). Owned by the server.
struct Telemetry {
  Metrics* metrics = nullptr;
  AccessLog* access_log = nullptr;
};

class CallRecord {
 public:
  CallRecord(const Telemetry& telemetry, grpc::CallbackServerContext* ctx, std::string_view method);

  const TraceContext& trace() const { return trace_; }
  void set_principal(std::string principal) { principal_ = std::move(principal); }
  void set_session(std::string session) { session_ = std::move(session); }
  // Session, turn and each agent's outcome of a review.
  void set_review(const v1::ReviewResponse& response);
  void set_turn(int turn) { turn_ = turn; }

  // Records the call (metrics, access log line). Once.
  void Finish(const grpc::Status& status);

 private:
  const Telemetry telemetry_;
  const std::string_view method_;
  const absl::Time start_;
  TraceContext trace_;
  std::string principal_, session_;
  int turn_ = 0;
  std::vector<std::pair<std::string, std::string>> agents_;
  bool finished_ = false;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_CALL_RECORD_H_
