#include "server/auth/principal_table.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace agentd {
namespace {

std::string_view SV(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace

TokenDigest DigestOf(std::string_view token) {
  TokenDigest digest;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  return digest;
}

bool IsValidPrincipalName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status PrincipalTable::Add(const TokenDigest& digest, const Principal& principal) {
  for (const Entry& e : entries_) {
    if (e.digest == digest) return absl::InvalidArgumentError("the same token digest is listed twice");
  }
  entries_.push_back({digest, principal});
  return absl::OkStatus();
}

absl::Status PrincipalTable::AddToken(std::string_view token, const Principal& principal) {
  if (token.empty()) return absl::InvalidArgumentError("a token must not be empty");
  return Add(DigestOf(token), principal);
}

absl::StatusOr<PrincipalTable> PrincipalTable::Parse(std::string_view text) {
  PrincipalTable table;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    std::vector<absl::string_view> words = absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    auto bad = [&](std::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": ", absl::string_view(why.data(), why.size())));
    };
    if (words.size() < 2 || words.size() > 3) return bad("expected PRINCIPAL SHA256-HEX [admin]");
    if (!IsValidPrincipalName(SV(words[0]))) return bad("the principal must be 1-64 of A-Z a-z 0-9 . _ @ -");
    std::string hex = absl::AsciiStrToLower(words[1]);
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return bad("the digest must be 64 hex digits (sha256 of the token)");
    }
    if (words.size() == 3 && words[2] != "admin") return bad("the third word may only be 'admin'");
    TokenDigest digest;
    std::string bytes = absl::HexStringToBytes(hex);
    std::copy(bytes.begin(), bytes.end(), digest.begin());
    absl::Status added = table.Add(digest, Principal{std::string(words[0]), words.size() == 3});
    if (!added.ok()) return bad(SV(added.message()));
  }
  if (table.entries_.empty()) return absl::InvalidArgumentError("no tokens listed");
  return table;
}

absl::StatusOr<PrincipalTable> PrincipalTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("tokens file ", path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<PrincipalTable> table = Parse(text.str());
  if (!table.ok()) {
    return absl::Status(table.status().code(),
                        absl::StrCat("tokens file ", path, ": ", table.status().message()));
  }
  return table;
}

std::optional<Principal> PrincipalTable::Find(std::string_view token) const {
  const TokenDigest digest = DigestOf(token);
  const Entry* found = nullptr;
  for (const Entry& e : entries_) {
    // No early exit: every entry is compared.
    const bool equal = CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0;
    if (equal) found = &e;
  }
  if (found == nullptr) return std::nullopt;
  return found->principal;
}

}  // namespace agentd
