// PrincipalTable: which bearer tokens this server accepts, and whose they are.
//
// The table holds SHA-256 digests, never tokens. It is built from the tokens
// file (--auth_tokens_file), one line per token:
//
//   # comment
//   PRINCIPAL SHA256-HEX-OF-TOKEN [admin]
//
// PRINCIPAL is 1..64 of [A-Za-z0-9._@-]; the digest is 64 hex digits (e.g.
// `printf %s "$TOKEN" | sha256sum`); `admin` allows the admin calls. One
// principal may have several tokens; a digest may appear only once.
//
// A table is immutable once built and safe to read from any thread.
#ifndef AGENTD_SERVER_AUTH_PRINCIPAL_TABLE_H_
#define AGENTD_SERVER_AUTH_PRINCIPAL_TABLE_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace agentd {

// Who is calling: the name sessions are scoped by, and whether the admin
// calls (PruneSessions) are allowed.
struct Principal {
  std::string name;
  bool admin = false;
};

using TokenDigest = std::array<unsigned char, 32>;

// SHA-256 of `token` (OpenSSL's libcrypto).
TokenDigest DigestOf(std::string_view token);

class PrincipalTable {
 public:
  PrincipalTable() = default;

  // Parses a tokens file's text. INVALID_ARGUMENT "line N: why" on the first
  // bad line; the message never quotes a digest or a token.
  static absl::StatusOr<PrincipalTable> Parse(std::string_view text);
  // Reads and parses the file at `path`; errors name the path.
  static absl::StatusOr<PrincipalTable> Load(const std::string& path);

  // Adds a token given in the clear (the --token case).
  absl::Status AddToken(std::string_view token, const Principal& principal);

  // The principal holding `token`, or nullopt. Every entry's digest is
  // compared in constant time, and all entries are compared whatever
  // matches, so the time taken says nothing about the token.
  std::optional<Principal> Find(std::string_view token) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    TokenDigest digest;
    Principal principal;
  };
  absl::Status Add(const TokenDigest& digest, const Principal& principal);

  std::vector<Entry> entries_;
};

// True when `name` is a valid principal name (see the file format above).
bool IsValidPrincipalName(std::string_view name);

}  // namespace agentd

#endif  // AGENTD_SERVER_AUTH_PRINCIPAL_TABLE_H_
