#include "server/core/text_index.h"

#include <string>
#include <vector>

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

}  // namespace
}  // namespace agentd::text
