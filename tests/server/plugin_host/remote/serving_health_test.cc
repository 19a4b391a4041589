// ServingHealth answers grpc.health.v1 Check as gRPC's default service does
// for a server that is up: SERVING for "", NOT_FOUND for other services.
#include "server/plugin_host/remote/serving_health.h"

#include <memory>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

TEST(ServingHealthTest, ServingForTheServerNotFoundForOtherServices) {
  ServingHealth health;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&health);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext whole;
  ASSERT_TRUE(stub->Check(&whole, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  request.set_service("some.other.Service");
  grpc::ClientContext other;
  EXPECT_EQ(stub->Check(&other, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
  server->Shutdown();
}

}  // namespace
}  // namespace agentd
