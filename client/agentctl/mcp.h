// `agentctl mcp`: agentd as a Model Context Protocol server over stdio, so
// IDE agents (VS Code, Cursor, Claude Code, …) can call it as a tool.
//
// Transport: newline-delimited JSON-RPC 2.0 on stdin/stdout, one message a
// line; logs go to stderr only, because anything else on stdout would corrupt
// the protocol. Methods: initialize (protocol version negotiation),
// notifications/initialized, notifications/cancelled, ping, tools/list,
// tools/call. Tools: review,
// route, list_agents.
//
// Errors keep the bridge running: a line that is not JSON (-32700), not a
// JSON-RPC request (-32600), too long (-32600, the line is skipped without
// being buffered), an unknown method (-32601) or an unknown tool or bad
// arguments (-32602) each get one error reply. An agentd failure (down,
// NOT_FOUND, DEADLINE_EXCEEDED, …) is not a protocol error: it is a tool
// result with isError true and the status in words, which the model can read.
//
// Serve() answers ping, tools/list and protocol errors at once, and runs tool
// calls on a small pool of threads, so a long review does not hold up a ping;
// notifications/cancelled cancels a call in flight (its gRPC call too) and,
// as the spec asks, no reply is sent for it. McpServer itself is used from
// one thread; the backend is owned by the caller, must be thread-safe, and
// must outlive the server.
//
// The code: JSON-RPC framing and the call pool in mcp.cc, the tools in
// mcp_tools.cc, the gRPC backend in mcp_backend.cc.
#ifndef AGENTD_CLIENT_AGENTCTL_MCP_H_
#define AGENTD_CLIENT_AGENTCTL_MCP_H_

#include <cstddef>
#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agentd/v1/orchestrator.pb.h"
#include "client/agentctl/commands.h"
#include "grpcpp/channel.h"

namespace agentd::agentctl {

// The MCP protocol revisions this bridge speaks, newest first.
inline constexpr const char* kMcpProtocolVersions[] = {"2025-06-18", "2025-03-26",
                                                       "2024-11-05"};

// The client's requested version when supported, else the newest supported
// (the client then decides whether it can go on, as the spec says).
std::string NegotiateMcpProtocolVersion(absl::string_view requested);

// Cancels one tool call. Cancel() may be called from any thread, at any
// time; the canceller registered by the backend for the call in flight runs
// at most once, under the object's lock, so it cannot outlive what it cancels.
class McpCancellation {
 public:
  void Cancel();
  bool cancelled() const;
  // Registers how to cancel the work now in flight (e.g. TryCancel on its
  // ClientContext); runs it at once when Cancel() came first.
  void SetCanceller(std::function<void()> canceller);
  // Call before what the canceller refers to goes away.
  void ClearCanceller();

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;                // guarded by mu_
  std::function<void()> canceller_;       // guarded by mu_
};

// What the bridge asks of agentd. The real one calls agentd over gRPC; tests
// supply a fake. Errors carry the canonical code and a message for people.
class McpBackend {
 public:
  virtual ~McpBackend() = default;
  virtual absl::StatusOr<agentd::v1::ReviewResponse> Review(
      const agentd::v1::ReviewRequest& request, McpCancellation& cancel) = 0;
  virtual absl::StatusOr<agentd::v1::RouteDecision> Route(
      const agentd::v1::RouteRequest& request, McpCancellation& cancel) = 0;
  virtual absl::StatusOr<agentd::v1::ListAgentsResponse> ListAgents(
      McpCancellation& cancel) = 0;
};

// A backend calling agentd through `channel` with the token and per-call
// deadline of `options`. Thread-safe (gRPC stubs are).
std::unique_ptr<McpBackend> NewGrpcMcpBackend(
    const ClientOptions& options, const std::shared_ptr<grpc::ChannelInterface>& channel);

struct McpOptions {
  // A line longer than this is rejected (and skipped) without being kept in
  // memory. agentd takes at most 64 KiB of text; JSON escaping can double it.
  size_t max_message_bytes = 1 << 20;
  std::string server_version = "0.1.0";
  // Tool calls run at the same time; more wait in arrival order.
  int max_concurrent_calls = 4;
};

class McpServer {
 public:
  McpServer(McpBackend* backend, McpOptions options);

  // Handles one message (a line without its newline), a tool call included,
  // on the calling thread. Returns the reply line (no newline), or nullopt
  // when none is due (notifications, and responses sent to us, which this
  // server never asks for).
  std::optional<std::string> HandleMessage(absl::string_view line);

  // Reads lines from `in` until end of input, writing each reply to `out`
  // followed by "\n" and flushed, and one log line per problem to `log`.
  // Waits for the tool calls still running, then returns the process exit
  // status: 0.
  int Serve(std::istream& in, std::ostream& out, std::ostream& log);

 private:
  struct Prepared;  // a message parsed and checked: a reply now, or work
  Prepared Prepare(absl::string_view line);

  McpBackend* backend_;
  McpOptions options_;
};

// `agentctl mcp`: Serve() with a gRPC backend; `in`/`out` are the protocol
// (stdin/stdout), `log` is stderr.
int RunMcp(const ClientOptions& options, const std::shared_ptr<grpc::ChannelInterface>& channel,
           std::istream& in, std::ostream& out, std::ostream& log);

}  // namespace agentd::agentctl

#endif  // AGENTD_CLIENT_AGENTCTL_MCP_H_
