#include "text/sentences.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd::text {
namespace {

std::vector<std::string> Sentences(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& [begin, end] : SplitSentences(text)) out.emplace_back(text.substr(begin, end - begin));
  return out;
}

TEST(SplitSentencesTest, EndsAtStopsFollowedBySpace) {
  EXPECT_THAT(Sentences("  Pick a broker.  Is Kafka right? Yes!"),
              ::testing::ElementsAre("Pick a broker.", "Is Kafka right?", "Yes!"));
  // Version numbers, thousands, abbreviations and a stop-less end stay inside.
  EXPECT_THAT(Sentences("Upgrade to v1.2 for 10,000 users, e.g. the EU ones. Then measure"),
              ::testing::ElementsAre("Upgrade to v1.2 for 10,000 users, e.g. the EU ones.", "Then measure"));
  EXPECT_TRUE(SplitSentences("").empty());
  EXPECT_TRUE(SplitSentences("   ").empty());
}

}  // namespace
}  // namespace agentd::text
