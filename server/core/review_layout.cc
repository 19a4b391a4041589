#include "server/core/review_layout.h"

#include <algorithm>
#include <cctype>
#include <utility>


namespace agentd {

ReviewLayout::ReviewLayout(std::vector<v1::SectionSpec> specs) {
  std::vector<v1::SectionSpec> kept;
  for (v1::SectionSpec& spec : specs) {
    if (by_id_.contains(spec.id())) continue;
    const size_t index = kept.size();
    by_id_.emplace(spec.id(), index);
    for (const std::string& prefix : spec.decision_prefixes()) by_prefix_.try_emplace(prefix, index);
    kept.push_back(std::move(spec));
  }
  specs_ = std::make_shared<const std::vector<v1::SectionSpec>>(std::move(kept));
}

ReviewLayout::ReviewLayout(const SectionSpecs& specs) : ReviewLayout([&specs] {
  std::vector<v1::SectionSpec> copies;
  copies.reserve(specs.size());
  for (const auto& spec : specs) copies.push_back(*spec);
  return copies;
}()) {}

ReviewLayout ReviewLayout::FromDefinitions(const std::vector<v1::AgentDefinition>& definitions) {
  std::vector<v1::SectionSpec> specs;
  for (const v1::AgentDefinition& def : definitions) {
    specs.insert(specs.end(), def.section_specs().begin(), def.section_specs().end());
  }
  return ReviewLayout(std::move(specs));
}

const v1::SectionSpec* ReviewLayout::Find(absl::string_view section_id) const {
  auto it = by_id_.find(section_id);
  return it == by_id_.end() ? nullptr : &(*specs_)[it->second];
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
  return it == by_prefix_.end() ? "" : (*specs_)[it->second].id();
}

SectionSpecs ReviewLayout::UsedBy(const v1::Review& review) const {
  std::vector<bool> used(specs_->size(), false);
  for (const v1::Section& s : review.sections()) MarkSection(s.id(), &used);
  MarkDecisionSections(review.decisions(), &used);
  return SpecsOf(used);
}

SectionSpecs ReviewLayout::UsedByAnswers(const std::vector<const v1::AgentResponse*>& answers) const {
  std::vector<bool> used(specs_->size(), false);
  for (const v1::AgentResponse* answer : answers) {
    for (const v1::Section& s : answer->sections()) MarkSection(s.id(), &used);
    MarkDecisionSections(answer->decisions(), &used);
  }
  return SpecsOf(used);
}

void ReviewLayout::MarkSection(absl::string_view section_id, std::vector<bool>* used) const {
  auto it = by_id_.find(section_id);
  if (it != by_id_.end()) (*used)[it->second] = true;
}

void ReviewLayout::MarkDecisionSections(const google::protobuf::RepeatedPtrField<v1::Decision>& decisions,
                                        std::vector<bool>* used) const {
  // An agent's decisions come grouped by prefix ("caching.pattern",
  // "caching.invalidation"): a prefix is looked up once per run of it.
  absl::string_view previous;
  bool any = false;
  for (const v1::Decision& d : decisions) {
    const absl::string_view key = d.key();
    const absl::string_view prefix = key.substr(0, key.find('.'));
    if (any && prefix == previous) continue;
    previous = prefix;
    any = true;
    auto it = by_prefix_.find(prefix);
    if (it != by_prefix_.end()) (*used)[it->second] = true;
  }
}

SectionSpecs ReviewLayout::SpecsOf(const std::vector<bool>& used) const {
  SectionSpecs out;
  out.reserve(static_cast<size_t>(std::count(used.begin(), used.end(), true)));
  for (size_t i = 0; i < specs_->size(); ++i) {
    // Aliasing: shares ownership of the whole vector, points at one spec.
    if (used[i]) out.emplace_back(specs_, &(*specs_)[i]);
  }
  return out;
}

}  // namespace agentd
