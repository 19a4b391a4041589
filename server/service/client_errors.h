// What a client is told when a call fails: absl::Status → grpc::Status,
// once, at the service edge.
//
// The message a client sees is bounded in size and carries no server paths:
// anything that looks like a file path (a SQLite error naming the database,
// a plugin's file) is replaced by "<path>", and the message is cut to
// kMaxClientMessageBytes. The full message stays in the server's log.
// Thread-safe, no state.
#ifndef AGENTD_SERVER_SERVICE_CLIENT_ERRORS_H_
#define AGENTD_SERVER_SERVICE_CLIENT_ERRORS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace agentd {

inline constexpr size_t kMaxClientMessageBytes = 512;

// `message` with file paths replaced and cut to kMaxClientMessageBytes
// (never inside a UTF-8 character).
std::string ClientMessage(std::string_view message);

// The status a client receives: same code, ClientMessage(message). An
// error whose message had to be scrubbed is logged in full.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_CLIENT_ERRORS_H_
