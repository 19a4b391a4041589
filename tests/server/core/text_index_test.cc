#include "server/core/text_index.h"

#include <set>
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

// A text read once (ExtractTerms) and indexed from its terms is indexed as
// the text itself is, and the ids given back are those Analyze finds.
TEST(TextIndexTest, TermsReadOnceIndexAsTheirText) {
  const std::string text = "Caching read-heavy services, and pub/sub queues; caching again";
  std::vector<Term> read;
  ExtractTerms(text, &read);
  TextIndex from_text, from_terms;
  for (TextIndex* index : {&from_text, &from_terms}) index->Add("queues for services");
  from_text.Add(text);
  std::vector<uint32_t> ids;
  from_terms.Add(read, &ids);
  from_text.Finalize();
  from_terms.Finalize();
  ASSERT_EQ(from_text.term_count(), from_terms.term_count());
  for (uint32_t t = 0; t < from_text.term_count(); ++t) {
    ASSERT_EQ(from_text.postings(t).size(), from_terms.postings(t).size());
    for (size_t i = 0; i < from_text.postings(t).size(); ++i) {
      EXPECT_EQ(from_text.postings(t)[i].doc, from_terms.postings(t)[i].doc);
      EXPECT_EQ(from_text.postings(t)[i].weight, from_terms.postings(t)[i].weight);
    }
    EXPECT_EQ(from_text.specificity(t), from_terms.specificity(t));
  }
  ASSERT_EQ(ids.size(), read.size());
  std::vector<TextIndex::QueryTerm> analyzed;
  from_terms.Analyze(text, &analyzed);
  std::set<uint32_t> distinct;
  for (const TextIndex::QueryTerm& t : analyzed) distinct.insert(t.term);
  EXPECT_EQ(std::set<uint32_t>(ids.begin(), ids.end()), distinct);
  EXPECT_EQ(distinct.size(), analyzed.size());
}

}  // namespace
}  // namespace agentd::routing
