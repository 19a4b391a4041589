// How the store keeps a turn's serialized messages (request, route, review,
// agent outputs) on disk.
//
// A blob of at least kMinCompressedBlobBytes is compressed with zstd behind
// the two-byte marker "\0s"; the zstd frame carries the original size and a
// checksum. No serialized protobuf starts with a zero byte (field number 0
// is invalid), so plain blobs read as they are. Blobs written by earlier versions with
// zlib ("\0z" + varint of the original size + deflate stream) still decode.
//
// Thread-safe: zstd contexts are pooled and reused, so a call allocates only
// its result. Public for tools that write the database in bulk
// (bench/store_bench.cc).
#ifndef AGENTD_DB_BLOB_CODEC_H_
#define AGENTD_DB_BLOB_CODEC_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace agentd {

inline constexpr size_t kMinCompressedBlobBytes = 256;

// The blob to store for `serialized`: compressed when that is smaller,
// otherwise `serialized` itself.
std::string EncodeStoredBlob(std::string serialized);

// The serialized message back; DATA_LOSS if a compressed blob is damaged or
// its marker is unknown.
absl::StatusOr<std::string> DecodeStoredBlob(std::string_view stored);

}  // namespace agentd

#endif  // AGENTD_DB_BLOB_CODEC_H_
