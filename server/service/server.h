// The agentd server: the Orchestrator service, grpc.health.v1 and server
// reflection on one listening address, plaintext or TLS. Start() returns
// once the port is bound and health says SERVING; it refuses to listen
// beyond loopback without authentication (listen_security.h).
#ifndef AGENTD_SERVER_SERVICE_SERVER_H_
#define AGENTD_SERVER_SERVICE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/auth/authenticator.h"
#include "server/core/orchestrator.h"
#include "server/service/listen_security.h"
#include "server/observability/access_log.h"
#include "server/observability/metrics.h"
#include "server/observability/metrics_server.h"
#include "server/service/orchestrator_service.h"

namespace agentd {

struct ServerConfig {
  std::string listen = "127.0.0.1:50051";   // port 0 picks a free port
  AuthConfig auth;                           // who may call (server/auth/authenticator.h)
  TlsConfig tls;                             // plaintext unless tls.cert_file is set
  // Serve beyond loopback with no authentication (logged as a warning);
  // without it Start() refuses.
  bool allow_insecure_remote = false;
  int max_message_bytes = 4 * 1024 * 1024;
  // Threads for calls that do more than compute an answer: reviews (route,
  // agents, merge) and session calls. A review gives its thread back when
  // its turn is queued for the store; the writer finishes the call after the
  // COMMIT, so a few threads keep group commits full.
  int request_threads = 16;
  AdmissionLimits admission;
  // "HOST:PORT" to serve Prometheus text at /metrics on; empty = off.
  std::string metrics_listen;
  // Access log: a file, "-" for standard output; empty = off.
  std::string access_log;
  OrchestratorConfig orchestrator;
};

class AgentdServer {
 public:
  static absl::StatusOr<std::unique_ptr<AgentdServer>> Start(ServerConfig config);
  ~AgentdServer();

  // "127.0.0.1:<port>" actually bound.
  const std::string& address() const { return address_; }
  // The metrics endpoint's "HOST:PORT" actually bound; empty when off.
  std::string metrics_address() const;
  Orchestrator& core() { return *core_; }
  // Re-reads the tokens file (SIGHUP). On error the old table stays in use
  // and the error says why.
  absl::Status ReloadAuth() { return auth_->Reload(); }
  size_t token_count() const { return auth_->token_count(); }
  // Stops accepting calls (new ones get UNAVAILABLE), lets running ones
  // finish until `grace` passes, and returns as soon as they have: idle
  // connections do not hold it.
  void Shutdown(absl::Duration grace);
  void Wait();

 private:
  AgentdServer() = default;
  // Gauges read at scrape time: admission, agents' guards, the access log.
  void AddCollectors();
  // Recording first: the core and the service use them until they go.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<Orchestrator> core_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<OrchestratorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsServer> metrics_server_;  // reads all of the above: stopped first
  absl::Mutex health_mu_;  // guards serving_ against Shutdown
  bool shutting_down_ ABSL_GUARDED_BY(health_mu_) = false;
  std::string address_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_SERVER_H_
