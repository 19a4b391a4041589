#include "server/service/server.h"

#include <thread>

#include "grpc/grpc.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server_builder.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace agentd {
namespace {

// The RPCs of agentd.v1.Orchestrator, as metrics label them.
constexpr const char* kMethods[] = {"Review",        "StreamReview",  "Route",         "ListAgents",
                                    "CreateSession", "GetSession",    "ListSessions",  "DeleteSession",
                                    "ExportSession", "PruneSessions", "ReloadAgents"};

void RenderAgentStates(const std::vector<Orchestrator::AgentState>& states, std::string* out) {
  absl::StrAppend(out, "# HELP agentd_agent_in_flight Agent calls queued or running.\n",
                  "# TYPE agentd_agent_in_flight gauge\n");
  for (const auto& s : states) {
    absl::StrAppend(out, "agentd_agent_in_flight{agent=\"", LabelValue(s.agent), "\"} ", s.in_flight, "\n");
  }
  absl::StrAppend(out, "# HELP agentd_agent_stuck_calls Agent calls past their deadline still in the plugin.\n",
                  "# TYPE agentd_agent_stuck_calls gauge\n");
  for (const auto& s : states) {
    absl::StrAppend(out, "agentd_agent_stuck_calls{agent=\"", LabelValue(s.agent), "\"} ", s.stuck, "\n");
  }
  absl::StrAppend(out, "# HELP agentd_breaker_state Circuit breaker state per agent (1 for the current state).\n",
                  "# TYPE agentd_breaker_state gauge\n");
  for (const auto& s : states) {
    for (const char* state : {"closed", "open", "half_open"}) {
      absl::StrAppend(out, "agentd_breaker_state{agent=\"", LabelValue(s.agent), "\",state=\"", state, "\"} ",
                      s.breaker == state ? 1 : 0, "\n");
    }
  }
  absl::StrAppend(out, "# HELP agentd_breaker_opened_total Times each agent's circuit breaker opened.\n",
                  "# TYPE agentd_breaker_opened_total counter\n");
  for (const auto& s : states) {
    absl::StrAppend(out, "agentd_breaker_opened_total{agent=\"", LabelValue(s.agent), "\"} ", s.breaker_opened,
                    "\n");
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<AgentdServer>> AgentdServer::Start(ServerConfig config) {
  std::unique_ptr<AgentdServer> server(new AgentdServer());
  ASSIGN_OR_RETURN(server->auth_, Authenticator::Create(config.auth));
  std::string warning;
  RETURN_IF_ERROR(CheckListenSecurity(config.listen, server->auth_->required(), !config.tls.cert_file.empty(),
                                      config.allow_insecure_remote, &warning));
  if (!warning.empty()) spdlog::warn("{}", warning);
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, MakeServerCredentials(config.tls));
  Telemetry telemetry;
  if (!config.metrics_listen.empty()) {
    server->metrics_ = std::make_unique<Metrics>(std::vector<std::string>(std::begin(kMethods), std::end(kMethods)));
    config.orchestrator.metrics = server->metrics_.get();
    telemetry.metrics = server->metrics_.get();
  }
  if (!config.access_log.empty()) {
    ASSIGN_OR_RETURN(server->access_log_, AccessLog::Open(config.access_log));
    telemetry.access_log = server->access_log_.get();
  }
  ASSIGN_OR_RETURN(server->core_, Orchestrator::Create(config.orchestrator));
  server->service_ = std::make_unique<OrchestratorService>(server->core_.get(), server->auth_.get(), config.request_threads,
                                                         config.admission, telemetry);
  if (server->metrics_ != nullptr) {
    std::vector<std::string> agents;
    for (const Orchestrator::AgentState& state : server->core_->AgentStates()) agents.push_back(state.agent);
    server->metrics_->SetAgents(std::move(agents));
    server->AddCollectors();
    ASSIGN_OR_RETURN(server->metrics_server_, MetricsServer::Start(config.metrics_listen, server->metrics_.get()));
  }

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
  // Health follows the store: NOT_SERVING while it cannot write.
  AgentdServer* self = server.get();
  server->core_->SetStoreHealthListener([self](bool writable) {
    absl::MutexLock lock(&self->health_mu_);
    if (!self->shutting_down_) self->server_->GetHealthCheckService()->SetServingStatus(writable);
  });
  server->server_->GetHealthCheckService()->SetServingStatus(server->core_->store_writable());
  return server;
}

std::string AgentdServer::metrics_address() const {
  return metrics_server_ != nullptr ? metrics_server_->address() : "";
}

void AgentdServer::AddCollectors() {
  const Admission* admission = &service_->admission();
  metrics_->AddCollector([admission](std::string* out) {
    absl::StrAppend(out,
                    "# HELP agentd_calls_in_flight Calls running: on a request thread, or a unary review "
                    "whose agents run.\n",
                    "# TYPE agentd_calls_in_flight gauge\nagentd_calls_in_flight ", admission->running(), "\n",
                    "# HELP agentd_calls_queued Calls admitted and waiting for a request thread.\n",
                    "# TYPE agentd_calls_queued gauge\nagentd_calls_queued ", admission->queued(), "\n",
                    "# HELP agentd_calls_shed_total Calls refused by admission (RESOURCE_EXHAUSTED).\n",
                    "# TYPE agentd_calls_shed_total counter\nagentd_calls_shed_total ", admission->shed(), "\n");
  });
  const Orchestrator* core = core_.get();
  metrics_->AddCollector([core](std::string* out) { RenderAgentStates(core->AgentStates(), out); });
  if (access_log_ != nullptr) {
    const AccessLog* log = access_log_.get();
    metrics_->AddCollector([log](std::string* out) {
      absl::StrAppend(out, "# HELP agentd_access_log_dropped_total Access log lines dropped: the writer fell behind.\n",
                      "# TYPE agentd_access_log_dropped_total counter\nagentd_access_log_dropped_total ",
                      log->dropped(), "\n");
    });
  }
}

AgentdServer::~AgentdServer() {
  if (core_ != nullptr) core_->SetStoreHealthListener(nullptr);  // it reaches into this object
  if (server_ != nullptr) Shutdown(absl::Seconds(5));
}

void AgentdServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  {
    absl::MutexLock lock(&health_mu_);
    shutting_down_ = true;
    server_->GetHealthCheckService()->SetServingStatus(false);
  }
  const absl::Time deadline = absl::Now() + grace;
  service_->calls().StopAccepting();
  spdlog::info("new calls refused; waiting for {} running call(s)", service_->calls().in_flight());
  // gRPC's Shutdown sends every connection a GOAWAY and a ping, and returns
  // when the calls are over and each client has answered the ping, or at the
  // deadline. A client that does not read its socket between calls (grpcio
  // does not) answers only when it next calls: its idle connection would
  // hold the stop for the whole grace. So once no call is left, the
  // connections are closed.
  std::thread graceful([this, deadline] { server_->Shutdown(absl::ToChronoTime(deadline)); });
  if (service_->calls().WaitIdle(deadline)) grpc_server_cancel_all_calls(server_->c_server());
  graceful.join();
  server_->Wait();
  server_.reset();
}

void AgentdServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace agentd
