#include "db/blob_codec.h"

#include <zdict.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentd/v1/review.pb.h"
#include "agentd/v1/orchestrator.pb.h"
#include "gtest/gtest.h"

namespace agentd {
namespace {

std::string LargeSerializedReview() {
  std::string text;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&text, "- **Recommendation**: cache product pages ", i, "\n");
  v1::Review review;
  review.set_markdown(text);
  return review.SerializeAsString();
}

TEST(BlobCodecTest, LargeBlobsAreCompressedAndComeBackExactly) {
  const std::string serialized = LargeSerializedReview();
  const std::string stored = EncodeStoredBlob(serialized);
  ASSERT_GE(stored.size(), 2u);
  EXPECT_EQ(stored.substr(0, 2), std::string("\0s", 2));
  EXPECT_LT(stored.size(), serialized.size() / 2);
  auto decoded = DecodeStoredBlob(stored);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, serialized);
}

TEST(BlobCodecTest, SmallAndPlainBlobsStayAsTheyAre) {
  v1::ReviewRequest request;
  request.set_text("short");
  EXPECT_EQ(EncodeStoredBlob(request.SerializeAsString()), request.SerializeAsString());
  const std::string serialized = LargeSerializedReview();
  EXPECT_EQ(*DecodeStoredBlob(serialized), serialized);
  EXPECT_EQ(*DecodeStoredBlob(""), "");
}

// Databases written before zstd hold "\0z" + varint size + a zlib stream.
TEST(BlobCodecTest, ZlibBlobsFromEarlierVersionsStillDecode) {
  const std::string serialized = LargeSerializedReview();
  uLongf bound = compressBound(static_cast<uLong>(serialized.size()));
  std::string deflated(bound, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(deflated.data()), &bound,
                      reinterpret_cast<const Bytef*>(serialized.data()), serialized.size(), 1),
            Z_OK);
  deflated.resize(bound);
  std::string legacy("\0z", 2);
  for (uint64_t size = serialized.size();; size >>= 7) {
    legacy.push_back(static_cast<char>((size & 0x7f) | (size > 0x7f ? 0x80 : 0)));
    if (size <= 0x7f) break;
  }
  legacy += deflated;
  auto decoded = DecodeStoredBlob(legacy);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, serialized);

  legacy.resize(legacy.size() / 2);
  EXPECT_EQ(DecodeStoredBlob(legacy).status().code(), absl::StatusCode::kDataLoss);
}

TEST(BlobCodecTest, DamageIsReportedNeverParsedAsSomethingElse) {
  const std::string stored = EncodeStoredBlob(LargeSerializedReview());
  std::string truncated = stored.substr(0, stored.size() / 2);
  EXPECT_EQ(DecodeStoredBlob(truncated).status().code(), absl::StatusCode::kDataLoss);
  for (size_t at : {size_t{4}, stored.size() / 2, stored.size() - 1}) {  // header, body, checksum
    std::string flipped = stored;
    flipped[at] ^= 0x5a;
    EXPECT_EQ(DecodeStoredBlob(flipped).status().code(), absl::StatusCode::kDataLoss) << "byte " << at;
  }
  EXPECT_EQ(DecodeStoredBlob(std::string("\0q", 2)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeStoredBlob(std::string("\0q!", 3)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeStoredBlob(std::string("\0s\x28\xb5", 4)).status().code(), absl::StatusCode::kDataLoss);
}

// Contexts are shared through a pool: concurrent use gives exact results.
TEST(BlobCodecTest, ConcurrentThreadsRoundTrip) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 200; ++i) {
        std::string text = absl::StrCat("thread ", t, " blob ", i, " ");
        while (text.size() < 4000) absl::StrAppend(&text, "payment retries with idempotency keys ", i, "; ");
        v1::Review review;
        review.set_markdown(text);
        const std::string serialized = review.SerializeAsString();
        auto back = DecodeStoredBlob(EncodeStoredBlob(serialized));
        if (!back.ok() || *back != serialized) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

// Templated text like the agents' answers, varied by `n`.
std::string Templated(int n) {
  std::string text;
  for (int i = 0; i < 40; ++i) {
    absl::StrAppend(&text, "- **Recommendation ", (n * 7 + i) % 13, "**: put a cache in front of the ",
                    (i + n) % 2 == 0 ? "catalog" : "orders", " service; TTL ", 30 + (n + i) % 5, " s\n");
  }
  return text;
}

// A dictionary trained here, as `zstd --train` would on the agents' answers.
std::string TrainDictionary(unsigned id) {
  std::string samples;
  std::vector<size_t> sizes;
  for (int n = 0; n < 200; ++n) {
    std::string sample = Templated(n + 1000);
    samples += sample;
    sizes.push_back(sample.size());
  }
  std::string dict(16 * 1024, '\0');
  ZDICT_params_t params{};
  params.dictID = id;
  size_t size = ZDICT_finalizeDictionary(dict.data(), dict.size(), samples.data(), 8 * 1024,
                                         samples.data(), sizes.data(), static_cast<unsigned>(sizes.size()),
                                         params);
  EXPECT_FALSE(ZDICT_isError(size)) << ZDICT_getErrorName(size);
  dict.resize(ZDICT_isError(size) ? 0 : size);
  return dict;
}

TEST(BlobCodecTest, DictionaryBlobsNameTheirDictionaryAndAreSmaller) {
  const uint32_t id = RegisterBlobDictionary(TrainDictionary(7001));
  ASSERT_EQ(id, 7001u);
  const std::string text = Templated(3);
  const std::string with = EncodeStoredBlob(text, id);
  const std::string without = EncodeStoredBlob(text);
  EXPECT_EQ(with.substr(0, 2), std::string("\0d", 2));
  EXPECT_EQ(without.substr(0, 2), std::string("\0s", 2));
  EXPECT_LT(with.size(), without.size());
  EXPECT_EQ(ZSTD_getDictID_fromFrame(with.data() + 2, with.size() - 2), 7001u);
  EXPECT_EQ(*DecodeStoredBlob(with), text);
  EXPECT_EQ(*DecodeStoredBlob(without), text);
  // A second registration of the same id changes nothing.
  EXPECT_EQ(RegisterBlobDictionary(TrainDictionary(7001)), 7001u);
  EXPECT_EQ(RegisterBlobDictionary("not a dictionary"), 0u);
}

TEST(BlobCodecTest, BlobsOfAnOlderDictionaryStillReadWhenANewerOneIsInUse) {
  const uint32_t older = RegisterBlobDictionary(TrainDictionary(7002));
  const std::string text = Templated(5);
  const std::string old_blob = EncodeStoredBlob(text, older);
  const uint32_t newer = RegisterBlobDictionary(TrainDictionary(7003));
  const std::string new_blob = EncodeStoredBlob(text, newer);
  EXPECT_EQ(ZSTD_getDictID_fromFrame(new_blob.data() + 2, new_blob.size() - 2), newer);
  EXPECT_EQ(*DecodeStoredBlob(old_blob), text);
  EXPECT_EQ(*DecodeStoredBlob(new_blob), text);
}

TEST(BlobCodecTest, BlobOfAnUnknownDictionaryIsDataLoss) {
  // Compressed with a dictionary this process never registered.
  const std::string dict = TrainDictionary(7099);
  const std::string text = Templated(9);
  std::string frame(ZSTD_compressBound(text.size()), '\0');
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  size_t n = ZSTD_compress_usingDict(ctx, frame.data(), frame.size(), text.data(), text.size(), dict.data(),
                                     dict.size(), 3);
  ZSTD_freeCCtx(ctx);
  ASSERT_FALSE(ZSTD_isError(n));
  frame.resize(n);
  absl::StatusOr<std::string> decoded = DecodeStoredBlob(std::string("\0d", 2) + frame);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("7099"), absl::string_view::npos) << decoded.status();
}

}  // namespace
}  // namespace agentd
