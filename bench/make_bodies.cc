// agentd-bench-bodies: writes one request body for h2load, made from the
// project's own protos, in gRPC's length-prefixed framing:
//   1 byte compressed flag (0) | 4-byte big-endian length | serialized message
//
//   agentd-bench-bodies --message=review --text="..." [--agents=a,b]
//                       [--session_id=ID] --out=review.body
//   agentd-bench-bodies --message=route --text="..." --out=route.body
//   agentd-bench-bodies --message=list_agents --out=list.body
//
// The bodies are what a real client sends; whether agentd accepts them is
// checked by the benchmark driver with one real call before each run.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "agentd/v1/orchestrator.pb.h"

ABSL_FLAG(std::string, message, "", "review, route or list_agents");
ABSL_FLAG(std::string, text, "", "the request text (review, route)");
ABSL_FLAG(std::vector<std::string>, agents, {}, "explicit target agents, comma-separated (review, route)");
ABSL_FLAG(std::string, session_id, "", "an existing session for a follow-up review");
ABSL_FLAG(std::string, title, "", "title of the new session (review)");
ABSL_FLAG(std::string, out, "", "file to write the framed body to");

namespace {

// gRPC's message framing (PROTOCOL-HTTP2.md, "Length-Prefixed-Message").
std::string Frame(const std::string& message) {
  const uint32_t size = static_cast<uint32_t>(message.size());
  std::string framed;
  framed.reserve(5 + message.size());
  framed.push_back('\0');  // not compressed
  framed.push_back(static_cast<char>((size >> 24) & 0xff));
  framed.push_back(static_cast<char>((size >> 16) & 0xff));
  framed.push_back(static_cast<char>((size >> 8) & 0xff));
  framed.push_back(static_cast<char>(size & 0xff));
  framed += message;
  return framed;
}

int Usage(const char* why) {
  std::fprintf(stderr, "agentd-bench-bodies: %s (see --help)\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("agentd-bench-bodies: writes a gRPC-framed request body for h2load");
  absl::ParseCommandLine(argc, argv);
  const std::string kind = absl::GetFlag(FLAGS_message);
  const std::string text = absl::GetFlag(FLAGS_text);
  const std::vector<std::string> agents = absl::GetFlag(FLAGS_agents);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return Usage("--out is required");

  std::string serialized;
  if (kind == "review") {
    if (text.empty()) return Usage("--text is required for a review");
    agentd::v1::ReviewRequest request;
    request.set_text(text);
    request.set_session_id(absl::GetFlag(FLAGS_session_id));
    request.set_title(absl::GetFlag(FLAGS_title));
    for (const std::string& agent : agents) request.add_agents(agent);
    serialized = request.SerializeAsString();
  } else if (kind == "route") {
    if (text.empty()) return Usage("--text is required for a route");
    agentd::v1::RouteRequest request;
    request.set_text(text);
    for (const std::string& agent : agents) request.add_agents(agent);
    serialized = request.SerializeAsString();
  } else if (kind == "list_agents") {
    serialized = agentd::v1::ListAgentsRequest().SerializeAsString();
  } else {
    return Usage("--message must be review, route or list_agents");
  }

  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file << Frame(serialized);
  file.close();
  if (!file) {
    std::fprintf(stderr, "agentd-bench-bodies: cannot write %s\n", out.c_str());
    return 1;
  }
  return 0;
}
