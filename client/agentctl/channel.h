// The channel agentctl (and `agentctl mcp`) talks to agentd over:
// plaintext, TLS, or TLS with a client certificate (mTLS).
// Pure apart from reading the PEM files; thread-safe.
#ifndef AGENTD_CLIENT_AGENTCTL_CHANNEL_H_
#define AGENTD_CLIENT_AGENTCTL_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"

namespace agentd::agentctl {

struct TlsFiles {
  std::string ca;    // --tls_ca: PEM CA bundle that signed the server's certificate; empty = system roots
  std::string cert;  // --tls_cert: PEM client certificate (mTLS), with key
  std::string key;   // --tls_key
};

// Plaintext when all three are empty; otherwise TLS, presenting the client
// certificate when cert and key are given. INVALID_ARGUMENT (naming the
// flag) when only one of cert/key is set or a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(const TlsFiles& files);

}  // namespace agentd::agentctl

#endif  // AGENTD_CLIENT_AGENTCTL_CHANNEL_H_
