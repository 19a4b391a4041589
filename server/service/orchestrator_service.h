// agentd.v1.Orchestrator over gRPC: translate, authorize, call the core,
// and map absl::Status to grpc::Status — here, once, and nowhere else.
#ifndef AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_
#define AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_

#include <string>

#include "absl/status/status.h"
#include "agentd/v1/orchestrator.grpc.pb.h"
#include "server/core/orchestrator.h"

namespace agentd {

grpc::Status ToGrpcStatus(const absl::Status& status);

class OrchestratorService final : public v1::Orchestrator::Service {
 public:
  // `token`: when non-empty, every call must carry "authorization: Bearer <token>".
  OrchestratorService(Orchestrator* core, std::string token) : core_(core), token_(std::move(token)) {}

  grpc::Status Review(grpc::ServerContext* ctx, const v1::ReviewRequest* request,
                      v1::ReviewResponse* response) override;
  grpc::Status StreamReview(grpc::ServerContext* ctx, const v1::ReviewRequest* request,
                            grpc::ServerWriter<v1::ReviewEvent>* writer) override;
  grpc::Status Route(grpc::ServerContext* ctx, const v1::RouteRequest* request,
                     v1::RouteDecision* response) override;
  grpc::Status ListAgents(grpc::ServerContext* ctx, const v1::ListAgentsRequest* request,
                          v1::ListAgentsResponse* response) override;
  grpc::Status CreateSession(grpc::ServerContext* ctx, const v1::CreateSessionRequest* request,
                             v1::Session* response) override;
  grpc::Status GetSession(grpc::ServerContext* ctx, const v1::GetSessionRequest* request,
                          v1::GetSessionResponse* response) override;
  grpc::Status ListSessions(grpc::ServerContext* ctx, const v1::ListSessionsRequest* request,
                            v1::ListSessionsResponse* response) override;
  grpc::Status DeleteSession(grpc::ServerContext* ctx, const v1::DeleteSessionRequest* request,
                             v1::DeleteSessionResponse* response) override;
  grpc::Status ExportSession(grpc::ServerContext* ctx, const v1::ExportSessionRequest* request,
                             v1::ExportSessionResponse* response) override;
  grpc::Status PruneSessions(grpc::ServerContext* ctx, const v1::PruneSessionsRequest* request,
                             v1::PruneSessionsResponse* response) override;

 private:
  // The caller's principal and deadline, or UNAUTHENTICATED.
  absl::StatusOr<CallContext> Context(grpc::ServerContext* ctx) const;

  Orchestrator* core_;
  std::string token_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_ORCHESTRATOR_SERVICE_H_
