#include "server/service/call_record.h"

#include "grpcpp/server_context.h"

namespace agentd {

CallRecord::CallRecord(const Telemetry& telemetry, grpc::CallbackServerContext* ctx, std::string_view method)
    : telemetry_(telemetry), method_(method), start_(absl::Now()) {
  auto it = ctx->client_metadata().find("traceparent");
  trace_ = TraceFromHeader(it == ctx->client_metadata().end() ? std::string_view()
                                                              : std::string_view(it->second.data(), it->second.size()));
  ctx->AddInitialMetadata("trace-id", trace_.trace_id);
}

void CallRecord::set_review(const v1::ReviewResponse& response) {
  session_ = response.session_id();
  turn_ = response.turn();
  agents_.clear();
  for (const v1::AgentRun& run : response.review().agents()) {
    agents_.emplace_back(run.agent(), std::string(AgentOutcomeName(run.status())));
  }
}

void CallRecord::Finish(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  const absl::Duration duration = absl::Now() - start_;
  const int code = static_cast<int>(status.error_code());
  if (telemetry_.metrics != nullptr) telemetry_.metrics->RecordRpc(method_, code, duration);
  if (telemetry_.access_log != nullptr) {
    AccessEntry entry;
    entry.start = start_;
    entry.method = method_;
    entry.principal = principal_;
    entry.session = session_;
    entry.turn = turn_;
    entry.agents = std::move(agents_);
    entry.code = code;
    entry.duration = duration;
    entry.trace_id = trace_.trace_id;
    telemetry_.access_log->Write(entry);
  }
}

}  // namespace agentd
