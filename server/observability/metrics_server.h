// Serves Metrics as Prometheus text at GET /metrics over HTTP
// (cpp-httplib), on its own thread, apart from the gRPC port.
#ifndef AGENTD_SERVER_OBSERVABILITY_METRICS_SERVER_H_
#define AGENTD_SERVER_OBSERVABILITY_METRICS_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/observability/metrics.h"

namespace httplib {
class Server;
}

namespace agentd {

class MetricsServer {
 public:
  // Listens on `listen` ("HOST:PORT"; port 0 picks a free one). `metrics`
  // must outlive the server.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& listen, const Metrics* metrics);
  ~MetricsServer();  // stops serving and joins the thread

  // "HOST:PORT" actually bound.
  const std::string& address() const { return address_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::string address_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_OBSERVABILITY_METRICS_SERVER_H_
