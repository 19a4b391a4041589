// Internal to `agentctl mcp`: the tools the bridge offers (review, route,
// list_agents). Their schemas for tools/list, the checking of a call's
// arguments, and the call itself, whose result is an MCP tool result: text
// for people and models, structuredContent (the proto3 JSON of agentd's
// answer) for programs, and isError with the status in words when agentd
// failed. Knows nothing of JSON-RPC framing, which is mcp.cc's.
#ifndef AGENTD_CLIENT_AGENTCTL_MCP_TOOLS_H_
#define AGENTD_CLIENT_AGENTCTL_MCP_TOOLS_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/agentctl/mcp.h"
#include "nlohmann/json.hpp"

namespace agentd::agentctl::mcp_internal {

using nlohmann::json;

// `value` as one line of JSON text. Replies must be valid UTF-8 JSON even
// when the input was not: invalid bytes are replaced, it never throws.
std::string DumpJson(const json& value);

// The tools, as tools/list returns them (name, description, input and
// output schemas).
json ToolList();

// A checked tool call: calls agentd through the backend and returns the tool
// result. Runs on any thread.
using ToolCall = std::function<json(McpCancellation&)>;

// Checks `arguments` (a JSON object) against tool `tool`'s schema and
// returns the call to run later. INVALID_ARGUMENT with a message for the
// client when the tool is unknown or an argument is missing, of the wrong
// type or unknown. `backend` must outlive the call.
absl::StatusOr<ToolCall> PrepareToolCall(McpBackend* backend, absl::string_view tool,
                                         const json& arguments);

}  // namespace agentd::agentctl::mcp_internal

#endif  // AGENTD_CLIENT_AGENTCTL_MCP_TOOLS_H_
