// HostedAgent: one agent as the orchestrator calls it, wherever its plugin
// runs — in agentd's process behind the C ABI (AgentInstance,
// plugin_loader.h), in a child process agentd supervises (ProcessAgent), or
// behind an endpoint someone else runs (RemoteAgent; both in remote/). The
// executor's bulkheads, breakers, deadlines and partial reviews wrap every
// kind the same way, through this interface only.
#ifndef AGENTD_SERVER_PLUGIN_HOST_HOSTED_AGENT_H_
#define AGENTD_SERVER_PLUGIN_HOST_HOSTED_AGENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentd/v1/plugin.pb.h"

namespace agentd {

// Cancellation shared between the host and a running Handle call: set by
// the host when the caller cancels, read through the ABI's cancel token
// (or turned into a gRPC cancel), which also reports cancelled once the
// deadline has passed.
struct CancelState {
  std::atomic<bool> cancelled{false};
  absl::Time deadline = absl::InfiniteFuture();
  bool IsCancelled() const { return cancelled.load(std::memory_order_relaxed) || absl::Now() >= deadline; }
};

class HostedAgent {
 public:
  // Receives a plugin's progress text on the thread running Handle.
  using ProgressFn = std::function<void(std::string_view)>;

  virtual ~HostedAgent() = default;

  // Runs one request; thread-safe. The answer, or a canonical status whose
  // message names the agent and says why. `cancel` carries the deadline and
  // the caller's cancel. `progress`, when set and the plugin reports
  // progress, gets it as it comes.
  virtual absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request, const CancelState& cancel,
                                                   const ProgressFn* progress = nullptr) const = 0;

  // Handle on serialized messages: `request` holds an AgentRequest, the
  // answer is an AgentResponse's bytes. For a caller that has bytes and
  // wants bytes (the AgentPlugin service): an in-process plugin takes and
  // gives bytes anyway, so it skips a parse and a serialization each way.
  // Same statuses as Handle. This default parses, calls Handle, serializes.
  virtual absl::StatusOr<std::string> HandleSerialized(std::string_view request, const CancelState& cancel,
                                                       const ProgressFn* progress = nullptr) const;

  // Handle for one of several agents asked the same thing: the request is
  // `shared` with `agent` and `deadline_unix_ms` set (they replace what
  // `shared` has). `shared_bytes` is `shared` serialized, made once for all
  // the agents: an in-process plugin takes it with the two fields appended
  // (the wire format's last value wins) instead of a copy of the message
  // serialized again per agent. Same statuses as Handle. `answer_bytes`,
  // when given, receives the answer's bytes as the plugin produced them if
  // the host has them and they parse to exactly the answer returned (an
  // in-process plugin's, unchanged by the host); otherwise it is left empty.
  // The session store keeps those bytes as they are instead of serializing
  // the answer again. This default copies `shared`, sets the two fields,
  // calls Handle and leaves `answer_bytes` empty.
  virtual absl::StatusOr<v1::AgentResponse> HandleShared(const v1::AgentRequest& shared,
                                                         std::string_view shared_bytes, const std::string& agent,
                                                         int64_t deadline_unix_ms, const CancelState& cancel,
                                                         const ProgressFn* progress = nullptr,
                                                         std::string* answer_bytes = nullptr) const;

  // OK while the agent can take calls; otherwise why not (its plugin
  // process is restarting, its endpoint does not answer). Cheap: ListAgents
  // calls it. In-process agents are always available once created.
  virtual absl::Status Availability() const { return absl::OkStatus(); }
};

inline absl::StatusOr<std::string> HostedAgent::HandleSerialized(std::string_view request, const CancelState& cancel,
                                                                 const ProgressFn* progress) const {
  v1::AgentRequest parsed;
  if (!parsed.ParseFromArray(request.data(), static_cast<int>(request.size()))) {
    return absl::InvalidArgumentError("request is not a serialized agentd.v1.AgentRequest");
  }
  absl::StatusOr<v1::AgentResponse> response = Handle(parsed, cancel, progress);
  if (!response.ok()) return response.status();
  return response->SerializeAsString();
}

inline absl::StatusOr<v1::AgentResponse> HostedAgent::HandleShared(const v1::AgentRequest& shared,
                                                                  std::string_view /*shared_bytes*/,
                                                                  const std::string& agent, int64_t deadline_unix_ms,
                                                                  const CancelState& cancel,
                                                                  const ProgressFn* progress,
                                                                  std::string* answer_bytes) const {
  if (answer_bytes != nullptr) answer_bytes->clear();
  v1::AgentRequest request = shared;
  request.set_agent(agent);
  request.set_deadline_unix_ms(deadline_unix_ms);
  return Handle(request, cancel, progress);
}

// Whether `definition`'s plugin runs outside agentd (`command:` or
// `endpoint:`; remote/out_of_process.h hosts those).
inline bool RunsOutOfProcess(const v1::AgentDefinition& definition) {
  return !definition.command().empty() || !definition.endpoint().empty();
}

// Where such a plugin runs, for logs: "command <program>" or "endpoint <host:port>".
inline std::string OutOfProcessLocation(const v1::AgentDefinition& definition) {
  if (!definition.endpoint().empty()) return "endpoint " + definition.endpoint();
  return "command " + (definition.command().empty() ? std::string() : definition.command(0));
}

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_HOSTED_AGENT_H_
