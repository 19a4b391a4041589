// RemoteAgent: an agent whose plugin serves the AgentPlugin gRPC service
// (proto/agentd/v1/plugin.proto) somewhere else — a host:port someone else
// runs (`endpoint:`), or the Unix socket of a plugin process agentd
// supervises (ProcessAgent). The per-agent deadline becomes the call's gRPC
// deadline and the caller's cancel a gRPC cancel, so a call never outlives
// its deadline on agentd's side. Every answer passes CheckAnswer first.
// Thread-safe.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_REMOTE_AGENT_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_REMOTE_AGENT_H_

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agentd/v1/definition.pb.h"
#include "agentd/v1/plugin.grpc.pb.h"
#include "grpcpp/channel.h"
#include "server/plugin_host/hosted_agent.h"
#include "server/plugin_host/remote/answer_check.h"

namespace agentd {

struct RemoteOptions {
  std::string target;                 // gRPC target: "unix:/path/plugin.sock" or "host:port"
  std::string agent;                  // the agent's name
  std::set<std::string> sections;     // its definition's sections (Describe may add more)
  int max_answer_bytes = 4 << 20;     // larger answers fail the run (RESOURCE_EXHAUSTED)
};

class RemoteAgent : public HostedAgent {
 public:
  // Opens a channel; no I/O yet (the first call or Probe connects).
  explicit RemoteAgent(RemoteOptions options);

  // Health (grpc.health.v1 Check of service "") then Describe, each within
  // `timeout`. Records the verdict that Availability() reports; the
  // sections Describe names become answerable, and the max_concurrency it
  // states (when > 0) caps the calls Handle has in the plugin at once: a
  // call past it waits for one to end, until its deadline.
  absl::StatusOr<v1::DescribeResponse> Probe(absl::Duration timeout);

  absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request, const CancelState& cancel,
                                           const ProgressFn* progress = nullptr) const override;
  // The verdict of the last probe or call: a call that could not reach the
  // plugin makes it unavailable, one that got an answer available again.
  absl::Status Availability() const override;

  const std::string& target() const { return options_.target; }

 private:
  // One Handle call on the wire.
  absl::StatusOr<v1::AgentResponse> Call(const v1::AgentRequest& request, const CancelState& cancel,
                                         const ProgressFn* progress) const;
  absl::StatusOr<v1::AgentResponse> Finish(const grpc::Status& status, v1::AgentResponse* response,
                                           bool answered, const std::string& protocol_error) const;
  void SetAvailability(absl::Status status) const;
  // Waits for room under max_concurrency until `cancel` says stop; false
  // when it did not come.
  bool EnterCall(const CancelState& cancel) const;
  void LeaveCall() const;

  const RemoteOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentPlugin::Stub> stub_;
  mutable absl::Mutex mu_;
  mutable absl::Status availability_ ABSL_GUARDED_BY(mu_);
  AnswerLimits limits_ ABSL_GUARDED_BY(mu_);
  int max_concurrency_ ABSL_GUARDED_BY(mu_) = 0;  // 0: no cap
  mutable int in_plugin_ ABSL_GUARDED_BY(mu_) = 0;
};

// gRPC status → absl status, the message prefixed with `agent` and cut short.
absl::Status FromGrpc(const std::string& agent, const grpc::Status& status);

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_REMOTE_AGENT_H_
