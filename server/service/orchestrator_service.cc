#include "server/service/orchestrator_service.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace agentd {

grpc::Status ToGrpcStatus(const absl::Status& status);

namespace {

absl::Time ToAbslTime(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(t);
}

// Writes each progress event to the stream as it happens.
class StreamObserver : public ReviewObserver {
 public:
  explicit StreamObserver(grpc::ServerWriter<v1::ReviewEvent>* writer) : writer_(writer) {}
  void OnRouted(const v1::RouteDecision& decision) override {
    v1::ReviewEvent event;
    *event.mutable_routed() = decision;
    Write(event);
  }
  void OnAgentStarted(const std::string& agent) override {
    v1::ReviewEvent event;
    event.mutable_agent_started()->set_agent(agent);
    Write(event);
  }
  void OnAgentFinished(const AgentOutcome& outcome) override {
    v1::ReviewEvent event;
    v1::AgentFinished* finished = event.mutable_agent_finished();
    finished->set_agent(outcome.run.agent());
    *finished->mutable_run() = outcome.run;
    if (outcome.response.has_value()) *finished->mutable_output() = *outcome.response;
    Write(event);
  }
  bool broken() const { return broken_; }

 private:
  void Write(const v1::ReviewEvent& event) {
    if (!broken_ && !writer_->Write(event)) broken_ = true;  // the caller went away
  }
  grpc::ServerWriter<v1::ReviewEvent>* writer_;
  bool broken_ = false;
};

// Copies an OK result into the response, or maps its error.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::StatusOr<CallContext> OrchestratorService::Context(grpc::ServerContext* ctx) const {
  if (!token_.empty()) {
    auto it = ctx->client_metadata().find("authorization");
    if (it == ctx->client_metadata().end()) {
      return absl::UnauthenticatedError("missing authorization metadata: send 'authorization: Bearer <token>'");
    }
    std::string value(it->second.data(), it->second.size());
    if (value != "Bearer " + token_) {
      return absl::UnauthenticatedError("the bearer token is not valid for this server");
    }
  }
  CallContext call;
  call.deadline = ToAbslTime(ctx->deadline());
  call.cancelled = [ctx] { return ctx->IsCancelled(); };
  return call;
}

#define AGENTD_CONTEXT_OR_RETURN(var, ctx)               \
  absl::StatusOr<CallContext> var##_or = Context(ctx);  \
  if (!var##_or.ok()) return ToGrpcStatus(var##_or.status()); \
  CallContext var = std::move(*var##_or)

grpc::Status OrchestratorService::Review(grpc::ServerContext* ctx, const v1::ReviewRequest* request,
                                         v1::ReviewResponse* response) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  return Reply(core_->Review(call, *request), response);
}

grpc::Status OrchestratorService::StreamReview(grpc::ServerContext* ctx, const v1::ReviewRequest* request,
                                               grpc::ServerWriter<v1::ReviewEvent>* writer) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  StreamObserver observer(writer);
  auto caller_cancelled = call.cancelled;
  call.cancelled = [&observer, caller_cancelled] { return observer.broken() || caller_cancelled(); };
  absl::StatusOr<v1::ReviewResponse> result = core_->Review(call, *request, &observer);
  if (!result.ok()) return ToGrpcStatus(result.status());
  v1::ReviewEvent event;
  *event.mutable_review() = std::move(*result);
  writer->Write(event);
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::Route(grpc::ServerContext* ctx, const v1::RouteRequest* request,
                                        v1::RouteDecision* response) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  return Reply(core_->Route(*request), response);
}

grpc::Status OrchestratorService::ListAgents(grpc::ServerContext* ctx, const v1::ListAgentsRequest*,
                                             v1::ListAgentsResponse* response) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  *response = core_->ListAgents();
  return grpc::Status::OK;
}

grpc::Status OrchestratorService::CreateSession(grpc::ServerContext* ctx, const v1::CreateSessionRequest* request,
                                                v1::Session* response) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  return Reply(core_->CreateSession(call, *request), response);
}

grpc::Status OrchestratorService::GetSession(grpc::ServerContext* ctx, const v1::GetSessionRequest* request,
                                             v1::GetSessionResponse* response) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  return Reply(core_->GetSession(call, *request), response);
}

grpc::Status OrchestratorService::ListSessions(grpc::ServerContext* ctx, const v1::ListSessionsRequest* request,
                                               v1::ListSessionsResponse* response) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  return Reply(core_->ListSessions(call, *request), response);
}

grpc::Status OrchestratorService::DeleteSession(grpc::ServerContext* ctx, const v1::DeleteSessionRequest* request,
                                                v1::DeleteSessionResponse*) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  return ToGrpcStatus(core_->DeleteSession(call, *request));
}

grpc::Status OrchestratorService::ExportSession(grpc::ServerContext* ctx, const v1::ExportSessionRequest* request,
                                                v1::ExportSessionResponse* response) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  return Reply(core_->ExportSession(call, *request), response);
}

grpc::Status OrchestratorService::PruneSessions(grpc::ServerContext* ctx, const v1::PruneSessionsRequest* request,
                                                v1::PruneSessionsResponse* response) {
  AGENTD_CONTEXT_OR_RETURN(call, ctx);
  return Reply(core_->PruneSessions(*request), response);
}

}  // namespace agentd
