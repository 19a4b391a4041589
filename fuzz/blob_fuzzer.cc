// Fuzz target: the session store's blob codec. What is on disk may be
// damaged: decoding any bytes must give a value or DATA_LOSS, never a crash
// or a huge allocation; and anything encoded must decode to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "db/blob_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = agentd::DecodeStoredBlob(bytes);
  if (!decoded.ok() && decoded.status().code() != absl::StatusCode::kDataLoss) std::abort();
  const std::string plain(bytes);
  auto round_trip = agentd::DecodeStoredBlob(agentd::EncodeStoredBlob(plain));
  // A stored blob that starts with the marker byte 0 is read as encoded; the
  // encoder only writes plain text that does not (serialized protos never do).
  if (!plain.empty() && plain[0] == '\0') return 0;
  if (!round_trip.ok() || *round_trip != plain) std::abort();
  return 0;
}
