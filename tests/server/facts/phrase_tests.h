// Parameterised tests of the fact reader shared by the tests of its rule
// tables: ReadsPhraseTest (a phrasing yields a fact, its value and its quote
// at its span) and DoesNotReadTest (a phrasing leaves a field unset). Each
// test file instantiates them with its own phrasings.
#ifndef AGENTD_TESTS_SERVER_FACTS_PHRASE_TESTS_H_
#define AGENTD_TESTS_SERVER_FACTS_PHRASE_TESTS_H_

#include <optional>
#include <ostream>
#include <string>

#include "gtest/gtest.h"
#include "server/facts/fact_reader.h"
#include "tests/server/facts/fact_lookup.h"

namespace agentd {

// One phrasing: the fact it must yield, with its normalised value and quote.
struct Phrase {
  std::string text;
  std::string field;
  std::string value;
  std::string quote;
};

inline std::ostream& operator<<(std::ostream& os, const Phrase& p) {
  return os << "\"" << p.text << "\" -> " << p.field << "=" << p.value;
}

class ReadsPhraseTest : public testing::TestWithParam<Phrase> {};

TEST_P(ReadsPhraseTest, YieldsValueAndQuote) {
  const Phrase& p = GetParam();
  const FactSet set = ReadFacts(p.text);
  const std::optional<v1::Fact> fact = FindFact(set, p.field);
  ASSERT_TRUE(fact.has_value()) << "read: " << Describe(set);
  EXPECT_EQ(fact->value(), p.value) << Describe(set);
  EXPECT_EQ(fact->quote(), p.quote) << Describe(set);
  EXPECT_EQ(fact->source(), v1::Fact::SOURCE_TEXT);
  // The span points at the quote in the caller's text.
  ASSERT_LE(fact->span_end(), static_cast<int>(p.text.size()));
  EXPECT_EQ(p.text.substr(fact->span_begin(),
                          fact->span_end() - fact->span_begin()),
            p.quote);
  // The Requirements carry the same value.
  EXPECT_EQ(FactValue(set.requirements, p.field), p.value);
}

// Phrases that must not yield `field`.
struct NotRead {
  std::string text;
  std::string field;
};

inline std::ostream& operator<<(std::ostream& os, const NotRead& n) {
  return os << "\"" << n.text << "\" !-> " << n.field;
}

class DoesNotReadTest : public testing::TestWithParam<NotRead> {};

TEST_P(DoesNotReadTest, LeavesFieldUnset) {
  const FactSet set = ReadFacts(GetParam().text);
  EXPECT_FALSE(FindFact(set, GetParam().field).has_value()) << Describe(set);
  EXPECT_EQ(FactValue(set.requirements, GetParam().field), "");
}

}  // namespace agentd

#endif  // AGENTD_TESTS_SERVER_FACTS_PHRASE_TESTS_H_
