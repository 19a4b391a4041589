// Orchestrator::ReloadAgents: a new AgentSet swapped in while calls run on
// the old one (agent_set.h says what carries over).
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/core/orchestrator.h"
#include "spdlog/spdlog.h"

namespace agentd {

absl::StatusOr<v1::ReloadAgentsResponse> Orchestrator::ReloadAgents() {
  absl::MutexLock reload_lock(&reload_mu_);
  std::shared_ptr<const AgentSet> previous = Agents();
  v1::ReloadAgentsResponse report;
  absl::StatusOr<std::shared_ptr<AgentSet>> next = LoadAgentSet(config_, previous.get(), &report);
  if (!next.ok()) {
    spdlog::error("agents not reloaded, still serving the agents loaded before: {}", next.status().ToString());
    return next.status();
  }
  if (config_.strict && !(*next)->load_errors.empty()) {
    spdlog::error("agents not reloaded (--strict), still serving the agents loaded before: {}",
                  absl::StrJoin((*next)->load_errors, "; "));
    return absl::FailedPreconditionError(absl::StrCat("--strict: agents not reloaded, ",
                                                      (*next)->load_errors.size(), " load error(s): ",
                                                      absl::StrJoin((*next)->load_errors, "; ")));
  }
  {
    absl::MutexLock lock(&agents_mu_);
    agents_ = *std::move(next);
    retired_.push_back(std::move(previous));
  }
  spdlog::info("agents reloaded: {} added, {} removed, {} changed, {} unchanged, {} kept as before, {} error(s)",
               report.added_size(), report.removed_size(), report.changed_size(), report.unchanged_size(),
               report.kept_size(), report.errors_size());
  ReleaseRetiredAgents();
  return report;
}

void Orchestrator::ReleaseRetiredAgents() {
  std::vector<std::shared_ptr<const AgentSet>> released;
  {
    absl::MutexLock lock(&agents_mu_);
    for (auto it = retired_.begin(); it != retired_.end();) {
      // Only agents_ hands sets out, so a retired set whose one owner is
      // this list cannot gain another.
      if (it->use_count() == 1) {
        released.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the lock: stopping a plugin process waits for it to exit.
}

}  // namespace agentd
