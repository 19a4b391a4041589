#include "text/stemmer.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace agentd::text {
namespace {

TEST(StemmerTest, InflectionsMeet) {
  EXPECT_EQ(Stem("caching"), Stem("cached"));
  EXPECT_EQ(Stem("orders"), Stem("ordering"));
  EXPECT_EQ(Stem("replays"), "replay");
  // Not letters: unchanged.
  EXPECT_EQ(Stem("p99"), "p99");
  EXPECT_EQ(Stem(""), "");
}

TEST(StemmerTest, ThreadsStemIndependently) {
  std::vector<std::string> out(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&out, i] {
      for (int k = 0; k < 200; ++k) out[static_cast<size_t>(i)] = Stem("subscriptions");
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& s : out) EXPECT_EQ(s, "subscript");
}

}  // namespace
}  // namespace agentd::text
