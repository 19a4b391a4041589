#include "db/session_store.h"

#include <algorithm>
#include <cstdint>
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

std::string NewSessionId(absl::Time now) {
  static thread_local std::random_device device;
  const uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixMillis(now)));
  const uint64_t high = device();
  const uint64_t low = (uint64_t{device()} << 32) | device();
  unsigned char bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  for (int i = 6; i < 8; ++i) bytes[i] = static_cast<unsigned char>(high >> (8 * (i - 6)));
  for (int i = 8; i < 16; ++i) bytes[i] = static_cast<unsigned char>(low >> (8 * (i - 8)));
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x70);  // version 7
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
  std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20));
}

}  // namespace agentd
