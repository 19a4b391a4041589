#include "server/observability/metrics_server.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace agentd {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                                     const Metrics* metrics) {
  size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--metrics_listen: want HOST:PORT, got \"", listen, "\""));
  }
  std::string host = listen.substr(0, colon);
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->http_ = std::make_unique<httplib::Server>();
  server->http_->Get("/metrics", [metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  bool bound = port == 0 ? (port = server->http_->bind_to_any_port(host)) > 0 : server->http_->bind_to_port(host, port);
  if (!bound) {
    return absl::UnavailableError(absl::StrCat("--metrics_listen: cannot listen on ", listen,
                                               " (address in use, or not a valid host:port?)"));
  }
  server->address_ = absl::StrCat(host, ":", port);
  httplib::Server* http = server->http_.get();
  server->thread_ = std::thread([http] { http->listen_after_bind(); });
  return server;
}

MetricsServer::~MetricsServer() {
  http_->stop();
  thread_.join();
}

}  // namespace agentd
