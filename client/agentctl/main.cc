// agentctl: the command-line client of agentd (DESIGN.md §11).
// Flags and environment → ClientOptions, a channel, one command; nothing else.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/time/time.h"
#include "client/agentctl/channel.h"
#include "client/agentctl/cli_args.h"
#include "client/agentctl/commands.h"
#include "client/agentctl/interrupt.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

ABSL_FLAG(std::string, server, "",
          "agentd address HOST:PORT; default $AGENTD_ADDR, then 127.0.0.1:50051");
ABSL_FLAG(bool, json, false, "print responses in the proto3 JSON mapping");
ABSL_FLAG(std::string, token, "",
          "bearer token sent as `authorization` metadata; default $AGENTD_TOKEN");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30), "deadline of each RPC");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA bundle that signed agentd's certificate: connect with TLS");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate for mTLS (with --tls_key): connect with TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");

namespace {

int UsageError(absl::string_view message) {
  std::cerr << "agentctl: " << message << "\n\n" << agentd::agentctl::Usage();
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any gRPC object: gRPC's threads must inherit the blocked SIGINT.
  agentd::agentctl::InterruptWatcher interrupts;

  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<agentd::agentctl::ParsedArgs> parsed = agentd::agentctl::ParseArgs(args);
  if (!parsed.ok()) return UsageError(parsed.status().message());
  if (parsed->help) {
    std::cout << agentd::agentctl::Usage();
    return 0;
  }
  // The parser only recognised the global flags; Abseil owns their types.
  for (const auto& assignment : parsed->global_flags) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(assignment.name);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(assignment.value, &error)) {
      return UsageError("--" + assignment.name + ": " +
                        (flag == nullptr ? "not defined" : error));
    }
  }

  agentd::agentctl::ClientOptions options;
  options.server =
      agentd::agentctl::ResolveServer(absl::GetFlag(FLAGS_server), std::getenv("AGENTD_ADDR"));
  options.token =
      agentd::agentctl::ResolveToken(absl::GetFlag(FLAGS_token), std::getenv("AGENTD_TOKEN"));
  options.timeout = absl::GetFlag(FLAGS_timeout);
  options.json = absl::GetFlag(FLAGS_json);
  if (options.timeout <= absl::ZeroDuration()) {
    return UsageError("--timeout: must be positive, e.g. 30s");
  }

  // agentd listens on loopback without TLS by default (DESIGN.md §9); any
  // --tls_* flag connects with TLS (docs/security.md).
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      agentd::agentctl::MakeChannelCredentials({absl::GetFlag(FLAGS_tls_ca), absl::GetFlag(FLAGS_tls_cert),
                                                absl::GetFlag(FLAGS_tls_key)});
  if (!credentials.ok()) return UsageError(credentials.status().message());
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(options.server, *credentials);
  const int status = agentd::agentctl::RunCommand(parsed->command, options, channel,
                                                  &interrupts, std::cout, std::cerr);
  std::cout.flush();
  return status;
}
