#include "server/core/review_layout.h"

#include <cctype>
#include <utility>

#include "absl/container/flat_hash_set.h"

namespace agentd {

ReviewLayout::ReviewLayout(std::vector<v1::SectionSpec> specs) {
  for (v1::SectionSpec& spec : specs) {
    if (by_id_.contains(spec.id())) continue;
    const size_t index = specs_.size();
    by_id_.emplace(spec.id(), index);
    for (const std::string& prefix : spec.decision_prefixes()) by_prefix_.try_emplace(prefix, index);
    specs_.push_back(std::move(spec));
  }
}

ReviewLayout ReviewLayout::FromDefinitions(const std::vector<v1::AgentDefinition>& definitions) {
  std::vector<v1::SectionSpec> specs;
  for (const v1::AgentDefinition& def : definitions) {
    specs.insert(specs.end(), def.section_specs().begin(), def.section_specs().end());
  }
  return ReviewLayout(std::move(specs));
}

const v1::SectionSpec* ReviewLayout::Find(absl::string_view section_id) const {
  auto it = by_id_.find(section_id);
  return it == by_id_.end() ? nullptr : &specs_[it->second];
}

std::string ReviewLayout::Heading(absl::string_view section_id) const {
  const v1::SectionSpec* spec = Find(section_id);
  if (spec != nullptr && !spec->heading().empty()) return spec->heading();
  std::string heading;
  bool start = true;
  for (char c : section_id) {
    if (c == '_' || c == '-') {
      heading.push_back(' ');
      start = true;
    } else {
      heading.push_back(start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
      start = false;
    }
  }
  return heading;
}

int ReviewLayout::Rank(absl::string_view section_id) const {
  const v1::SectionSpec* spec = Find(section_id);
  return spec != nullptr && spec->order() > 0 ? spec->order() : kUnordered;
}

std::string ReviewLayout::SectionOfDecisionKey(absl::string_view key) const {
  auto it = by_prefix_.find(key.substr(0, key.find('.')));
  return it == by_prefix_.end() ? "" : specs_[it->second].id();
}

std::vector<v1::SectionSpec> ReviewLayout::UsedBy(const v1::Review& review) const {
  absl::flat_hash_set<absl::string_view> used;
  for (const v1::Section& s : review.sections()) used.insert(s.id());
  for (const v1::Decision& d : review.decisions()) MarkDecisionSection(d.key(), &used);
  return SpecsOf(used);
}

std::vector<v1::SectionSpec> ReviewLayout::UsedByAnswers(
    const std::vector<const v1::AgentResponse*>& answers) const {
  absl::flat_hash_set<absl::string_view> used;
  for (const v1::AgentResponse* answer : answers) {
    for (const v1::Section& s : answer->sections()) used.insert(s.id());
    for (const v1::Decision& d : answer->decisions()) MarkDecisionSection(d.key(), &used);
  }
  return SpecsOf(used);
}

void ReviewLayout::MarkDecisionSection(absl::string_view key, absl::flat_hash_set<absl::string_view>* used) const {
  auto it = by_prefix_.find(key.substr(0, key.find('.')));
  if (it != by_prefix_.end()) used->insert(specs_[it->second].id());
}

std::vector<v1::SectionSpec> ReviewLayout::SpecsOf(const absl::flat_hash_set<absl::string_view>& used) const {
  std::vector<v1::SectionSpec> out;
  for (const v1::SectionSpec& spec : specs_) {
    if (used.contains(spec.id())) out.push_back(spec);
  }
  return out;
}

}  // namespace agentd
