// What the caller's system is and asks about (server/facts/system_rules.cc):
// read/write mixes in words and ratios, stores already run, dependencies and
// topics as lists, and whole words only ("download" is not "load").
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "tests/server/facts/phrase_tests.h"

namespace agentd {
namespace {

std::string ValueOf(const std::string& text, const std::string& field) {
  const std::optional<v1::Fact> fact = FindFact(ReadFacts(text), field);
  return fact.has_value() ? fact->value() : "(unset)";
}

INSTANTIATE_TEST_SUITE_P(
    SystemReadMix, ReadsPhraseTest,
    testing::Values(Phrase{"~90% of queries are SELECTs", "read_ratio", "0.9",
                           "90% of queries are SELECTs"},
                    Phrase{"Our MySQL primary", "current_database", "mysql", "MySQL"}));

INSTANTIATE_TEST_SUITE_P(
    SystemWholeWords, DoesNotReadTest,
    testing::Values(NotRead{"we download reports nightly", "cache_under_load"},
                    NotRead{"we download reports nightly", "topics"}));

TEST(ReadRatioTest, ReadsSharesRatiosAndMultiples) {
  EXPECT_EQ(ValueOf("~90% of queries are SELECTs from dashboards", "read_ratio"), "0.9");
  EXPECT_EQ(ValueOf("traffic is ~95% catalog reads", "read_ratio"), "0.95");
  EXPECT_EQ(ValueOf("reads are about 20x writes on our MySQL", "read_ratio"), "0.9524");
  EXPECT_EQ(ValueOf("reads outnumber writes 200:1", "read_ratio"), "0.995");
  EXPECT_EQ(ValueOf("about 92% of statements are reads", "read_ratio"), "0.92");
}

TEST(PeakTest, ReadsVagueCountsAndOneQualifyingWord) {
  EXPECT_EQ(ValueOf("a few hundred messages per second", "peak_rps"), "300");
  EXPECT_EQ(ValueOf("1.5 billion playback events a day", "peak_rps"), "17361.11");
  EXPECT_EQ(ValueOf("spike to ~30k increments/sec", "peak_rps"), "30000");
}

TEST(ListFactsTest, DownstreamsInEnumOrderWithEveryQuote) {
  const FactSet set = ReadFacts("Checkout calls Redis, then the payment service and inventory.");
  const std::optional<v1::Fact> fact = FindFact(set, "downstreams");
  ASSERT_TRUE(fact.has_value());
  EXPECT_EQ(fact->value(), "payment_provider,inventory,redis");
  EXPECT_EQ(fact->quote(), "payment; inventory; Redis");
  // The span is the earliest quote's.
  EXPECT_EQ(fact->span_begin(), 15);
  EXPECT_EQ(fact->span_end(), 20);
  ASSERT_EQ(set.requirements.downstreams_size(), 3);
}

TEST(ListFactsTest, TopicsAreWholeWordsAndRespectNegation) {
  EXPECT_EQ(ValueOf("How should we structure our caching and retries?", "topics"),
            "caching,resilience");
  EXPECT_EQ(ValueOf("No cache, please: we only download files.", "topics"), "(unset)");
  EXPECT_EQ(ValueOf("we download reports nightly", "cache_under_load"), "(unset)");
  EXPECT_EQ(ValueOf("API times degrade when Redis is under load", "cache_under_load"), "true");
}

TEST(SystemFactsTest, StoresUnitsMoneyAndStreams) {
  EXPECT_EQ(ValueOf("our MySQL primary", "current_database"), "mysql");
  EXPECT_EQ(ValueOf("a Memcached tier in front", "current_cache"), "memcached");
  EXPECT_EQ(ValueOf("10,000 orders per minute", "throughput_unit"), "orders");
  EXPECT_EQ(ValueOf("events and jobs, and some payments", "throughput_unit"), "payments");
  EXPECT_EQ(ValueOf("a ledger of balances", "handles_money"), "true");
  EXPECT_EQ(ValueOf("no payments are involved", "handles_money"), "false");
  EXPECT_EQ(ValueOf("each consumer reads the stream at their own pace", "event_streaming"),
            "true");
  EXPECT_EQ(ValueOf("hand PDF rendering jobs to workers", "async_work"), "true");
  EXPECT_EQ(ValueOf("we move from synchronous REST", "services_call_each_other"), "true");
}

}  // namespace
}  // namespace agentd
