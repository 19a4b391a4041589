#include "text/numbers.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentd::text {
namespace {

TEST(ReadNumberTest, DigitsAndWords) {
  struct Case {
    std::string text;
    double value;
    size_t tokens_used;
  };
  for (const Case& c : std::vector<Case>{{"1.2 million", 1.2e6, 2},
                                         {"2M", 2e6, 1},
                                         {"twenty five", 25, 2},
                                         {"a dozen", 12, 2},
                                         {"three hundred", 300, 2},
                                         {"six", 6, 1}}) {
    const TokenizedText t(c.text);
    double value = 0;
    size_t next = 0;
    ASSERT_TRUE(ReadNumber(t.tokens(), 0, &value, &next)) << c.text;
    EXPECT_DOUBLE_EQ(value, c.value) << c.text;
    EXPECT_EQ(next, c.tokens_used) << c.text;
  }
  const TokenizedText words("a team");
  double value = 0;
  size_t next = 0;
  EXPECT_FALSE(ReadNumber(words.tokens(), 0, &value, &next));
}

TEST(ReadNinesTest, NinesInWordsAndDigits) {
  struct Case {
    std::string text;
    double percent;
  };
  for (const Case& c : std::vector<Case>{{"four nines", 99.99},
                                         {"three and a half nines", 99.95},
                                         {"three nines and a half", 99.95},
                                         {"4 nines", 99.99},
                                         {"five 9s", 99.999},
                                         {"two nines", 99},
                                         {"four and a half nines", 99.995}}) {
    const TokenizedText t(c.text);
    double percent = 0;
    size_t next = 0;
    ASSERT_TRUE(ReadNines(t.tokens(), 0, &percent, &next)) << c.text;
    EXPECT_NEAR(percent, c.percent, 1e-9) << c.text;
    EXPECT_EQ(next, t.tokens().size()) << c.text;
  }
  for (const char* text : {"four teams", "twelve nines", "nines"}) {
    const TokenizedText t(text);
    double percent = 0;
    size_t next = 0;
    EXPECT_FALSE(ReadNines(t.tokens(), 0, &percent, &next)) << text;
  }
}

}  // namespace
}  // namespace agentd::text
