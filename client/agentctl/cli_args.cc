#include "client/agentctl/cli_args.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"

namespace agentd::agentctl {
namespace {

// How a flag's text lands in the Command. Setters return a reason, not a
// full message: the caller prefixes the flag name.
using Setter = absl::Status (*)(Command&, absl::string_view value);

struct FlagSpec {
  absl::string_view name;
  bool boolean;  // takes no separate value word; accepts --name / --noname
  Setter set;
};

// What a command takes after its flags.
enum class Positional {
  kNone,  // nothing
  kText,  // one or more words, joined: the question
  kId,    // exactly one word: a session id
};

struct CommandSpec {
  absl::string_view words;  // "route", "sessions list"
  CommandKind kind;
  Positional positional;
  std::vector<FlagSpec> flags;
};

absl::Status SetBool(bool& target, absl::string_view value) {
  if (!absl::SimpleAtob(value, &target)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected true or false, got '", value, "'"));
  }
  return absl::OkStatus();
}

absl::Status SetInt(int& target, absl::string_view value, int min) {
  int parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an integer, got '", value, "'"));
  }
  if (parsed < min) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be at least ", min, ", got ", parsed));
  }
  target = parsed;
  return absl::OkStatus();
}

absl::Status SetNonEmpty(std::string& target, absl::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError("must not be empty");
  target = std::string(value);
  return absl::OkStatus();
}

absl::Status SetAgents(Command& c, absl::string_view value) {
  // "--agent=a,b" is accepted as a shorthand for "--agent=a --agent=b".
  for (absl::string_view name : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    c.agents.emplace_back(absl::StripAsciiWhitespace(name));
  }
  if (c.agents.empty()) return absl::InvalidArgumentError("expected an agent name");
  return absl::OkStatus();
}

absl::Status SetRequirements(Command& c, absl::string_view value) {
  agentd::v1::Requirements requirements;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a typo must not be silently dropped
  // Protobuf 3.21 has its own util::Status, not absl's.
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      std::string(value), &requirements, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not an agentd.v1.Requirements in proto3 JSON (",
        parsed.message().ToString(), "); e.g. {\"teamSize\":5,\"peakRps\":200}"));
  }
  c.requirements = std::move(requirements);
  return absl::OkStatus();
}

absl::Status SetFormat(Command& c, absl::string_view value) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower == "markdown" || lower == "md") {
    c.format = agentd::v1::EXPORT_FORMAT_MARKDOWN;
  } else if (lower == "json") {
    c.format = agentd::v1::EXPORT_FORMAT_JSON;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("expected markdown or json, got '", value, "'"));
  }
  return absl::OkStatus();
}

absl::Status SetWait(Command& c, absl::string_view value) {
  absl::Duration wait;
  if (!absl::ParseDuration(value, &wait) || wait < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a duration such as 5s or 500ms, got '", value, "'"));
  }
  c.wait = wait;
  return absl::OkStatus();
}

const std::vector<CommandSpec>& Commands() {
  static const auto* const kCommands = new std::vector<CommandSpec>{
      {"health", CommandKind::kHealth, Positional::kNone,
       {{"wait", false, SetWait}}},
      {"agents", CommandKind::kAgents, Positional::kNone, {}},
      {"agents reload", CommandKind::kAgentsReload, Positional::kNone, {}},
      {"route", CommandKind::kRoute, Positional::kText,
       {{"agent", false, SetAgents}}},
      {"review", CommandKind::kReview, Positional::kText,
       {{"session", false,
         [](Command& c, absl::string_view v) { return SetNonEmpty(c.session_id, v); }},
        {"agent", false, SetAgents},
        {"requirements", false, SetRequirements},
        {"stream", true,
         [](Command& c, absl::string_view v) { return SetBool(c.stream, v); }}}},
      {"sessions list", CommandKind::kSessionsList, Positional::kNone,
       {{"page_size", false,
         [](Command& c, absl::string_view v) { return SetInt(c.page_size, v, 0); }},
        {"page_token", false,
         [](Command& c, absl::string_view v) {
           c.page_token = std::string(v);
           return absl::OkStatus();
         }},
        {"filter", false,
         [](Command& c, absl::string_view v) {
           c.filter = std::string(v);
           return absl::OkStatus();
         }}}},
      {"sessions show", CommandKind::kSessionsShow, Positional::kId, {}},
      {"sessions export", CommandKind::kSessionsExport, Positional::kId,
       {{"format", false, SetFormat}}},
      {"sessions delete", CommandKind::kSessionsDelete, Positional::kId, {}},
      {"sessions prune", CommandKind::kSessionsPrune, Positional::kNone,
       {{"older_than_days", false,
         [](Command& c, absl::string_view v) { return SetInt(c.older_than_days, v, 1); }}}},
      {"mcp", CommandKind::kMcp, Positional::kNone, {}},
  };
  return *kCommands;
}

// The global flags are defined (and typed) in main.cc; here they are only
// recognised, so that their values are not mistaken for TEXT.
const std::vector<FlagSpec>& GlobalFlags() {
  static const auto* const kGlobals = new std::vector<FlagSpec>{
      {"server", false, nullptr},
      {"token", false, nullptr},
      {"timeout", false, nullptr},
      {"json", true, nullptr},
      {"tls_ca", false, nullptr},
      {"tls_cert", false, nullptr},
      {"tls_key", false, nullptr},
  };
  return *kGlobals;
}

const FlagSpec* FindFlag(const std::vector<FlagSpec>& flags, absl::string_view name) {
  auto it = std::find_if(flags.begin(), flags.end(),
                         [&](const FlagSpec& f) { return f.name == name; });
  return it == flags.end() ? nullptr : &*it;
}

// Looks a flag up among the command's flags, then the global ones. Also
// resolves "--noNAME" for boolean flags, returning the value it implies.
const FlagSpec* LookUp(const CommandSpec* command, absl::string_view name,
                       bool& is_global, std::optional<std::string>& implied) {
  for (int pass = 0; pass < 2; ++pass) {
    absl::string_view candidate = name;
    if (pass == 1) {
      if (!absl::ConsumePrefix(&candidate, "no")) break;
    }
    if (command != nullptr) {
      if (const FlagSpec* f = FindFlag(command->flags, candidate)) {
        if (pass == 1 && !f->boolean) return nullptr;
        if (pass == 1) implied = "false";
        is_global = false;
        return f;
      }
    }
    if (const FlagSpec* f = FindFlag(GlobalFlags(), candidate)) {
      if (pass == 1 && !f->boolean) return nullptr;
      if (pass == 1) implied = "false";
      is_global = true;
      return f;
    }
  }
  return nullptr;
}

std::string CommandList() {
  std::vector<absl::string_view> words;
  for (const CommandSpec& c : Commands()) words.push_back(c.words);
  return absl::StrJoin(words, ", ");
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const std::string> args) {
  ParsedArgs out;
  const CommandSpec* command = nullptr;
  std::vector<std::string> command_words;
  std::vector<std::string> positionals;
  bool flags_ended = false;

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (!flags_ended && word == "--") {
      flags_ended = true;
      continue;
    }
    if (!flags_ended && (word == "-h" || word == "--help" || word == "-help")) {
      out.help = true;
      return out;
    }
    if (!flags_ended && word.size() > 2 && absl::StartsWith(word, "--")) {
      absl::string_view body = absl::string_view(word).substr(2);
      std::optional<std::string> value;
      if (size_t eq = body.find('='); eq != absl::string_view::npos) {
        value = std::string(body.substr(eq + 1));
        body = body.substr(0, eq);
      }
      bool is_global = false;
      std::optional<std::string> implied;
      const FlagSpec* flag = LookUp(command, body, is_global, implied);
      if (flag == nullptr) {
        return absl::InvalidArgumentError(
            command == nullptr
                ? absl::StrCat("unknown flag --", body)
                : absl::StrCat("unknown flag --", body, " for '", command->words, "'"));
      }
      if (implied.has_value()) {
        if (value.has_value()) {
          return absl::InvalidArgumentError(
              absl::StrCat("--", body, " takes no value"));
        }
        value = implied;
      }
      if (!value.has_value()) {
        if (flag->boolean) {
          value = "true";
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          return absl::InvalidArgumentError(
              absl::StrCat("flag --", flag->name, " needs a value"));
        }
      }
      if (is_global) {
        out.global_flags.push_back({std::string(flag->name), *value});
      } else if (absl::Status set = flag->set(out.command, *value); !set.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", flag->name, ": ", set.message()));
      }
      continue;
    }
    if (command != nullptr) {
      // "agents" is a command, and "agents reload" another.
      const CommandSpec* longer = nullptr;
      if (positionals.empty()) {
        const std::string extended = absl::StrCat(command->words, " ", word);
        for (const CommandSpec& spec : Commands()) {
          if (spec.words == extended) longer = &spec;
        }
      }
      if (longer == nullptr) {
        positionals.push_back(word);
        continue;
      }
      command = longer;
      out.command.kind = command->kind;
      continue;
    }
    // Still naming the command: "agents", or "sessions" then "list".
    if (command_words.empty() && word == "help") {
      out.help = true;
      return out;
    }
    command_words.push_back(word);
    const std::string so_far = absl::StrJoin(command_words, " ");
    bool is_prefix = false;
    for (const CommandSpec& spec : Commands()) {
      if (spec.words == so_far) command = &spec;
      if (absl::StartsWith(spec.words, absl::StrCat(so_far, " "))) is_prefix = true;
    }
    if (command == nullptr && !is_prefix) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown command '", so_far, "' (commands: ", CommandList(), ")"));
    }
    if (command != nullptr) out.command.kind = command->kind;
  }

  if (command == nullptr) {
    if (command_words.empty()) return absl::InvalidArgumentError("missing command");
    return absl::InvalidArgumentError(absl::StrCat(
        "'", absl::StrJoin(command_words, " "),
        "' needs a subcommand: list, show, export, delete or prune"));
  }
  switch (command->positional) {
    case Positional::kNone:
      if (!positionals.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "'", command->words, "' takes no arguments, got '", positionals[0], "'"));
      }
      break;
    case Positional::kText:
      out.command.text = absl::StrJoin(positionals, " ");
      if (absl::StripAsciiWhitespace(out.command.text).empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", command->words, "' needs TEXT, the question to ask"));
      }
      break;
    case Positional::kId:
      if (positionals.size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "'", command->words, "' needs exactly one session ID, got ",
            positionals.size()));
      }
      out.command.session_id = positionals[0];
      break;
  }
  if (command->kind == CommandKind::kSessionsPrune && out.command.older_than_days == 0) {
    return absl::InvalidArgumentError(
        "'sessions prune' needs --older_than_days=N (N >= 1)");
  }
  return out;
}

std::string Usage() {
  return R"(usage: agentctl [--server=HOST:PORT] [--json] [--token=T] [--timeout=DURATION]
                [--tls_ca=PEM] [--tls_cert=PEM --tls_key=PEM] COMMAND

commands:
  health [--wait=DURATION]          is agentd SERVING? (--wait: wait that long for it)
  agents                            list hosted agents (cards)
  agents reload                     admin: re-read the agents folder and plugins, say what changed
  route [--agent=NAME]... TEXT      who would answer TEXT, and why (nothing stored)
  review [--session=ID] [--agent=NAME]... [--requirements=JSON] [--stream] TEXT
                                    review TEXT; prints the review's markdown
  sessions list [--page_size=N] [--page_token=T] [--filter=S]
  sessions show ID
  sessions export ID [--format=markdown|json]
  sessions delete ID
  sessions prune --older_than_days=N
  mcp                               serve agentd's tools over MCP on stdio (for IDE agents)

global flags (before or after the command):
  --server    agentd address; default $AGENTD_ADDR, then 127.0.0.1:50051
  --json      print responses in the proto3 JSON mapping (--stream: one event a line)
  --token     bearer token sent as `authorization` metadata; default $AGENTD_TOKEN
  --timeout   RPC deadline, e.g. 30s, 500ms; default 30s
  --tls_ca    connect with TLS, trusting this PEM CA bundle (default: the system's roots)
  --tls_cert, --tls_key
              connect with TLS, presenting this PEM client certificate and key (mTLS)

--requirements takes an agentd.v1.Requirements in proto3 JSON, e.g.
  '{"teamSize":5,"domainClarity":"DOMAIN_CLARITY_UNCLEAR"}'

exit status: 0 success, 1 the RPC failed, 2 usage error
)";
}

std::string ResolveServer(absl::string_view flag_value, const char* env_value) {
  if (!flag_value.empty()) return std::string(flag_value);
  if (env_value != nullptr && *env_value != '\0') return env_value;
  return "127.0.0.1:50051";
}

std::string ResolveToken(absl::string_view flag_value, const char* env_value) {
  if (!flag_value.empty()) return std::string(flag_value);
  if (env_value != nullptr) return env_value;
  return "";
}

}  // namespace agentd::agentctl
