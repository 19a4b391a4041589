#include "server/service/orchestrator_service.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/overload.h"
#include "common/status_macros.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "server/service/review_edge.h"
#include "spdlog/spdlog.h"

namespace agentd {
namespace {

absl::Time ToAbslTime(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(t);
}

// Copies an OK result into the response, or maps its error.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

// A raw method's request (Review, StreamReview); nullptr when the bytes are
// not a ReviewRequest.
std::shared_ptr<v1::ReviewRequest> ParseReviewRequest(const grpc::ByteBuffer& bytes) {
  auto request = std::make_shared<v1::ReviewRequest>();
  grpc::ByteBuffer copy(bytes);  // shares the slices; Deserialize empties it
  if (!grpc::SerializationTraits<v1::ReviewRequest>::Deserialize(&copy, request.get()).ok()) return nullptr;
  return request;
}

// A call that arrives while the server stops.
grpc::Status ShuttingDown() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "agentd is shutting down: retry on another server or once it is back");
}

grpc::Status NotAReviewRequest() {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "request: not an agentd.v1.ReviewRequest");
}

// StreamReview: the review runs on a request thread and reports progress
// here; events are serialized as they come (on the request thread), written
// one at a time (gRPC allows one write in flight), queued in between, and
// the stream finishes after the last one.
//
// Lifetime: two owners, the request thread and gRPC (until OnDone); the
// last to let go deletes the reactor.
class StreamReviewReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>, public ReviewObserver {
 public:
  StreamReviewReactor(grpc::CallbackServerContext* ctx, const Telemetry& telemetry, CallTracker* calls)
      : ctx_(ctx), calls_(calls), accepted_(calls->Start()), record_(telemetry, ctx, "StreamReview") {}

  // False when the call arrived while the server stops (CallTracker::Start).
  bool accepted() const { return accepted_; }

  CallRecord* record() { return &record_; }

  // Runs the review on the calling (request) thread.
  void Run(Orchestrator* core, CallContext call, const v1::ReviewRequest& request) {
    auto caller_cancelled = call.cancelled;
    call.cancelled = [this, caller_cancelled] {
      return cancelled_.load() || (caller_cancelled && caller_cancelled());
    };
    absl::StatusOr<v1::ReviewResponse> result = core->Review(call, request, this);
    grpc::ByteBuffer last;
    if (result.ok()) {
      {
        absl::MutexLock lock(&mu_);
        record_.set_review(*result);
      }
      v1::ReviewEvent event;
      *event.mutable_review() = *std::move(result);
      last = Encode(event);
    }  // the review is freed here, on the thread that merged it
    {
      absl::MutexLock lock(&mu_);
      if (result.ok()) Enqueue(std::move(last));
      final_status_ = result.ok() ? grpc::Status::OK : ToGrpcStatus(result.status(), ctx_);
      work_done_ = true;
      MaybeFinish();
    }
    Unref();
  }

  void OnRouted(const v1::RouteDecision& decision) override {
    v1::ReviewEvent event;
    *event.mutable_routed() = decision;
    Send(event);
  }
  void OnAgentStarted(const std::string& agent) override {
    v1::ReviewEvent event;
    event.mutable_agent_started()->set_agent(agent);
    Send(event);
  }
  void OnAgentProgress(const std::string& agent, const std::string& text) override {
    v1::ReviewEvent event;
    v1::AgentProgress* progress = event.mutable_agent_progress();
    progress->set_agent(agent);
    progress->set_text(text);
    Send(event);
  }
  void OnAgentFinished(const AgentOutcome& outcome) override {
    v1::ReviewEvent event;
    v1::AgentFinished* finished = event.mutable_agent_finished();
    finished->set_agent(outcome.run.agent());
    *finished->mutable_run() = outcome.run;
    if (outcome.response.has_value()) *finished->mutable_output() = *outcome.response;
    Send(event);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    pending_.pop_front();
    if (!ok) {  // the caller went away: stop the agents, drop the rest
      cancelled_ = true;
      pending_.clear();
    }
    WriteNext();
    MaybeFinish();
  }
  void OnCancel() override { cancelled_ = true; }
  void OnDone() override {
    calls_->Done();
    Unref();
  }

  // Called once, when the reactor is returned to gRPC: fails the call early.
  void FinishNow(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      finished_ = true;
    }
    record_.Finish(status);
    Finish(status);
    Unref();  // no request thread will run
  }

 private:
  // `event` as gRPC would send it, serialized by the calling thread.
  static grpc::ByteBuffer Encode(const v1::ReviewEvent& event) {
    grpc::ByteBuffer bytes;
    bool own_buffer;
    grpc::SerializationTraits<v1::ReviewEvent>::Serialize(event, &bytes, &own_buffer).IgnoreError();
    return bytes;
  }
  void Send(const v1::ReviewEvent& event) {
    if (cancelled_) return;
    grpc::ByteBuffer bytes = Encode(event);
    absl::MutexLock lock(&mu_);
    Enqueue(std::move(bytes));
  }
  void Enqueue(grpc::ByteBuffer event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (cancelled_) return;
    pending_.push_back(std::move(event));
    WriteNext();
  }
  void WriteNext() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || pending_.empty()) return;
    writing_ = true;
    StartWrite(&pending_.front());
  }
  void MaybeFinish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || !work_done_ || writing_ || !pending_.empty()) return;
    finished_ = true;
    grpc::Status status = cancelled_ && final_status_.ok()
                              ? grpc::Status(grpc::StatusCode::CANCELLED, "the caller cancelled")
                              : final_status_;
    record_.Finish(status);
    Finish(status);
  }
  void Unref() {
    if (refs_.fetch_sub(1) == 1) delete this;
  }

  grpc::CallbackServerContext* const ctx_;
  CallTracker* const calls_;
  const bool accepted_;
  CallRecord record_;  // finished with the stream, under mu_
  absl::Mutex mu_;
  std::deque<grpc::ByteBuffer> pending_ ABSL_GUARDED_BY(mu_);  // front is being written when writing_
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool work_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> cancelled_{false};
  std::atomic<int> refs_{2};
};

}  // namespace

// Records the call, then finishes it: a call is logged before its caller
// can see the reply.
void FinishCall(grpc::ServerUnaryReactor* reactor, CallRecord* record, const grpc::Status& status) {
  record->Finish(status);
  reactor->Finish(status);
}

grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContextBase* ctx) {
  std::optional<int64_t> retry_after_ms = RetryAfterMs(status);
  if (retry_after_ms.has_value()) ctx->AddTrailingMetadata("grpc-retry-pushback-ms", absl::StrCat(*retry_after_ms));
  return ToGrpcStatus(status);
}

absl::StatusOr<OrchestratorService::Admitted> OrchestratorService::Admit(grpc::CallbackServerContext* ctx,
                                                                        CallRecord* record) {
  Admitted admitted;
  ASSIGN_OR_RETURN(admitted.call, Context(ctx));
  record->set_principal(admitted.call.principal);
  admitted.call.traceparent = record->trace().traceparent();
  ASSIGN_OR_RETURN(admitted.ticket, admission_.Admit(admitted.call.principal));
  return admitted;
}

absl::StatusOr<CallContext> OrchestratorService::Context(grpc::CallbackServerContext* ctx) const {
  std::optional<std::string_view> authorization;
  auto it = ctx->client_metadata().find("authorization");
  if (it != ctx->client_metadata().end()) authorization.emplace(it->second.data(), it->second.size());
  std::string certificate_cn;
  if (std::shared_ptr<const grpc::AuthContext> peer = ctx->auth_context();
      peer != nullptr && peer->IsPeerAuthenticated()) {
    std::vector<grpc::string_ref> cn = peer->FindPropertyValues("x509_common_name");
    if (!cn.empty()) certificate_cn.assign(cn.front().data(), cn.front().size());
  }
  absl::StatusOr<Principal> principal = auth_->Authenticate(authorization, certificate_cn);
  if (!principal.ok()) return principal.status();
  CallContext call;
  call.principal = std::move(principal->name);
  call.admin = principal->admin;
  call.deadline = ToAbslTime(ctx->deadline());
  call.cancelled = [ctx] { return ctx->IsCancelled(); };
  return call;
}

template <typename Work>
grpc::ServerUnaryReactor* OrchestratorService::OnPool(grpc::CallbackServerContext* ctx, std::string_view method,
                                                      std::string session, Work work) {
  auto* reactor = new TrackedUnaryReactor(&calls_);
  auto record = std::make_shared<CallRecord>(telemetry_, ctx, method);
  record->set_session(std::move(session));
  if (!reactor->accepted()) {
    FinishCall(reactor, record.get(), ShuttingDown());
    return reactor;
  }
  absl::StatusOr<Admitted> admitted = Admit(ctx, record.get());
  if (!admitted.ok()) {
    FinishCall(reactor, record.get(), ToGrpcStatus(admitted.status(), ctx));
    return reactor;
  }
  pool_.Submit([reactor, record, admitted = *std::move(admitted), work = std::move(work)]() mutable {
    admitted.ticket->Running();
    grpc::Status status = work(admitted.call);
    admitted.ticket.reset();
    FinishCall(reactor, record.get(), status);
  });
  return reactor;
}

template <typename Work>
grpc::ServerUnaryReactor* OrchestratorService::Now(grpc::CallbackServerContext* ctx, std::string_view method,
                                                   Work work) {
  auto* reactor = new TrackedUnaryReactor(&calls_);
  CallRecord record(telemetry_, ctx, method);
  if (!reactor->accepted()) {
    FinishCall(reactor, &record, ShuttingDown());
    return reactor;
  }
  absl::StatusOr<CallContext> call = Context(ctx);
  if (call.ok()) record.set_principal(call->principal);
  FinishCall(reactor, &record, call.ok() ? work(*call) : ToGrpcStatus(call.status()));
  return reactor;
}

grpc::ServerUnaryReactor* OrchestratorService::Review(grpc::CallbackServerContext* ctx,
                                                      const grpc::ByteBuffer* request_bytes,
                                                      grpc::ByteBuffer* response) {
  // The request thread routes and starts the agents, then moves on; the
  // thread that ends the agents merges, encodes the reply and queues the
  // turn; the store's writer finishes the call after the COMMIT. No thread
  // waits for the agents or on the fsync, so a few request threads keep the
  // group commits full.
  auto* reactor = new TrackedUnaryReactor(&calls_);
  auto record = std::make_shared<CallRecord>(telemetry_, ctx, "Review");
  if (!reactor->accepted()) {
    FinishCall(reactor, record.get(), ShuttingDown());
    return reactor;
  }
  std::shared_ptr<v1::ReviewRequest> request = ParseReviewRequest(*request_bytes);
  if (request == nullptr) {
    FinishCall(reactor, record.get(), NotAReviewRequest());
    return reactor;
  }
  absl::StatusOr<Admitted> admitted = Admit(ctx, record.get());
  if (!admitted.ok()) {
    FinishCall(reactor, record.get(), ToGrpcStatus(admitted.status(), ctx));
    return reactor;
  }
  auto reply = std::make_shared<EncodedReply>();
  admitted->call.finish_reply = [record, reply](v1::ReviewResponse* response) {
    record->set_review(*response);
    reply->Take(response);
  };
  pool_.Submit([this, ctx, reactor, request, response, record, reply, admitted = *std::move(admitted)] {
    admitted.ticket->Running();
    // The ticket is held until the turn is committed: a call waiting for
    // its write still counts against the limits.
    core_->ReviewAsync(admitted.call, *request, nullptr,
                       [ctx, reactor, response, record, reply, ticket = admitted.ticket](
                           absl::StatusOr<v1::ReviewResponse> result) mutable {
                         ticket.reset();  // before Finish: the service may go once the call is done
                         if (!result.ok()) {
                           FinishCall(reactor, record.get(), ToGrpcStatus(result.status(), ctx));
                           return;
                         }
                         record->set_turn(result->turn());
                         FinishCall(reactor, record.get(), reply->Join(*result, response));
                       });
  });
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* OrchestratorService::StreamReview(grpc::CallbackServerContext* ctx,
                                                                             const grpc::ByteBuffer* request_bytes) {
  auto* reactor = new StreamReviewReactor(ctx, telemetry_, &calls_);
  if (!reactor->accepted()) {
    reactor->FinishNow(ShuttingDown());
    return reactor;
  }
  std::shared_ptr<v1::ReviewRequest> request = ParseReviewRequest(*request_bytes);
  if (request == nullptr) {
    reactor->FinishNow(NotAReviewRequest());
    return reactor;
  }
  absl::StatusOr<Admitted> admitted = Admit(ctx, reactor->record());
  if (!admitted.ok()) {
    reactor->FinishNow(ToGrpcStatus(admitted.status(), ctx));
    return reactor;
  }
  admitted->call.finish_reply = [](v1::ReviewResponse* reply) { RenderReview(reply->mutable_review()); };
  pool_.Submit([this, reactor, request, admitted = *std::move(admitted)] {
    admitted.ticket->Running();
    reactor->Run(core_, admitted.call, *request);
  });
  return reactor;
}

grpc::ServerUnaryReactor* OrchestratorService::Route(grpc::CallbackServerContext* ctx,
                                                     const v1::RouteRequest* request,
                                                     v1::RouteDecision* response) {
  return Now(ctx, "Route", [this, request, response](const CallContext&) {
    return ToGrpcStatus(core_->RouteInto(*request, response));
  });
}

grpc::ServerUnaryReactor* OrchestratorService::ListAgents(grpc::CallbackServerContext* ctx,
                                                          const v1::ListAgentsRequest* request,
                                                          v1::ListAgentsResponse* response) {
  return Now(ctx, "ListAgents", [this, request, response](const CallContext& call) {
    *response = core_->ListAgents(*request);
    // Where the server keeps its files is for operators (admin), not callers.
    if (!call.admin) {
      for (v1::AgentCard& card : *response->mutable_agents()) {
        card.clear_source_path();
        if (!card.unavailable_reason().empty()) card.set_unavailable_reason(ClientMessage(card.unavailable_reason()));
      }
    }
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* OrchestratorService::CreateSession(grpc::CallbackServerContext* ctx,
                                                             const v1::CreateSessionRequest* request,
                                                             v1::Session* response) {
  return OnPool(ctx, "CreateSession", "", [this, request, response](const CallContext& call) {
    return Reply(core_->CreateSession(call, *request), response);
  });
}

grpc::ServerUnaryReactor* OrchestratorService::GetSession(grpc::CallbackServerContext* ctx,
                                                          const v1::GetSessionRequest* request,
                                                          v1::GetSessionResponse* response) {
  return OnPool(ctx, "GetSession", request->session_id(), [this, request, response](const CallContext& call) {
    absl::StatusOr<v1::GetSessionResponse> session = core_->GetSession(call, *request);
    if (session.ok()) RenderTurns(&*session);
    return Reply(std::move(session), response);
  });
}

grpc::ServerUnaryReactor* OrchestratorService::ListSessions(grpc::CallbackServerContext* ctx,
                                                            const v1::ListSessionsRequest* request,
                                                            v1::ListSessionsResponse* response) {
  return OnPool(ctx, "ListSessions", "", [this, request, response](const CallContext& call) {
    return Reply(core_->ListSessions(call, *request), response);
  });
}

grpc::ServerUnaryReactor* OrchestratorService::DeleteSession(grpc::CallbackServerContext* ctx,
                                                             const v1::DeleteSessionRequest* request,
                                                             v1::DeleteSessionResponse*) {
  return OnPool(ctx, "DeleteSession", request->session_id(), [this, request](const CallContext& call) {
    return ToGrpcStatus(core_->DeleteSession(call, *request));
  });
}

grpc::ServerUnaryReactor* OrchestratorService::ExportSession(grpc::CallbackServerContext* ctx,
                                                             const v1::ExportSessionRequest* request,
                                                             v1::ExportSessionResponse* response) {
  return OnPool(ctx, "ExportSession", request->session_id(), [this, request, response](const CallContext& call) {
    absl::StatusOr<v1::GetSessionResponse> session = core_->ExportSession(call, *request);
    if (!session.ok()) return Reply(absl::StatusOr<v1::ExportSessionResponse>(session.status()), response);
    return Reply(FormatExport(*std::move(session), request->format()), response);
  });
}

grpc::ServerUnaryReactor* OrchestratorService::PruneSessions(grpc::CallbackServerContext* ctx,
                                                             const v1::PruneSessionsRequest* request,
                                                             v1::PruneSessionsResponse* response) {
  return OnPool(ctx, "PruneSessions", "", [this, request, response](const CallContext& call) {
    if (!call.admin) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "PruneSessions is an admin call; this principal is not an admin");
    }
    return Reply(core_->PruneSessions(*request), response);
  });
}

grpc::ServerUnaryReactor* OrchestratorService::ReloadAgents(grpc::CallbackServerContext* ctx,
                                                            const v1::ReloadAgentsRequest*,
                                                            v1::ReloadAgentsResponse* response) {
  return OnPool(ctx, "ReloadAgents", "", [this, response](const CallContext& call) {
    // It changes what every caller is served, and its report names the
    // server's files: for operators only.
    if (!call.admin) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "ReloadAgents is an admin call; this principal is not an admin");
    }
    return Reply(core_->ReloadAgents(), response);
  });
}

}  // namespace agentd
