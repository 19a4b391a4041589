#include "server/core/text_index.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "text/stemmer.h"

namespace agentd::routing {
namespace {

TEST(TextIndexTest, AnalyzeMarksTheClausesOfEachTerm) {
  TextIndex index;
  index.Add("caching services");
  index.Add("deploying to kubernetes");
  index.Finalize();
  std::vector<TextIndex::QueryTerm> terms;
  std::vector<uint32_t> clause_words;
  index.Analyze("Cached services and kubernetes; caching", &terms, &clause_words);
  ASSERT_EQ(terms.size(), 4u);  // cach, servic, "cach servic", kubernet
  EXPECT_EQ(terms[0].clauses, 0b101u);
  EXPECT_EQ(terms[1].clauses, 0b001u);
  EXPECT_EQ(terms[3].clauses, 0b010u);
  EXPECT_THAT(clause_words, ::testing::ElementsAre(2, 1, 1));
}

// Past a few dozen distinct words Analyze switches from scans to hashing;
// the counts must be the same either way.
TEST(TextIndexTest, AnalyzeCountsLongTextsLikeShortOnes) {
  TextIndex index;
  index.Add("caching services");
  index.Finalize();
  // Three clauses: the two known words; 300 distinct made-up words and the
  // known two; the same again. Known terms come back once each, with every
  // clause they appear in.
  std::string text = "caching services";
  for (int round = 0; round < 2; ++round) {
    text += round == 0 ? "; " : " and ";
    for (int i = 0; i < 300; ++i) text += absl::StrCat("zq", std::string(1, 'a' + i % 26), "x", i / 26, "w ");
    text += "caching services";
  }
  std::vector<TextIndex::QueryTerm> terms;
  std::vector<uint32_t> clause_words;
  const size_t content_words = index.Analyze(text, &terms, &clause_words);
  EXPECT_EQ(content_words, 302u);
  EXPECT_THAT(clause_words, ::testing::ElementsAre(2, 302, 302));
  ASSERT_EQ(terms.size(), 3u);  // cach, servic, "cach servic"
  EXPECT_EQ(terms[0].clauses, 0b111u);
  EXPECT_EQ(terms[2].clauses, 0b111u);
  // Analyze again on the same thread: its per-thread state was put back.
  index.Analyze("services", &terms);
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].clauses, 0b1u);
}

TEST(TextIndexTest, RareTermsWeighMoreAndUnknownTermsAreDropped) {
  TextIndex index;
  index.Add("caching strategy for services");
  index.Add("deploying services to kubernetes");
  index.Add("monitoring services with dashboards");
  index.Finalize();
  EXPECT_EQ(index.document_count(), 3u);
  std::vector<TextIndex::QueryTerm> terms;
  index.Analyze("Cached services on Kubernetes, with bananas", &terms);
  std::vector<std::string> surfaces;
  for (const auto& t : terms) surfaces.push_back(t.surface);
  EXPECT_THAT(surfaces, ::testing::ElementsAre("cached", "services", "kubernetes"));
  const auto& common = index.postings(terms[1].term);
  const auto& rare = index.postings(terms[2].term);
  ASSERT_EQ(common.size(), 3u);
  ASSERT_EQ(rare.size(), 1u);
  EXPECT_EQ(rare[0].doc, 1u);
  EXPECT_GT(rare[0].weight, common[1].weight);
}

TEST(BackgroundFrequencyTest, EverydayWordsAreCommonTopicWordsRare) {
  // Spoken English says "game" and "break" far more than "queue" or
  // "latency"; words it never lists ("kubernetes") get a small floor.
  EXPECT_GT(BackgroundFrequency(text::Stem("game")), 50 * BackgroundFrequency(text::Stem("latency")));
  EXPECT_GT(BackgroundFrequency(text::Stem("breaks")), 10 * BackgroundFrequency(text::Stem("queue")));
  const double unlisted = BackgroundFrequency(text::Stem("kubernetes"));
  EXPECT_GT(unlisted, 0.0);
  EXPECT_LE(unlisted, BackgroundFrequency(text::Stem("latency")));
  // Counts of words with one stem add up: "breaking" and "breaks" meet.
  EXPECT_EQ(BackgroundFrequency(text::Stem("breaking")), BackgroundFrequency(text::Stem("breaks")));
  EXPECT_GE(BackgroundFrequency(text::Stem("breaks")), BackgroundFrequency("breaks"));
  // A phrase is as frequent as its rarer word.
  EXPECT_EQ(BackgroundFrequency(text::Stem("game") + " " + text::Stem("latency")),
            BackgroundFrequency(text::Stem("latency")));
}

TEST(TextIndexTest, SpecificityRanksTopicWordsAboveEverydayWords) {
  // "game" and "latency" are used equally often here, so IDF cannot tell
  // them apart; the background can.
  TextIndex index;
  index.Add("game latency budgets");
  index.Add("game latency alerts");
  index.Finalize();
  std::vector<TextIndex::QueryTerm> terms;
  index.Analyze("game latency", &terms);
  ASSERT_EQ(terms.size(), 3u);  // game, latency, "game latency"
  EXPECT_EQ(index.postings(terms[0].term)[0].weight, index.postings(terms[1].term)[0].weight);
  const float game = index.specificity(terms[0].term);
  const float latency = index.specificity(terms[1].term);
  EXPECT_GT(latency, game + 3.0f);
  EXPECT_TRUE(terms[2].phrase);
  EXPECT_EQ(index.specificity(terms[2].term), latency);
}

}  // namespace
}  // namespace agentd::routing
