// Runs one parsed agentctl command against an agentd channel.
//
// Results go to `out` (the review's markdown, tables, JSON); progress lines of
// `review --stream` and error lines go to `err`, so `agentctl review … >
// review.md` captures the review alone. Nothing here exits the process or
// touches global state; the caller owns the channel, the streams and the
// optional InterruptWatcher. One call at a time per RunCommand invocation;
// distinct invocations may share a channel. `mcp` is the exception that reads
// std::cin: its MCP requests, until end of input (client/agentctl/mcp.h).
#ifndef AGENTD_CLIENT_AGENTCTL_COMMANDS_H_
#define AGENTD_CLIENT_AGENTCTL_COMMANDS_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "client/agentctl/cli_args.h"
#include "client/agentctl/interrupt.h"
#include "grpcpp/channel.h"

namespace agentd::agentctl {

struct ClientOptions {
  std::string server;  // for error messages; the channel already targets it
  std::string token;   // sent as "authorization: Bearer <token>" when set
  absl::Duration timeout = absl::Seconds(30);  // deadline of each RPC
  bool json = false;   // print responses in the proto3 JSON mapping
};

// Returns the process exit status: 0 success, 1 the RPC failed or was
// cancelled (the reason already written to `err`). Health returns 1 when
// the server answers but is not SERVING. `interrupts` may be null.
int RunCommand(const Command& command, const ClientOptions& options,
               const std::shared_ptr<grpc::ChannelInterface>& channel,
               InterruptWatcher* interrupts, std::ostream& out, std::ostream& err);

}  // namespace agentd::agentctl

#endif  // AGENTD_CLIENT_AGENTCTL_COMMANDS_H_
