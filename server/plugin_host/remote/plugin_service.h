// PluginService: the AgentPlugin gRPC service (proto/agentd/v1/plugin.proto)
// in front of any HostedAgent. `agentd-plugin-serve` uses it to run an
// in-process (C ABI) plugin as a plugin process; tests and the benchmark
// use it as a known-good server. The gRPC deadline becomes the agent's
// deadline, and a call the client cancels sets its cancel token (looked at
// every few milliseconds, while calls run, by one watcher thread that sleeps
// while none do). Thread-safe.
//
// Handle works on bytes: the request's bytes go to the agent's
// HandleSerialized as they came, and the answer's bytes are sent as the
// HandleEvent's `response` without being parsed (handle_event_frame.h). For
// a C ABI plugin nothing is parsed or serialized in this process at all;
// the host parses the answer once, as it must anyway. Clients see the
// service the .proto describes.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_SERVICE_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_SERVICE_H_

#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "agentd/v1/plugin.pb.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/sync_stream.h"
#include "server/plugin_host/hosted_agent.h"

namespace agentd {

class PluginService final : public grpc::Service {
 public:
  // `agent` answers; `describe` is what Describe returns. Not owned:
  // `agent` must outlive the service.
  PluginService(const HostedAgent* agent, v1::DescribeResponse describe);
  ~PluginService() override;  // stops the watcher

 private:
  struct Call {
    grpc::ServerContext* context;
    CancelState* cancel;
  };
  grpc::Status Describe(v1::DescribeResponse* response) const;
  grpc::Status Handle(grpc::ServerContext* context, const grpc::ByteBuffer& request,
                      grpc::ServerWriter<grpc::ByteBuffer>* writer);
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
