#include "server/core/router_terms.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "text/stemmer.h"

namespace agentd::routing {
namespace {

std::vector<std::string> Keys(std::string_view text) {
  std::vector<Term> terms;
  ExtractTerms(text, &terms);
  std::vector<std::string> keys;
  for (const Term& t : terms) keys.push_back(t.key);
  return keys;
}

TEST(ExtractTermsTest, DropsFunctionWordsAndNumbersAndFormsPhrases) {
  EXPECT_THAT(Keys("How do we cache 10,000 product pages?"),
              ::testing::ElementsAre("cach", "product", "page", "product page"));
}

TEST(ExtractTermsTest, StemsWithTheTextLayersStemmer) {
  // The router's keys are the text layer's stems: one stemmer in the tree.
  for (const char* word : {"caching", "migrations", "retries", "indexes", "nightly"}) {
    EXPECT_THAT(Keys(word), ::testing::ElementsAre(text::Stem(word))) << word;
  }
  EXPECT_EQ(Keys("caching"), Keys("cached"));
  EXPECT_EQ(Keys("retries"), Keys("retry"));
}

TEST(ExtractTermsTest, FunctionWordBreaksAPhrase) {
  // "read or write" must not make the phrase "read write".
  EXPECT_THAT(Keys("read or write"), ::testing::ElementsAre("read", "write"));
  // Nor does a clitic join its word to the next: "don't cache" is no phrase.
  EXPECT_THAT(Keys("users' logins don't cache"), ::testing::ElementsAre("user", "login", "user login", "don", "login don", "cach"));
}

TEST(ExtractTermsTest, CompoundsAlsoJoined) {
  EXPECT_THAT(Keys("Pub/Sub"), ::testing::ElementsAre("pub", "sub", "pub sub", "pubsub"));
  EXPECT_THAT(Keys("read-heavy"), ::testing::ElementsAre("read", "heavi", "read heavi", "readheavi"));
  // Digits written onto a word are one word; a number alone is none.
  EXPECT_THAT(Keys("5xx on 24/7"), ::testing::ElementsAre("5xx"));
}

TEST(ExtractTermsTest, ClausesEndAtPunctuationLineBreaksAndJoiningWords) {
  std::vector<Term> terms;
  ExtractTerms("Pick brokers, and define alerting. Cache 10,000 pages\nnode.js workers", &terms);
  std::vector<std::string> keys;
  std::vector<uint32_t> clauses;
  for (const Term& t : terms) {
    keys.push_back(t.key);
    clauses.push_back(t.clause);
  }
  // No phrase across a clause end ("broker defin"); "node.js" stays one clause.
  EXPECT_THAT(keys, ::testing::ElementsAre("pick", "broker", "pick broker", "defin", "alert", "defin alert",
                                           "cach", "page", "node", "js", "node js", "worker", "js worker"));
  EXPECT_THAT(clauses, ::testing::ElementsAre(0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3));
}

TEST(ExtractTermsTest, StopWords) {
  EXPECT_TRUE(IsStopWord("the"));
  EXPECT_TRUE(IsStopWord("thing"));
  EXPECT_FALSE(IsStopWord("queue"));
}

}  // namespace
}  // namespace agentd::routing
