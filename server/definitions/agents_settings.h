// The settings that come with a folder of agent definitions, from
// <agents_dir>/agentd.yaml:
//
//   review_title: Payments Platform Review      # the merged review's title
//   default_plugin: my_generic_plugin           # hosts a definition with no plugin:
//
// They belong to the agents, not to the server: a folder of other agents
// brings its own. Flags override them (--review_title, --default_plugin).
// A missing file means no settings; other keys are ignored. Pure apart from
// reading the file; safe from any thread.
#ifndef AGENTD_SERVER_DEFINITIONS_AGENTS_SETTINGS_H_
#define AGENTD_SERVER_DEFINITIONS_AGENTS_SETTINGS_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace agentd {

struct AgentsSettings {
  std::string review_title;    // empty: none configured
  std::string default_plugin;  // empty: a definition must name its plugin
};

inline constexpr char kAgentsSettingsFile[] = "agentd.yaml";

// Reads <dir>/agentd.yaml. INVALID_ARGUMENT "path:line: reason" when it is
// not a YAML map of scalars where it matters.
absl::StatusOr<AgentsSettings> LoadAgentsSettings(const std::string& dir);
// The same from text; `path` is only used in messages.
absl::StatusOr<AgentsSettings> ParseAgentsSettings(absl::string_view text, absl::string_view path);

}  // namespace agentd

#endif  // AGENTD_SERVER_DEFINITIONS_AGENTS_SETTINGS_H_
