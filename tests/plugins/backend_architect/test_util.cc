#include "tests/plugins/backend_architect/test_util.h"

#include "plugins/backend_architect/engine.h"
#include "server/facts/fact_reader.h"

namespace agentd::backend_architect::testing {

v1::AgentRequest Request(const v1::Requirements& requirements, const std::string& text) {
  v1::AgentRequest request;
  *request.mutable_requirements() = requirements;
  request.set_text(text);
  request.set_agent("backend-architect");
  return request;
}

v1::AgentResponse ReviewOf(const v1::Requirements& requirements, const std::string& text) {
  const FactSet facts = LayerFacts(FactSet{}, ReadFacts(text), FactsFromFields(requirements));
  return Review(Request(facts.requirements, text));
}

const v1::Decision* FindDecision(const v1::AgentResponse& response, const std::string& key) {
  for (const v1::Decision& d : response.decisions()) {
    if (d.key() == key) return &d;
  }
  return nullptr;
}

std::string DecisionValue(const v1::AgentResponse& response, const std::string& key) {
  const v1::Decision* d = FindDecision(response, key);
  return d == nullptr ? "<absent>" : d->value();
}

const v1::Section* FindSection(const v1::AgentResponse& response, const std::string& id) {
  for (const v1::Section& s : response.sections()) {
    if (s.id() == id) return &s;
  }
  return nullptr;
}

std::string SectionText(const v1::AgentResponse& response, const std::string& id) {
  const v1::Section* s = FindSection(response, id);
  if (s == nullptr) return "";
  std::string out;
  for (const v1::Item& item : s->items()) {
    out += item.label() + ": " + item.text() + " | " + item.rationale() + " | " +
           item.mitigation() + "\n";
  }
  return out;
}

namespace {
std::string Join(const google::protobuf::RepeatedPtrField<v1::Item>& items) {
  std::string out;
  for (const v1::Item& item : items) out += item.text() + " | " + item.rationale() + "\n";
  return out;
}
}  // namespace

std::string QuestionsText(const v1::AgentResponse& response) { return Join(response.questions()); }
std::string AssumptionsText(const v1::AgentResponse& response) {
  return Join(response.assumptions());
}

}  // namespace agentd::backend_architect::testing
