// One loaded set of hosted agents: their definitions, plugin instances and
// guards (AgentSlot), the router over them, and the review they merge into
// (layout and title, from the definitions and the agents folder's settings).
//
// A set is built whole by LoadAgentSet and not changed after (the slots'
// counters and breakers are atomic or locked inside), so a request holds the
// set it started with, by shared_ptr, while a reload builds the next one;
// the old set goes when its last request (or abandoned plugin call) does.
#ifndef AGENTD_SERVER_CORE_AGENT_SET_H_
#define AGENTD_SERVER_CORE_AGENT_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agentd/v1/orchestrator.pb.h"
#include "server/core/executor.h"
#include "server/core/orchestrator_config.h"
#include "server/core/review_layout.h"
#include "server/core/route_assist.h"
#include "server/core/router.h"
#include "server/definitions/agents_settings.h"
#include "server/plugin_host/plugin_loader.h"

namespace agentd {

struct AgentSet {
  std::vector<std::unique_ptr<AgentSlot>> slots;  // sorted by name
  std::unique_ptr<Router> router;
  std::unique_ptr<RouteAssist> route_assist;      // null unless configured
  ReviewLayout layout;
  std::string review_title;
  AgentsSettings settings;  // in effect, the configuration's overrides applied
  // What went wrong while loading ("path:line: reason"); the set holds the
  // agents that did load.
  std::vector<std::string> load_errors;

  // The slot of agent `name`, or null.
  AgentSlot* FindSlot(const std::string& name) const;
};

// Reads config.agents_dir (definitions, agentd.yaml, routing examples) and
// the plugins in config.plugins_dir. A file or plugin that fails is a load
// error and the rest still load; an error status only when the router cannot
// be built at all.
//
// A reload passes the set in use as `previous`, and then:
// - an agent whose definition is unchanged shares its plugin instance (and
//   so its plugin process) with `previous`;
// - an agent whose file now fails to load, or whose new plugin cannot be
//   created, is carried over from `previous` as it was;
// - an agentd.yaml that fails keeps the previous settings.
// `report`, when set, says what changed by agent name (and the errors).
// `previous` is only read; plugins of agents it alone holds stop when it goes.
absl::StatusOr<std::shared_ptr<AgentSet>> LoadAgentSet(const OrchestratorConfig& config,
                                                       const AgentSet* previous = nullptr,
                                                       v1::ReloadAgentsResponse* report = nullptr);

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_AGENT_SET_H_
