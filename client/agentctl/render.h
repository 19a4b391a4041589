// How agentctl shows the server's answers to a person, and its errors.
//
// Every function is pure (message in, text out) and thread-safe, so the
// output format is tested without a server. Text output is for people and
// may change; scripts should use --json, which is ToJson() of the response:
// the proto3 JSON mapping, never hand-written JSON.
#ifndef AGENTD_CLIENT_AGENTCTL_RENDER_H_
#define AGENTD_CLIENT_AGENTCTL_RENDER_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "agentd/v1/orchestrator.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"

namespace agentd::agentctl {

// The proto3 JSON mapping of `message`. `pretty` indents (one response);
// otherwise one compact line (stream events, one per line).
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool pretty);

// "0.42 ms", "4.2 ms", "1234 ms".
std::string FormatLatency(double ms);

// "ok", "failed", "timed out", "skipped", "cancelled".
absl::string_view AgentStatusWord(agentd::v1::AgentStatus status);

// `agentctl agents`: one row per card (name, plugin, availability with the
// reason, stub or real, circuit state), aligned in columns.
std::string RenderAgents(const agentd::v1::ListAgentsResponse& response);

// `agentctl agents reload`: the agents added, removed, changed, unchanged
// and kept as before, then what failed to load.
std::string RenderReload(const agentd::v1::ReloadAgentsResponse& response);

// `agentctl route`: the summary, then who was selected with each matching
// rule quoted and scored, who was rejected and why, and unhosted agents.
std::string RenderRoute(const agentd::v1::RouteDecision& decision);

// One progress line (with "\n") for a streamed event; "" for the final
// review event, which is printed as the review itself.
std::string RenderProgress(const agentd::v1::ReviewEvent& event);

// The line after a review's markdown: session, turn, each agent's status.
std::string RenderReviewFooter(const agentd::v1::ReviewResponse& response);

// `agentctl review`: the markdown, then the footer.
std::string RenderReview(const agentd::v1::ReviewResponse& response);

// `agentctl sessions list` and `sessions show`.
std::string RenderSessions(const agentd::v1::ListSessionsResponse& response);
std::string RenderSession(const agentd::v1::GetSessionResponse& response);

// "UNAVAILABLE", "INVALID_ARGUMENT", … as in the gRPC status code spec.
absl::string_view StatusCodeName(grpc::StatusCode code);

// The stderr line for a failed RPC: "agentctl: CODE: message". When the
// channel never reached the server, the message says so and names `server`
// instead of repeating gRPC's transport detail.
std::string RpcErrorLine(const grpc::Status& status, absl::string_view server,
                         bool reached_server);

// 0 when `status` is OK, else 1 (usage errors, 2, never reach an RPC).
int ExitCodeFor(const grpc::Status& status);

}  // namespace agentd::agentctl

#endif  // AGENTD_CLIENT_AGENTCTL_RENDER_H_
