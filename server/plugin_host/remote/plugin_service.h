// PluginService: the AgentPlugin gRPC service (proto/agentd/v1/plugin.proto)
// in front of any HostedAgent. `agentd-plugin-serve` uses it to run an
// in-process (C ABI) plugin as a plugin process; tests and the benchmark
// use it as a known-good server. The gRPC deadline becomes the agent's
// deadline, and a call the client cancels sets its cancel token (looked at
// every few milliseconds by one watcher thread). Thread-safe.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_SERVICE_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_SERVICE_H_

#include <memory>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "agentd/v1/plugin.grpc.pb.h"
#include "server/plugin_host/hosted_agent.h"

namespace agentd {

class PluginService final : public v1::AgentPlugin::Service {
 public:
  // `agent` answers; `describe` is what Describe returns. Not owned:
  // `agent` must outlive the service.
  PluginService(const HostedAgent* agent, v1::DescribeResponse describe);
  ~PluginService() override;  // stops the watcher

  grpc::Status Describe(grpc::ServerContext* context, const v1::DescribeRequest* request,
                        v1::DescribeResponse* response) override;
  grpc::Status Handle(grpc::ServerContext* context, const v1::AgentRequest* request,
                      grpc::ServerWriter<v1::HandleEvent>* writer) override;

 private:
  struct Call {
    grpc::ServerContext* context;
    CancelState* cancel;
  };
  void Watch();

  const HostedAgent* agent_;
  const v1::DescribeResponse describe_;
  absl::Mutex mu_;
  std::set<Call*> calls_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_SERVICE_H_
