// agentctl's command line, parsed without side effects.
//
//   agentctl [GLOBAL FLAGS] COMMAND [COMMAND FLAGS] [ARGS]
//
// Global flags (--server, --json, --token, --timeout, --tls_ca, --tls_cert,
// --tls_key) are Abseil flags
// defined in main.cc; they may appear before or after the command, so both
// `agentctl --json review TEXT` and `agentctl review --json TEXT` work.
// ParseArgs() only recognises them and hands back (name, value) pairs; the
// caller assigns them through Abseil's flag registry, which owns the types
// and their parsing. Abseil's own ParseCommandLine() is not used because it
// rejects the command flags and exits with status 1 on a bad flag, where the
// contract (DESIGN.md §11) asks for 2.
//
// Flags are written `--name=value` or `--name value`; booleans as `--name`,
// `--name=true|false` or `--noname`. `--` ends the flags. Free words after
// the command are joined with single spaces into TEXT.
//
// All functions here are pure and thread-safe.
#ifndef AGENTD_CLIENT_AGENTCTL_CLI_ARGS_H_
#define AGENTD_CLIENT_AGENTCTL_CLI_ARGS_H_

#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentd/v1/orchestrator.pb.h"

namespace agentd::agentctl {

enum class CommandKind {
  kHealth,
  kAgents,
  kAgentsReload,
  kRoute,
  kReview,
  kSessionsList,
  kSessionsShow,
  kSessionsExport,
  kSessionsDelete,
  kSessionsPrune,
  kMcp,
};

// One parsed command with its own flags and arguments. Fields a command does
// not take keep their defaults.
struct Command {
  CommandKind kind = CommandKind::kAgents;
  std::string text;                       // route, review: the question
  std::string session_id;                 // review --session; show/export/delete ID
  std::vector<std::string> agents;        // route, review: --agent, repeated
  std::optional<agentd::v1::Requirements> requirements;  // review
  bool stream = false;                    // review --stream
  int page_size = 0;                      // sessions list
  std::string page_token;                 // sessions list
  std::string filter;                     // sessions list: title substring
  agentd::v1::ExportFormat format = agentd::v1::EXPORT_FORMAT_MARKDOWN;
  int older_than_days = 0;                // sessions prune (required, > 0)
  absl::Duration wait = absl::ZeroDuration();  // health --wait
};

// A global flag as written on the command line, for the flag registry.
struct GlobalFlagAssignment {
  std::string name;   // "server", "json", "token", "timeout", "tls_ca", "tls_cert", "tls_key"
  std::string value;  // "true"/"false" for --json / --nojson
};

struct ParsedArgs {
  bool help = false;  // --help / -h / `help`: print usage, exit 0
  std::vector<GlobalFlagAssignment> global_flags;
  Command command;
};

// Parses argv without argv[0]. Any error is INVALID_ARGUMENT with a message
// that names the offending word; the caller prints it with Usage() and exits 2.
absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const std::string> args);

// The usage text printed on --help and after a usage error.
std::string Usage();

// --server resolution: the flag, else $AGENTD_ADDR, else 127.0.0.1:50051.
std::string ResolveServer(absl::string_view flag_value, const char* env_value);

// --token resolution: the flag, else $AGENTD_TOKEN, else none (empty).
std::string ResolveToken(absl::string_view flag_value, const char* env_value);

}  // namespace agentd::agentctl

#endif  // AGENTD_CLIENT_AGENTCTL_CLI_ARGS_H_
