// ProcessAgent: an agent whose plugin is a child process agentd starts and
// supervises (`command:` in its definition; docs/plugins.md). The child
// serves the AgentPlugin gRPC service on a Unix socket in a private (0700)
// temporary folder (plugin_dirs.h), named to it in AGENTD_PLUGIN_ADDRESS; its stdout and
// stderr go to agentd's log under the agent's name. A supervisor thread
// waits until the child is healthy (bounded), restarts it with back-off
// when it dies, and Stop() ends it: SIGTERM to its process group, SIGKILL
// after a grace. Calls go through a RemoteAgent on the current child's
// socket; while no child is healthy they fail fast with UNAVAILABLE.
// Thread-safe.
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_PROCESS_AGENT_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_PROCESS_AGENT_H_

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/plugin_host/remote/child_process.h"
#include "server/plugin_host/remote/remote_agent.h"

namespace agentd {

struct ProcessOptions {
  std::string agent;                      // the agent's name (logs, requests)
  std::vector<std::string> argv;          // the definition's command:
  std::string working_dir;                // the definition's folder
  std::string config;                     // serialized AgentConfig, in AGENTD_PLUGIN_CONFIG's file
  std::set<std::string> sections;         // the definition's sections
  absl::Duration start_timeout = absl::Seconds(10);  // to become healthy
  absl::Duration stop_grace = absl::Seconds(2);      // SIGTERM → SIGKILL
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
};

class ProcessAgent : public HostedAgent {
 public:
  // Makes the private folder, starts the child and waits for its first
  // verdict (healthy, or failed to start) at most start_timeout. A child
  // that failed is still supervised and retried: the agent exists, and
  // Availability() says why it cannot answer. Fails only when the folder
  // cannot be made.
  static absl::StatusOr<std::unique_ptr<ProcessAgent>> Start(ProcessOptions options);
  ~ProcessAgent() override;  // Stop()

  absl::StatusOr<v1::AgentResponse> Handle(const v1::AgentRequest& request, const CancelState& cancel,
                                           const ProgressFn* progress = nullptr) const override;
  absl::Status Availability() const override;

  // Drops agentd's connection to the child, ends it (SIGTERM, SIGKILL after
  // stop_grace) and the supervisor, and removes the private folder.
  // Idempotent.
  void Stop();

  // SIGKILLs the process group of every ProcessAgent's child now and removes
  // their folders, for an agentd that exits without running destructors (a
  // plugin call stuck in process): no plugin process or folder outlives it.
  // Thread-safe.
  static void KillAllNow();

  // For tests: the current child's pid (0 when none) and how many children
  // have exited so far.
  pid_t pid() const;
  int exits() const;

 private:
  explicit ProcessAgent(ProcessOptions options) : options_(std::move(options)) {}
  void Supervise();
  // One child's life: spawn, wait until healthy, serve until it exits.
  // Returns why it ended.
  std::string RunChild();
  // A client of the child once it answers health and Describe; null when
  // it exits, start_timeout passes or Stop() is called (`*why` says what
  // the last probe saw).
  std::shared_ptr<RemoteAgent> WaitHealthy(const Child& child, std::string* why);

  const ProcessOptions options_;
  std::string dir_;     // the private folder
  std::string socket_;  // dir_/plugin.sock
  std::thread supervisor_;
  mutable absl::Mutex mu_;
  std::shared_ptr<RemoteAgent> current_ ABSL_GUARDED_BY(mu_);  // set while a child is healthy
  const Child* child_ ABSL_GUARDED_BY(mu_) = nullptr;          // the running child, if any
  std::string down_reason_ ABSL_GUARDED_BY(mu_) = "starting";
  bool first_verdict_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int exits_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_PROCESS_AGENT_H_
