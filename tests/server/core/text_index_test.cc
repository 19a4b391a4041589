#include "server/core/text_index.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd::text {
namespace {

TEST(StemTest, PorterExamples) {
  EXPECT_EQ(Stem("caresses"), "caress");
  EXPECT_EQ(Stem("ponies"), "poni");
  EXPECT_EQ(Stem("hopping"), "hop");
  EXPECT_EQ(Stem("agreed"), "agre");
  EXPECT_EQ(Stem("happy"), "happi");
  EXPECT_EQ(Stem("relational"), "relat");
  EXPECT_EQ(Stem("generalization"), "gener");
  EXPECT_EQ(Stem("adjustment"), "adjust");
  EXPECT_EQ(Stem("is"), "is");
}

TEST(StemTest, VariantsMeet) {
  EXPECT_EQ(Stem("caching"), Stem("cache"));
  EXPECT_EQ(Stem("cached"), Stem("caches"));
  EXPECT_EQ(Stem("migrations"), Stem("migrate"));
  EXPECT_EQ(Stem("retries"), Stem("retry"));
  EXPECT_EQ(Stem("indexes"), Stem("indexing"));
}

std::vector<std::string> Keys(std::string_view text) {
  std::vector<Term> terms;
  Tokenize(text, &terms);
  std::vector<std::string> keys;
  for (const Term& t : terms) keys.push_back(t.key);
  return keys;
}

TEST(TokenizeTest, DropsFunctionWordsAndNumbersAndFormsPhrases) {
  EXPECT_THAT(Keys("How do we cache 10,000 product pages?"),
              ::testing::ElementsAre("cach", "product", "page", "product page"));
}

TEST(TokenizeTest, FunctionWordBreaksAPhrase) {
  // "read or write" must not make the phrase "read write".
  EXPECT_THAT(Keys("read or write"), ::testing::ElementsAre("read", "write"));
}

TEST(TokenizeTest, CompoundsAlsoJoined) {
  EXPECT_THAT(Keys("Pub/Sub"), ::testing::ElementsAre("pub", "sub", "pub sub", "pubsub"));
}

TEST(TokenizeTest, ClausesEndAtPunctuationAndJoiningWords) {
  std::vector<Term> terms;
  Tokenize("Pick brokers, and define alerting. Cache 10,000 pages", &terms);
  std::vector<std::string> keys;
  std::vector<uint32_t> clauses;
  for (const Term& t : terms) {
    keys.push_back(t.key);
    clauses.push_back(t.clause);
  }
  // No phrase across a clause end ("broker defin"); "10,000" stays whole.
  EXPECT_THAT(keys, ::testing::ElementsAre("pick", "broker", "pick broker", "defin", "alert",
                                           "defin alert", "cach", "page"));
  EXPECT_THAT(clauses, ::testing::ElementsAre(0, 0, 0, 1, 1, 1, 2, 2));
}

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
  EXPECT_GT(BackgroundFrequency(Stem("game")), 50 * BackgroundFrequency(Stem("latency")));
  EXPECT_GT(BackgroundFrequency(Stem("breaks")), 10 * BackgroundFrequency(Stem("queue")));
  const double unlisted = BackgroundFrequency(Stem("kubernetes"));
  EXPECT_GT(unlisted, 0.0);
  EXPECT_LE(unlisted, BackgroundFrequency(Stem("latency")));
  // Counts of words with one stem add up: "breaking" and "breaks" meet.
  EXPECT_EQ(BackgroundFrequency(Stem("breaking")), BackgroundFrequency(Stem("breaks")));
  EXPECT_GE(BackgroundFrequency(Stem("breaks")), BackgroundFrequency("breaks"));
  // A phrase is as frequent as its rarer word.
  EXPECT_EQ(BackgroundFrequency(Stem("game") + " " + Stem("latency")),
            BackgroundFrequency(Stem("latency")));
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
