// agentd.v1.Orchestrator over gRPC: translate, authorize, call the core,
// and map absl::Status to grpc::Status — here, once, and nowhere else.
//
// The service uses gRPC's callback API. Calls that only compute (Route,
// ListAgents) answer on gRPC's thread; calls that wait (a review waits for
// its agents and its durable write; session calls wait for SQLite) run on a
// fixed pool of request threads. The pool bounds the server's concurrency:
// past it, calls queue. Admission (admission.h) bounds the queue: a call
// that would make more than max_calls queued or running, in the server or
// for its principal, is refused at once with RESOURCE_EXHAUSTED and a retry
// hint (`grpc-retry-pushback-ms` trailing metadata).
#ifndef AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_
#define AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_

#include <string>

#include "absl/status/status.h"
#include "agentd/v1/orchestrator.grpc.pb.h"
#include "server/auth/authenticator.h"
#include "common/thread_pool.h"
#include "server/core/orchestrator.h"
#include "server/service/admission.h"
#include "server/service/call_tracker.h"
#include "server/service/client_errors.h"
#include "server/service/call_record.h"
#include "server/service/message_pool.h"

namespace agentd {

// ToGrpcStatus (client_errors.h), adding an overload answer's retry hint to `ctx`'s trailing metadata.
grpc::Status ToGrpcStatus(const absl::Status& status, grpc::ServerContextBase* ctx);

// Limits on calls queued or running (admission.h).
struct AdmissionLimits {
  int max_calls = 1024;
  int max_calls_per_principal = 0;  // 0 = max_calls
};

// Review and StreamReview are raw methods: a review's ~37 KB reply (or
// last event) is encoded on the request thread right after the merge
// (EncodedReply, review_edge.h; StreamReview's events as they are queued),
// and freed there, not by gRPC when the call finishes or the event is
// written; the bytes are the same.
class OrchestratorService final
    : public v1::Orchestrator::WithRawCallbackMethod_Review<
          v1::Orchestrator::WithRawCallbackMethod_StreamReview<v1::Orchestrator::CallbackService>> {
 public:
  // `auth` decides every call's principal (it outlives the service).
  // `request_threads`: how many waiting calls run at once.
  // `telemetry`: where calls are recorded (metrics, access log); its
  // pointers must outlive the service.
  OrchestratorService(Orchestrator* core, const Authenticator* auth, int request_threads, AdmissionLimits limits = {},
                      Telemetry telemetry = {})
      : core_(core),
        auth_(auth),
        admission_(limits.max_calls, limits.max_calls_per_principal),
        telemetry_(telemetry),
        pool_(request_threads, "request") {
    SetMessageAllocatorFor_Route(&route_messages_);
  }

  // A v1::ReviewRequest in, a v1::ReviewResponse out, as their bytes.
  grpc::ServerUnaryReactor* Review(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  // A v1::ReviewRequest in, v1::ReviewEvent's out, as their bytes.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamReview(grpc::CallbackServerContext* ctx,
                                                          const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* Route(grpc::CallbackServerContext* ctx, const v1::RouteRequest* request,
                                  v1::RouteDecision* response) override;
  grpc::ServerUnaryReactor* ListAgents(grpc::CallbackServerContext* ctx, const v1::ListAgentsRequest* request,
                                       v1::ListAgentsResponse* response) override;
  grpc::ServerUnaryReactor* CreateSession(grpc::CallbackServerContext* ctx,
                                          const v1::CreateSessionRequest* request, v1::Session* response) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* ctx, const v1::GetSessionRequest* request,
                                       v1::GetSessionResponse* response) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* ctx, const v1::ListSessionsRequest* request,
                                         v1::ListSessionsResponse* response) override;
  grpc::ServerUnaryReactor* DeleteSession(grpc::CallbackServerContext* ctx,
                                          const v1::DeleteSessionRequest* request,
                                          v1::DeleteSessionResponse* response) override;
  grpc::ServerUnaryReactor* ExportSession(grpc::CallbackServerContext* ctx,
                                          const v1::ExportSessionRequest* request,
                                          v1::ExportSessionResponse* response) override;
  grpc::ServerUnaryReactor* PruneSessions(grpc::CallbackServerContext* ctx,
                                          const v1::PruneSessionsRequest* request,
                                          v1::PruneSessionsResponse* response) override;
  grpc::ServerUnaryReactor* ReloadAgents(grpc::CallbackServerContext* ctx, const v1::ReloadAgentsRequest* request,
                                         v1::ReloadAgentsResponse* response) override;

  // Calls queued, running and shed (for metrics).
  const Admission& admission() const { return admission_; }
  // Every call from gRPC's hand-over to its OnDone; shutdown waits on it.
  CallTracker& calls() { return calls_; }

 private:
  // The caller's principal and deadline, or UNAUTHENTICATED.
  absl::StatusOr<CallContext> Context(grpc::CallbackServerContext* ctx) const;
  // A call let in: its context and its place in the admission limits.
  struct Admitted {
    CallContext call;
    std::shared_ptr<Admission::Ticket> ticket;
  };
  // Context(), then a place for the call, or the status to finish it with.
  // The principal and trace go into `record` and the call's context.
  absl::StatusOr<Admitted> Admit(grpc::CallbackServerContext* ctx, CallRecord* record);
  // Runs `work(call)` on the request pool and finishes the call with its
  // status; `method` and `session` are for the call's record.
  template <typename Work>
  grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* ctx, std::string_view method, std::string session,
                                   Work work);
  // Runs `work(call)` on gRPC's thread: for calls that never wait.
  template <typename Work>
  grpc::ServerUnaryReactor* Now(grpc::CallbackServerContext* ctx, std::string_view method, Work work);

  Orchestrator* core_;
  const Authenticator* auth_;
  Admission admission_;
  CallTracker calls_;
  const Telemetry telemetry_;
  // Route is the hot dry-run call: its answers are rebuilt in reused messages.
  MessagePool<v1::RouteRequest, v1::RouteDecision> route_messages_;
  ThreadPool pool_;  // last member: joined first, while core_ and auth_ are alive
};

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_
