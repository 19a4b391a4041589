#include "server/plugin_host/remote/out_of_process.h"

#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "server/plugin_host/remote/process_agent.h"
#include "server/plugin_host/remote/remote_agent.h"
#include "spdlog/spdlog.h"

namespace agentd {

absl::StatusOr<std::shared_ptr<HostedAgent>> HostOutOfProcess(const v1::AgentConfig& config,
                                                              absl::Duration start_timeout) {
  const v1::AgentDefinition& def = config.definition();
  if (def.start_timeout_ms() > 0) start_timeout = absl::Milliseconds(def.start_timeout_ms());
  std::set<std::string> sections(def.sections().begin(), def.sections().end());
  if (!def.endpoint().empty()) {
    RemoteOptions options;
    options.target = def.endpoint();
    options.agent = def.name();
    options.sections = std::move(sections);
    auto remote = std::make_shared<RemoteAgent>(std::move(options));
    absl::StatusOr<v1::DescribeResponse> described = remote->Probe(start_timeout);
    if (!described.ok()) {
      spdlog::warn("agent {}: remote plugin not reachable within {} (start_timeout_ms: in its definition, or "
                   "--plugin_start_timeout_ms): {}",
                   def.name(), absl::FormatDuration(start_timeout), described.status().ToString());
    }
    return remote;
  }
  ProcessOptions options;
  options.agent = def.name();
  options.argv.assign(def.command().begin(), def.command().end());
  options.working_dir = std::filesystem::path(def.source_path()).parent_path().string();
  options.config = config.SerializeAsString();
  options.sections = std::move(sections);
  options.start_timeout = start_timeout;
  absl::StatusOr<std::unique_ptr<ProcessAgent>> started = ProcessAgent::Start(std::move(options));
  if (!started.ok()) return started.status();
  return std::shared_ptr<HostedAgent>(std::move(*started));
}

}  // namespace agentd
