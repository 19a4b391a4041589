// Agent definition files (agents/*.md): YAML front matter, then a Markdown
// body. This is the Claude Code sub-agent format, so public sub-agent files
// load as they are; agentd adds its own optional keys (`plugin`, `sections`,
// `timeout_ms`, `max_in_flight`).
//
// From the front matter: name (required), description (with its <example>
// blocks taken out), examples, color, maturity, model, tools, plugin
// (empty when absent: the host then uses its configured default_plugin),
// sections (see section_specs.h), timeout_ms, max_in_flight; other scalar
// keys are kept in `extra`, other nested values are ignored. Front matter that
// yaml-cpp rejects (many real files hold `: ` or `<example>` tags in a plain
// one-line description) is read again leniently, key by key, as Claude Code
// does.
//
// From the body: the whole text (`body`, a model-backed agent's system
// prompt), the title (first heading), the list under "Core
// Competencies", the list under "Use this agent when" / "When to use", and the
// list under "Do NOT use this agent for" / "Don't use" / "Not for", where a
// trailing "(use X)" or "(→ X)" becomes a redirect to agent X.
//
// Both functions are pure (LoadDefinitions only reads files), keep no state,
// and are safe to call from any number of threads at once. They never throw
// and never crash on malformed input.
#ifndef AGENTD_SERVER_DEFINITIONS_DEFINITION_PARSER_H_
#define AGENTD_SERVER_DEFINITIONS_DEFINITION_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agentd/v1/definition.pb.h"

namespace agentd {

// Parses one agent definition file. `path` is only used in error messages and
// stored in source_path; nothing is read from disk.
//
// Errors are INVALID_ARGUMENT with the message "<path>:<line>: <reason>",
// e.g. "agents/x.md:1: missing 'name'". Lines are 1-based and count the whole
// file, front matter included. Reasons: no front matter, front matter never
// closed, front matter neither YAML nor "key: value" lines, missing or
// non-scalar name, a negative or non-numeric timeout_ms / max_in_flight, and
// text that is not UTF-8 (every field ends up in a proto3 string).
absl::StatusOr<v1::AgentDefinition> ParseDefinition(std::string_view content,
                                                    std::string_view path);

struct DefinitionLoadResult {
  std::vector<v1::AgentDefinition> definitions;  // sorted by name
  std::vector<std::string> errors;  // one "path:line: reason" per failed file
};

// Reads every *.md file directly in `dir` (not recursive), in file name
// order. A file that fails is reported in `errors` and the others still load,
// so one bad file does not take the server down. When two files declare the
// same name, the later file (by file name) is an error naming both paths. A
// missing or unreadable `dir` is one entry in `errors`.
DefinitionLoadResult LoadDefinitions(const std::string& dir);

}  // namespace agentd

#endif  // AGENTD_SERVER_DEFINITIONS_DEFINITION_PARSER_H_
