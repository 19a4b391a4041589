// How agentd listens: TLS credentials from PEM files, and the rule that a
// server reachable beyond loopback must authenticate its callers.
// Pure functions apart from reading the PEM files; thread-safe.
#ifndef AGENTD_SERVER_SERVICE_LISTEN_SECURITY_H_
#define AGENTD_SERVER_SERVICE_LISTEN_SECURITY_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"

namespace agentd {

struct TlsConfig {
  std::string cert_file;       // PEM server certificate chain; empty = plaintext
  std::string key_file;        // PEM private key of cert_file
  std::string client_ca_file;  // PEM CA bundle; set = mTLS (a verified client certificate is required)
};

// True when `listen` ("host:port", "[v6]:port", "unix:path") can be reached
// only from this machine: 127.0.0.0/8, ::1, "localhost", or a unix socket.
bool IsLoopbackListen(std::string_view listen);

// The rule: beyond loopback, callers must authenticate (a token, a tokens
// file or mTLS) unless `allow_insecure_remote`. FAILED_PRECONDITION with
// what to do when the rule is broken; OK otherwise. `warning` gets a line
// to log when the server is allowed but exposed (insecure remote, or a
// bearer token sent without TLS beyond loopback).
absl::Status CheckListenSecurity(std::string_view listen, bool authenticated, bool tls,
                                 bool allow_insecure_remote, std::string* warning);

// Plaintext when tls.cert_file is empty, else TLS (mTLS with client_ca_file).
// INVALID_ARGUMENT when only one of cert/key is given or a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const TlsConfig& tls);

}  // namespace agentd

#endif  // AGENTD_SERVER_SERVICE_LISTEN_SECURITY_H_
