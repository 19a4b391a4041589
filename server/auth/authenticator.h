// Authenticator: who is calling, from a call's bearer token or its verified
// client certificate. See docs/security.md for the rules in full.
//
// - Nothing configured (no --token, no --auth_tokens_file, no mTLS): every
//   caller is principal "default", admin. Only safe on loopback.
// - A bearer token ("authorization: Bearer T"), when sent, must be in the
//   table (--auth_tokens_file, plus --token as principal "default", admin);
//   it decides the principal. A wrong token is UNAUTHENTICATED even when a
//   client certificate is also presented.
// - With mTLS (client_certificates) and no token, the principal is the
//   subject CN of the client certificate gRPC verified, never admin.
// - Otherwise the call is UNAUTHENTICATED.
//
// Reload() re-reads the tokens file (on SIGHUP): a file that fails to parse
// leaves the table in use unchanged. Thread-safe.
#ifndef AGENTD_SERVER_AUTH_AUTHENTICATOR_H_
#define AGENTD_SERVER_AUTH_AUTHENTICATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/auth/principal_table.h"

namespace agentd {

struct AuthConfig {
  std::string token;                // one token for principal "default" (admin); empty = none
  std::string tokens_file;          // --auth_tokens_file; empty = none
  bool client_certificates = false; // mTLS: gRPC requires and verifies a client certificate
};

class Authenticator {
 public:
  // Loads the tokens file when one is configured; its errors are returned.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(AuthConfig config);

  // Whether callers must prove who they are (any of the three is configured).
  bool required() const { return required_; }

  // The caller's principal. `authorization`: the call's "authorization"
  // metadata, if sent. `certificate_cn`: the verified client certificate's
  // subject CN, empty when there is none.
  absl::StatusOr<Principal> Authenticate(std::optional<std::string_view> authorization,
                                         std::string_view certificate_cn) const;

  // Re-reads the tokens file. On error the old table stays and the error
  // says why; OK (and nothing done) when no file is configured.
  absl::Status Reload();
  // Tokens in the table now.
  size_t token_count() const;

 private:
  explicit Authenticator(AuthConfig config);
  absl::StatusOr<std::shared_ptr<const PrincipalTable>> BuildTable() const;
  std::shared_ptr<const PrincipalTable> table() const;

  const AuthConfig config_;
  const bool required_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const PrincipalTable> table_ ABSL_GUARDED_BY(mu_);
};

}  // namespace agentd

#endif  // AGENTD_SERVER_AUTH_AUTHENTICATOR_H_
