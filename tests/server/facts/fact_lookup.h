// Looking into a FactSet in tests: the fact read for a field, and the whole
// set in one line for failure messages.
#ifndef AGENTD_TESTS_SERVER_FACTS_FACT_LOOKUP_H_
#define AGENTD_TESTS_SERVER_FACTS_FACT_LOOKUP_H_

#include <optional>
#include <string>

#include "server/facts/fact_reader.h"

namespace agentd {

inline std::optional<v1::Fact> FindFact(const FactSet& set, const std::string& field) {
  for (const v1::Fact& f : set.facts) {
    if (f.field() == field) return f;
  }
  return std::nullopt;
}

inline std::string Describe(const FactSet& set) {
  std::string out;
  for (const v1::Fact& f : set.facts) {
    out += f.field() + "=" + f.value() + " \"" + f.quote() + "\"; ";
  }
  return out.empty() ? "(no facts)" : out;
}

}  // namespace agentd

#endif  // AGENTD_TESTS_SERVER_FACTS_FACT_LOOKUP_H_
