#include "db/blob_codec.h"

#include <zlib.h>
#include <zdict.h>
// For ZSTD_c_forceAttachDict (experimental in zstd 1.5, exported by the
// shared library of the same version the build compiles against).
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <cstdint>
#include <map>
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
// With a dictionary the blobs are a few KB and mostly matches into it: a
// higher level costs little and finds the longer matches.
constexpr int kZstdDictionaryLevel = 3;
constexpr char kZstdMarker = 's';
constexpr char kZstdDictionaryMarker = 'd';  // the frame names its dictionary id
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
// The dictionary is attached, never copied: for a body over zstd's cut-off
// (8 KB at level 3; a five-agent turn is about 25 KB) zstd would otherwise
// copy the dictionary's match tables into the context on every call, 100 of
// the 128 µs a turn took, for the same compressed size.
ZSTD_CCtx* NewCompressContext() {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
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

// Dictionaries known to this process, by their zstd id: digested once for
// compression and decompression, never freed (a handful per process).
struct Dictionary {
  ZSTD_CDict* compress;
  ZSTD_DDict* decompress;
};

class DictionaryRegistry {
 public:
  uint32_t Add(std::string_view bytes) {
    const uint32_t id = ZDICT_getDictID(bytes.data(), bytes.size());
    if (id == 0) return 0;
    absl::MutexLock lock(&mu_);
    if (by_id_.count(id) != 0) return id;
    Dictionary dict{ZSTD_createCDict(bytes.data(), bytes.size(), kZstdDictionaryLevel),
                    ZSTD_createDDict(bytes.data(), bytes.size())};
    if (dict.compress == nullptr || dict.decompress == nullptr) return 0;
    by_id_.emplace(id, dict);
    return id;
  }
  const Dictionary* Find(uint32_t id) {
    absl::MutexLock lock(&mu_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
  }

 private:
  absl::Mutex mu_;
  std::map<uint32_t, Dictionary> by_id_ ABSL_GUARDED_BY(mu_);  // node-stable: Find hands out pointers
};

DictionaryRegistry& Dictionaries() {
  static auto* registry = new DictionaryRegistry();  // never destroyed: used until exit
  return *registry;
}

absl::StatusOr<std::string> DecodeZstd(std::string_view frame) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return absl::DataLossError("compressed blob has no readable zstd header");
  }
  if (size > kMaxBlobBytes) return absl::DataLossError("compressed blob claims an impossible size");
  std::string out(size, '\0');
  const Dictionary* dict = nullptr;
  if (const uint32_t id = ZSTD_getDictID_fromFrame(frame.data(), frame.size()); id != 0) {
    dict = Dictionaries().Find(id);
    if (dict == nullptr) {
      return absl::DataLossError(
          absl::StrCat("compressed blob needs zstd dictionary ", id, ", which this agentd does not have"));
    }
  }
  ZSTD_DCtx* ctx = Decompressors().Acquire();
  const size_t got =
      dict == nullptr
          ? ZSTD_decompressDCtx(ctx, out.data(), out.size(), frame.data(), frame.size())
          : ZSTD_decompress_usingDDict(ctx, out.data(), out.size(), frame.data(), frame.size(), dict->decompress);
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

uint32_t RegisterBlobDictionary(std::string_view dictionary) { return Dictionaries().Add(dictionary); }

std::string EncodeStoredBlob(std::string serialized, uint32_t dictionary_id) {
  if (serialized.size() < kMinCompressedBlobBytes) return serialized;
  const Dictionary* dict = dictionary_id != 0 ? Dictionaries().Find(dictionary_id) : nullptr;
  std::string out(2 + ZSTD_compressBound(serialized.size()), '\0');
  out[1] = dict != nullptr ? kZstdDictionaryMarker : kZstdMarker;
  ZSTD_CCtx* ctx = Compressors().Acquire();
  if (dict != nullptr) ZSTD_CCtx_refCDict(ctx, dict->compress);  // its level, and its id in the frame
  const size_t written = ZSTD_compress2(ctx, out.data() + 2, out.size() - 2, serialized.data(), serialized.size());
  if (dict != nullptr) {
    ZSTD_CCtx_refCDict(ctx, nullptr);
    ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, kZstdLevel);
  }
  Compressors().Release(ctx);
  if (ZSTD_isError(written) || 2 + written >= serialized.size()) return serialized;  // keep it plain
  out.resize(2 + written);
  return out;
}

absl::StatusOr<std::string> DecodeStoredBlob(std::string_view stored) {
  if (stored.empty() || stored[0] != '\0') return std::string(stored);
  if (stored.size() < 3) return absl::DataLossError("truncated compressed blob");
  switch (stored[1]) {
    case kZstdMarker:
    case kZstdDictionaryMarker: return DecodeZstd(stored.substr(2));
    case kZlibMarker: return DecodeZlib(stored.substr(2));
    default: return absl::DataLossError("unknown blob encoding");
  }
}

}  // namespace agentd
