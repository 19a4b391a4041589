#include "db/blob_codec.h"

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace agentd {
namespace {

// zstd level 1 with a reused context: about 30 µs for a 16 KB review, where
// zlib level 1 took about 170 µs (most of it setting up a fresh deflate state
// per call) for a slightly larger result.
constexpr int kZstdLevel = 1;
constexpr char kZstdMarker = 's';
constexpr char kZlibMarker = 'z';  // read only: written before zstd
constexpr uint64_t kMaxBlobBytes = uint64_t{1} << 30;

// zstd contexts are reused, not made per call, and pooled rather than kept
// per thread: a context holds ~100s of KB of tables, and agentd has hundreds
// of request threads of which only a few compress at any moment.
template <typename Context, Context* (*Create)(), size_t (*Free)(Context*)>
class ContextPool {
 public:
  ~ContextPool() {
    for (Context* ctx : idle_) Free(ctx);
  }
  Context* Acquire() {
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        Context* ctx = idle_.back();
        idle_.pop_back();
        return ctx;
      }
    }
    return Create();
  }
  void Release(Context* ctx) {
    absl::MutexLock lock(&mu_);
    idle_.push_back(ctx);
  }

 private:
  absl::Mutex mu_;
  std::vector<Context*> idle_ ABSL_GUARDED_BY(mu_);
};

// Frames carry a checksum (xxhash64, about 1 µs for 16 KB), so damage on
// disk is reported as DATA_LOSS rather than read as another message.
ZSTD_CCtx* NewCompressContext() {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  return ctx;
}

using CompressPool = ContextPool<ZSTD_CCtx, NewCompressContext, ZSTD_freeCCtx>;
using DecompressPool = ContextPool<ZSTD_DCtx, ZSTD_createDCtx, ZSTD_freeDCtx>;

CompressPool& Compressors() {
  static auto* pool = new CompressPool();  // never destroyed: used until exit
  return *pool;
}

DecompressPool& Decompressors() {
  static auto* pool = new DecompressPool();
  return *pool;
}

absl::StatusOr<std::string> DecodeZstd(std::string_view frame) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return absl::DataLossError("compressed blob has no readable zstd header");
  }
  if (size > kMaxBlobBytes) return absl::DataLossError("compressed blob claims an impossible size");
  std::string out(size, '\0');
  ZSTD_DCtx* ctx = Decompressors().Acquire();
  const size_t got = ZSTD_decompressDCtx(ctx, out.data(), out.size(), frame.data(), frame.size());
  Decompressors().Release(ctx);
  if (ZSTD_isError(got) || got != size) {
    return absl::DataLossError(absl::StrCat("compressed blob does not decompress (zstd: ",
                                            ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short", ")"));
  }
  return out;
}

absl::StatusOr<std::string> DecodeZlib(std::string_view stored) {
  uint64_t size = 0;
  size_t pos = 0;
  for (int shift = 0;; shift += 7) {
    if (pos >= stored.size() || shift > 35) return absl::DataLossError("truncated compressed blob");
    const auto byte = static_cast<unsigned char>(stored[pos++]);
    size |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  if (size > kMaxBlobBytes) return absl::DataLossError("compressed blob claims an impossible size");
  std::string out(size, '\0');
  uLongf out_len = static_cast<uLongf>(size);
  int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &out_len,
                      reinterpret_cast<const Bytef*>(stored.data() + pos), static_cast<uLong>(stored.size() - pos));
  if (rc != Z_OK || out_len != size) {
    return absl::DataLossError(absl::StrCat("compressed blob does not inflate (zlib ", rc, ")"));
  }
  return out;
}

}  // namespace

std::string EncodeStoredBlob(std::string serialized) {
  if (serialized.size() < kMinCompressedBlobBytes) return serialized;
  std::string out(2 + ZSTD_compressBound(serialized.size()), '\0');
  out[1] = kZstdMarker;
  ZSTD_CCtx* ctx = Compressors().Acquire();
  const size_t written = ZSTD_compress2(ctx, out.data() + 2, out.size() - 2, serialized.data(), serialized.size());
  Compressors().Release(ctx);
  if (ZSTD_isError(written) || 2 + written >= serialized.size()) return serialized;  // keep it plain
  out.resize(2 + written);
  return out;
}

absl::StatusOr<std::string> DecodeStoredBlob(std::string_view stored) {
  if (stored.empty() || stored[0] != '\0') return std::string(stored);
  if (stored.size() < 3) return absl::DataLossError("truncated compressed blob");
  switch (stored[1]) {
    case kZstdMarker: return DecodeZstd(stored.substr(2));
    case kZlibMarker: return DecodeZlib(stored.substr(2));
    default: return absl::DataLossError("unknown blob encoding");
  }
}

}  // namespace agentd
