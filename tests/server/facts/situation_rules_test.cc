// The situations behind the seed's rules, read from plain words
// (server/facts/situation_rules.cc): each phrasing yields its fact with the
// quote it came from, and a denial yields the opposite or nothing.
#include <optional>
#include <ostream>
#include <string>

#include "gtest/gtest.h"
#include "server/facts/fact_reader.h"

namespace agentd {
namespace {

std::optional<v1::Fact> FindFact(const FactSet& set, const std::string& field) {
  for (const v1::Fact& f : set.facts) {
    if (f.field() == field) return f;
  }
  return std::nullopt;
}

std::string Describe(const FactSet& set) {
  std::string out;
  for (const v1::Fact& f : set.facts) out += f.field() + "=" + f.value() + " \"" + f.quote() + "\"; ";
  return out.empty() ? "(no facts)" : out;
}

struct Situation {
  std::string text;
  std::string field;
  std::string value;  // "" = the field must not be read
  std::string quote;
};

std::ostream& operator<<(std::ostream& os, const Situation& s) {
  return os << "\"" << s.text << "\" -> " << s.field << "=" << s.value;
}

class SituationTest : public testing::TestWithParam<Situation> {};

TEST_P(SituationTest, ReadsTheFactWithItsQuote) {
  const Situation& s = GetParam();
  const FactSet set = ReadFacts(s.text);
  const std::optional<v1::Fact> fact = FindFact(set, s.field);
  if (s.value.empty()) {
    EXPECT_FALSE(fact.has_value()) << Describe(set);
    return;
  }
  ASSERT_TRUE(fact.has_value()) << Describe(set);
  EXPECT_EQ(fact->value(), s.value) << Describe(set);
  EXPECT_EQ(fact->quote(), s.quote) << Describe(set);
  EXPECT_EQ(s.text.substr(fact->span_begin(), fact->span_end() - fact->span_begin()),
            fact->quote());
}

INSTANTIATE_TEST_SUITE_P(
    Caching, SituationTest,
    testing::Values(
        Situation{"a couple of seconds of staleness is acceptable", "stale_reads_ok", "true",
                  "staleness is acceptable"},
        Situation{"prices must always be fresh", "stale_reads_ok", "false", "prices"},
        Situation{"the reload has to reflect the save immediately", "read_after_write", "true",
                  "reflect the save immediately"},
        Situation{"losing the last second of progress on a crash is fine", "write_loss_ok", "true",
                  "losing the last"},
        Situation{"we can't afford losing a second of payments", "write_loss_ok", "false",
                  "losing a second"},
        Situation{"it's always the same 50 currency pairs", "hot_keys", "true",
                  "same 50 currency pairs"},
        Situation{"we want them never to go cold", "hot_keys", "true", "never to go cold"},
        Situation{"every change is already emitted on the bus", "changes_published", "true",
                  "already emitted"},
        Situation{"bundles never change once published", "immutable_content", "true",
                  "never change once"},
        Situation{"purge every cached page of the store", "grouped_invalidation", "true",
                  "purge every cached"}));

INSTANTIATE_TEST_SUITE_P(
    Data, SituationTest,
    testing::Values(
        Situation{"each article has a different nested structure", "varied_records", "true",
                  "different nested structure"},
        Situation{"sessions are fetched by token, nothing else", "key_access_only", "true",
                  "fetched by token"},
        Situation{"we traverse 3-4 hops of follows", "relationship_traversal", "true", "traverse"},
        Situation{"rows are only ever appended", "append_only_series", "true", "appended"},
        Situation{"we do not need append-only storage", "append_only_series", "false",
                  "append-only"},
        Situation{"write volume has outgrown the biggest instance we can buy",
                  "writes_beyond_one_node", "true",
                  "write volume has outgrown"},
        Situation{"~150 Puma workers across 30 containers", "instance_count", "150",
                  "150 Puma workers"},
        Situation{"60 pods, each opening 25 connections", "connections_per_instance", "25",
                  "each opening 25 connections"},
        Situation{"we keep hitting max_connections", "connections_exhausted", "true",
                  "max_connections"}));

INSTANTIATE_TEST_SUITE_P(
    Messaging, SituationTest,
    testing::Values(
        Situation{"re-run the last 30 days of card transactions", "needs_replay", "true",
                  "re-run"},
        Situation{"we do NOT need replay", "needs_replay", "false", "replay"},
        Situation{"push the events through the new model again", "needs_replay", "true",
                  "through the new model again"},
        Situation{"consumers bind with wildcard patterns", "complex_routing", "true",
                  "wildcard"},
        Situation{"what did the plan look like last Tuesday at 3pm?", "temporal_queries", "true",
                  "look like last Tuesday"},
        Situation{"browse pages need denormalized documents", "separate_read_model", "true",
                  "denormalized"},
        Situation{"support can never tell where a booking got stuck", "central_flow_view",
                  "true", "where a booking got stuck"},
        Situation{"we don't want a 'boss' service", "no_coordinator", "true", "don't want a 'boss"},
        Situation{"we want a central coordinator", "no_coordinator", "", ""},
        Situation{"a short 3-step flow", "saga_steps", "3", "3-step"},
        Situation{"each with its own compensation step", "compensating_steps", "true",
                  "compensation"}));

}  // namespace
}  // namespace agentd
