#include "db/session_store.h"

#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "db/postgres_connection.h"
#include "db/postgres_session_store.h"
#include "db/sqlite_session_store.h"

namespace agentd {

absl::StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(StoreOptions options) {
  if (pg::IsPostgresUrl(options.path)) return PostgresSessionStore::Open(std::move(options));
  return SqliteSessionStore::Open(std::move(options));
}

std::string NewSessionId() {
  static thread_local std::random_device device;
  unsigned char bytes[16];
  for (int i = 0; i < 16; i += 4) {
    uint32_t word = device();
    for (int j = 0; j < 4; ++j) bytes[i + j] = static_cast<unsigned char>(word >> (8 * j));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20));
}

}  // namespace agentd
