// Labelled requests: questions users asked, each with the agents that should
// answer it. They are JSON lines, one object per line:
//
//   {"text": "…", "primary_any": [...], "required": [...], "optional": [...],
//    "unhosted": [...], "agents": [...]}
//
// text is required; every other key is an optional list of agent names.
// primary_any: agents acceptable as the first one; required: agents that must
// be chosen; optional: agents that may be; unhosted: agents this server does
// not host that must be named; agents: explicit targets (the request names
// its agents). All lists empty means nothing should be chosen.
//
// The same files serve two readers: agentd-route-eval measures the router
// against them, and the router takes the ones in agents/routing-examples/ as
// more examples of each agent's scope, in the words users use (router.h).
//
// Pure functions, no state; safe from any number of threads.
#ifndef AGENTD_SERVER_DEFINITIONS_LABELLED_REQUESTS_H_
#define AGENTD_SERVER_DEFINITIONS_LABELLED_REQUESTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace agentd {

struct LabelledRequest {
  std::string source;  // "path:line", for messages and reasons
  std::string text;
  std::vector<std::string> agents, primary_any, required, optional, unhosted;

  // The agents whose scope covers the request: primary_any, required and
  // unhosted, each once, in that order. Empty for a request that names its
  // agents (`agents`): it says nothing about scope.
  std::vector<std::string> InScope() const;
};

// Parses JSON lines; `path` only names the source. Blank lines are skipped.
// INVALID_ARGUMENT "<path>:<line>: <reason>" on the first line that is not a
// JSON object, lacks a non-empty string "text", or has a key above that is
// not a list of strings.
absl::StatusOr<std::vector<LabelledRequest>> ParseLabelledRequests(std::string_view content,
                                                                   std::string_view path);

// Reads one file (NOT_FOUND when it cannot be opened), or every *.jsonl file
// directly in a directory, in file name order.
absl::StatusOr<std::vector<LabelledRequest>> ReadLabelledRequests(const std::string& path);

}  // namespace agentd

#endif  // AGENTD_SERVER_DEFINITIONS_LABELLED_REQUESTS_H_
