#include "server/service/server.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server_builder.h"
#include "server/common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd {

absl::StatusOr<std::unique_ptr<AgentdServer>> AgentdServer::Start(ServerConfig config) {
  std::unique_ptr<AgentdServer> server(new AgentdServer());
  ASSIGN_OR_RETURN(server->auth_, Authenticator::Create(config.auth));
  std::string warning;
  RETURN_IF_ERROR(CheckListenSecurity(config.listen, server->auth_->required(), !config.tls.cert_file.empty(),
                                      config.allow_insecure_remote, &warning));
  if (!warning.empty()) spdlog::warn("{}", warning);
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, MakeServerCredentials(config.tls));
  ASSIGN_OR_RETURN(server->core_, Orchestrator::Create(config.orchestrator));
  server->service_ = std::make_unique<OrchestratorService>(server->core_.get(), server->auth_.get(), config.request_threads,
                                                         config.admission);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, credentials, &port);
  builder.RegisterService(server->service_.get());
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen,
                                               config.tls.cert_file.empty()
                                                   ? " (address in use, or not a valid host:port?)"
                                                   : " (address in use, or the TLS key does not match the certificate?)"));
  }
  std::string host = config.listen.substr(0, config.listen.rfind(':'));
  server->address_ = absl::StrCat(host, ":", port);
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

AgentdServer::~AgentdServer() {
  if (server_ != nullptr) Shutdown(absl::Seconds(5));
}

void AgentdServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  server_.reset();
}

void AgentdServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace agentd
