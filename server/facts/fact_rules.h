// Internal to server/facts: the tables of phrasings ReadFacts understands,
// one table per Requirements field. Adding a phrasing is adding a row.
#ifndef AGENTD_SERVER_FACTS_FACT_RULES_H_
#define AGENTD_SERVER_FACTS_FACT_RULES_H_

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace agentd::facts_internal {

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// How one phrase becomes a value. Values are numbers whatever the field's
// type: enum numbers, 1/0 for bools.
struct Rule {
  std::string pattern;  // text_matcher.h syntax, macros already expanded
  // Computes the value from the numbers the pattern captured; nullptr means
  // `value`. Returning kNoValue rejects the match.
  double (*transform)(const std::vector<double>& numbers) = nullptr;
  double value = 0;
  // Lower is stronger evidence: "eventual consistency is fine" (0) beats a
  // hint such as "payments" (1) wherever they stand in the text.
  int tier = 0;
  // When set, a negator around the phrase ("we don't need replay") turns the
  // value into `negated_value`; kNoValue means the phrase then says nothing.
  bool check_negation = false;
  double negated_value = kNoValue;
};

enum class Pick {
  kFirst,    // the strongest tier, then the earliest in the text
  kLargest,  // the largest value: peak_rps is a peak
  kAll,      // every value read, for a repeated enum field (downstreams)
};

struct FieldRules {
  std::string_view field;  // Requirements field name
  Pick pick = Pick::kFirst;
  double min = -std::numeric_limits<double>::infinity();  // sane range
  double max = std::numeric_limits<double>::infinity();
  std::vector<Rule> rules;
};

// Row builders for the tables, so a table reads as phrase -> meaning.
// Patterns may use the word classes {sec}, {min}, {neg}, ... (fact_rules.cc).
Rule Num(std::string_view pattern,
         double (*transform)(const std::vector<double>& numbers));
Rule Yes(std::string_view pattern);  // bool true; negated: false
// Bool false, the phrase says so itself; weaker than any positive phrase.
Rule No(std::string_view pattern);
Rule Is(std::string_view pattern, double value, int tier = 0,
        double negated_value = kNoValue);
Rule Exactly(std::string_view pattern, double value);  // no negation check
double First(const std::vector<double>& numbers);

// The tables of the situations behind the seed's caching, database and
// messaging rules (situation_rules.cc) and of what the caller already runs
// and asks about (system_rules.cc), appended to `tables`.
void AddSituationTables(std::vector<FieldRules>* tables);
void AddSystemTables(std::vector<FieldRules>* tables);

// Every table, built once on first use; immutable afterwards.
const std::vector<FieldRules>& AllFieldRules();

// Checks the tables against Requirements: every pattern compiles, every
// field exists and is not repeated, every constant value fits its field.
// Rules that fail are skipped by ReadFacts; tests call this so they cannot
// fail silently.
absl::Status ValidateFieldRules();

}  // namespace agentd::facts_internal

#endif  // AGENTD_SERVER_FACTS_FACT_RULES_H_
