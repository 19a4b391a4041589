#include "server/plugin_host/remote/serving_health.h"

namespace agentd {

grpc::Status ServingHealth::Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) {
  if (!request->service().empty()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
  response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
  return grpc::Status::OK;
}

}  // namespace agentd
