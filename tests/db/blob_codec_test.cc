#include "db/blob_codec.h"

#include <zlib.h>

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

}  // namespace
}  // namespace agentd
