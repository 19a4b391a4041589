// PluginServer: serves one HostedAgent as a plugin process does — the
// AgentPlugin gRPC service (proto/agentd/v1/plugin.proto) and
// grpc.health.v1 Check — on an address. `agentd-plugin-serve` uses it to
// run an in-process (C ABI) plugin as a plugin process; tests use it as a
// known-good plugin. Clients see the service the .proto describes.
//
// Handle works on bytes: the request's bytes go to the agent's
// HandleSerialized as they came, and the answer's bytes are sent as the
// HandleEvent's `response` without being parsed (handle_event_frame.h). For
// a C ABI plugin nothing is parsed or serialized in this process at all.
//
// Threads. All RPCs are asynchronous on one completion queue, polled by one
// thread (the gRPC thread), which answers Describe and health itself. A
// Handle call runs the agent on that same thread when the agent has been
// answering within a few milliseconds and no other call is running: no
// thread hand-off and no wake-up beyond the socket's own. Any other call
// runs on a worker thread (started when none is idle, kept for the next),
// so slow or concurrent calls do not hold up the rest. The gRPC deadline
// becomes the agent's deadline; a call the client cancels sets its cancel
// token when gRPC reports the cancel (at once for a call on a worker).
// Progress the agent reports is sent in order before its answer.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_SERVER_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "agentd/v1/plugin.pb.h"
#include "server/plugin_host/hosted_agent.h"

namespace agentd {

class PluginServer {
 public:
  // Serves `agent` on `address` ("unix:/path" or "host:port"); Describe
  // answers `describe`. `agent` is not owned and must outlive the server.
  static absl::StatusOr<std::unique_ptr<PluginServer>> Start(const std::string& address, const HostedAgent* agent,
                                                             const v1::DescribeResponse& describe);
  // Stops serving: calls still running get a second, then are cancelled;
  // returns once the agent's calls have returned.
  ~PluginServer();

  class Impl;

 private:
  explicit PluginServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_PLUGIN_SERVER_H_
