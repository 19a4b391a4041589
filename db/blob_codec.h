// How the store keeps a turn's serialized messages (request, route, review,
// agent outputs) on disk.
//
// A blob of at least kMinCompressedBlobBytes is compressed with zstd behind
// the two-byte marker "\0s", or "\0d" when compressed with a dictionary;
// the zstd frame carries the original size, a checksum and, for "\0d", the
// id of its dictionary (any dictionary registered in the process reads). No serialized protobuf starts with a zero byte (field number 0
// is invalid), so plain blobs read as they are. Blobs written by earlier versions with
// zlib ("\0z" + varint of the original size + deflate stream) still decode.
//
// Thread-safe: zstd contexts are pooled and reused, so a call allocates only
// its result. Public for tools that write the database in bulk
// (bench/store_bench.cc).
#ifndef AGENTD_DB_BLOB_CODEC_H_
#define AGENTD_DB_BLOB_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace agentd {

inline constexpr size_t kMinCompressedBlobBytes = 256;

// Makes a trained zstd dictionary (ZDICT format, as `zstd --train` writes)
// known to this process and returns its id, or 0 if it is not one. Blobs
// that name the id then decode; registering the same id again is a no-op.
uint32_t RegisterBlobDictionary(std::string_view dictionary);

// The blob to store for `serialized`: compressed (with the registered
// dictionary `dictionary_id`, if not 0) when that is smaller, otherwise
// `serialized` itself.
std::string EncodeStoredBlob(std::string serialized, uint32_t dictionary_id = 0);

// The serialized message back; DATA_LOSS if a compressed blob is damaged or
// its marker or dictionary is unknown.
absl::StatusOr<std::string> DecodeStoredBlob(std::string_view stored);

}  // namespace agentd

#endif  // AGENTD_DB_BLOB_CODEC_H_
