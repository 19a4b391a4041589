#include "server/auth/authenticator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace agentd {
namespace {

constexpr std::string_view kBearer = "bearer ";

}  // namespace

Authenticator::Authenticator(AuthConfig config)
    : config_(std::move(config)),
      required_(!config_.token.empty() || !config_.tokens_file.empty() || config_.client_certificates) {}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(AuthConfig config) {
  std::unique_ptr<Authenticator> auth(new Authenticator(std::move(config)));
  absl::StatusOr<std::shared_ptr<const PrincipalTable>> table = auth->BuildTable();
  if (!table.ok()) return table.status();
  absl::MutexLock lock(&auth->mu_);
  auth->table_ = *std::move(table);
  return auth;
}

absl::StatusOr<std::shared_ptr<const PrincipalTable>> Authenticator::BuildTable() const {
  PrincipalTable table;
  if (!config_.tokens_file.empty()) {
    absl::StatusOr<PrincipalTable> loaded = PrincipalTable::Load(config_.tokens_file);
    if (!loaded.ok()) return loaded.status();
    table = *std::move(loaded);
  }
  if (!config_.token.empty()) {
    absl::Status added = table.AddToken(config_.token, Principal{"default", true});
    if (!added.ok()) return absl::InvalidArgumentError("--token is also listed in the tokens file");
  }
  return std::make_shared<const PrincipalTable>(std::move(table));
}

std::shared_ptr<const PrincipalTable> Authenticator::table() const {
  absl::MutexLock lock(&mu_);
  return table_;
}

absl::Status Authenticator::Reload() {
  if (config_.tokens_file.empty()) return absl::OkStatus();
  absl::StatusOr<std::shared_ptr<const PrincipalTable>> table = BuildTable();
  if (!table.ok()) return table.status();
  absl::MutexLock lock(&mu_);
  table_ = *std::move(table);
  return absl::OkStatus();
}

size_t Authenticator::token_count() const { return table()->size(); }

absl::StatusOr<Principal> Authenticator::Authenticate(std::optional<std::string_view> authorization,
                                                      std::string_view certificate_cn) const {
  if (!required_) return Principal{"default", true};
  if (authorization.has_value()) {
    std::string_view value = *authorization;
    if (value.size() <= kBearer.size() ||
        !absl::EqualsIgnoreCase(absl::string_view(value.data(), kBearer.size()),
                                absl::string_view(kBearer.data(), kBearer.size()))) {
      return absl::UnauthenticatedError("the authorization metadata must be 'Bearer <token>'");
    }
    std::optional<Principal> principal = table()->Find(value.substr(kBearer.size()));
    if (!principal.has_value()) return absl::UnauthenticatedError("the bearer token is not valid for this server");
    return *std::move(principal);
  }
  if (config_.client_certificates && !certificate_cn.empty()) {
    if (!IsValidPrincipalName(certificate_cn)) {
      return absl::UnauthenticatedError(
          "the client certificate's subject CN is not a valid principal name (1-64 of A-Z a-z 0-9 . _ @ -)");
    }
    return Principal{std::string(certificate_cn), false};
  }
  return absl::UnauthenticatedError(config_.client_certificates
                                        ? "send 'authorization: Bearer <token>' or a client certificate with a CN"
                                        : "missing authorization metadata: send 'authorization: Bearer <token>'");
}

}  // namespace agentd
