// ServingHealth: grpc.health.v1.Health answering SERVING for the whole
// server (service "") and NOT_FOUND for any other service name, as gRPC's
// default health service does for a server that never changes its status.
// Check only: Watch answers UNIMPLEMENTED. PluginServer answers its health
// checks with Check; as a service it suits any synchronous server (gRPC's
// default health service is callback-based, and its polling thread takes
// part in every call's I/O). Stateless and thread-safe.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_SERVING_HEALTH_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_SERVING_HEALTH_H_

#include "grpc/health/v1/health.grpc.pb.h"

namespace agentd {

class ServingHealth final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_SERVING_HEALTH_H_
