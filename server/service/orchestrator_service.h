// agentd.v1.Orchestrator over gRPC: translate, authorize, call the core,
// and map absl::Status to grpc::Status — here, once, and nowhere else.
//
// The service uses gRPC's callback API. Calls that only compute (Route,
// ListAgents) answer on gRPC's thread; calls that wait (a review waits for
// its agents and its durable write; session calls wait for SQLite) run on a
// fixed pool of request threads. The pool bounds the server's concurrency:
// past it, calls queue (until their deadline) instead of spawning threads
// or being refused.
#ifndef AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_
#define AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_

#include <string>

#include "absl/status/status.h"
#include "agentd/v1/orchestrator.grpc.pb.h"
#include "server/common/thread_pool.h"
#include "server/core/orchestrator.h"
#include "server/service/message_pool.h"

namespace agentd {

grpc::Status ToGrpcStatus(const absl::Status& status);

class OrchestratorService final : public v1::Orchestrator::CallbackService {
 public:
  // `token`: when non-empty, every call must carry "authorization: Bearer <token>".
  // `request_threads`: how many waiting calls run at once.
  OrchestratorService(Orchestrator* core, std::string token, int request_threads)
      : core_(core), token_(std::move(token)), pool_(request_threads) {
    SetMessageAllocatorFor_Route(&route_messages_);
  }

  grpc::ServerUnaryReactor* Review(grpc::CallbackServerContext* ctx, const v1::ReviewRequest* request,
                                   v1::ReviewResponse* response) override;
  grpc::ServerWriteReactor<v1::ReviewEvent>* StreamReview(grpc::CallbackServerContext* ctx,
                                                         const v1::ReviewRequest* request) override;
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

 private:
  // The caller's principal and deadline, or UNAUTHENTICATED.
  absl::StatusOr<CallContext> Context(grpc::CallbackServerContext* ctx) const;
  // Runs `work(call)` on the request pool and finishes the call with its status.
  template <typename Work>
  grpc::ServerUnaryReactor* OnPool(grpc::CallbackServerContext* ctx, Work work);
  // Runs `work(call)` on gRPC's thread: for calls that never wait.
  template <typename Work>
  grpc::ServerUnaryReactor* Now(grpc::CallbackServerContext* ctx, Work work);

  Orchestrator* core_;
  std::string token_;
  // Route is the hot dry-run call: its answers are rebuilt in reused messages.
  MessagePool<v1::RouteRequest, v1::RouteDecision> route_messages_;
  ThreadPool pool_;  // last member: joined first, while core_ and token_ are alive
};

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_
