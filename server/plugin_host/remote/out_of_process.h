// The plugin host's entry to plugins that run outside agentd: a definition
// with `command:` gets a ProcessAgent, one with `endpoint:` a RemoteAgent
// (docs/plugins.md).
#ifndef AGENTD_SERVER_PLUGIN_HOST_REMOTE_OUT_OF_PROCESS_H_
#define AGENTD_SERVER_PLUGIN_HOST_REMOTE_OUT_OF_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentd/v1/plugin.pb.h"
#include "server/plugin_host/hosted_agent.h"

namespace agentd {

// Starts (command:) or connects to (endpoint:) the plugin of
// config.definition(), waiting at most its start_timeout_ms, or
// `start_timeout` when it sets none, for it to be healthy. A plugin that is not healthy in time still gets its agent: it
// reports why in Availability() and is retried (a process restarted, an
// endpoint called again). Fails only when the host cannot set it up at all.
absl::StatusOr<std::shared_ptr<HostedAgent>> HostOutOfProcess(const v1::AgentConfig& config,
                                                              absl::Duration start_timeout);

}  // namespace agentd

#endif  // AGENTD_SERVER_PLUGIN_HOST_REMOTE_OUT_OF_PROCESS_H_
