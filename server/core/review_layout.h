// The merged review's layout: its sections' headings and order, and which
// section each decision key belongs to. It comes from the hosted agents'
// definitions (their `sections:`, SectionSpec); the core knows no section of
// its own. Immutable once built, so safe to share between threads.
#ifndef AGENTD_SERVER_CORE_REVIEW_LAYOUT_H_
#define AGENTD_SERVER_CORE_REVIEW_LAYOUT_H_

#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "agentd/v1/definition.pb.h"
#include "agentd/v1/plugin.pb.h"
#include "agentd/v1/review.pb.h"
#include "db/turn_record.h"

namespace agentd {

class ReviewLayout {
 public:
  ReviewLayout() : ReviewLayout(std::vector<v1::SectionSpec>()) {}
  // The first spec of an id wins, as the first definition listing a section
  // owns it.
  explicit ReviewLayout(std::vector<v1::SectionSpec> specs);
  // The layout a turn recorded (MergeRecord::layout).
  explicit ReviewLayout(const SectionSpecs& specs);
  // Every section spec of `definitions`, in their order.
  static ReviewLayout FromDefinitions(const std::vector<v1::AgentDefinition>& definitions);

  // The spec's heading, or the id title-cased ("cache_tuning" → "Cache Tuning").
  std::string Heading(absl::string_view section_id) const;
  // Sort key: the spec's order; kUnordered for a section with none.
  static constexpr int kUnordered = INT_MAX;
  int Rank(absl::string_view section_id) const;
  // The section whose decision prefix is the key's first part ("database" of
  // "database.primary"); empty when none.
  std::string SectionOfDecisionKey(absl::string_view key) const;
  // The specs `review` was laid out with: those of its sections and of its
  // decisions' and conflicts' sections. A turn records them, so merging it
  // again later lays it out the same whatever is hosted then.
  SectionSpecs UsedBy(const v1::Review& review) const;
  // The same specs from the answers the review is merged from (Merge puts
  // every section and decision key of every answer into the review), so a
  // turn can record them before its review exists. Both point into this
  // layout's specs and keep them alive: a turn records them without copying.
  SectionSpecs UsedByAnswers(const std::vector<const v1::AgentResponse*>& answers) const;

  const std::vector<v1::SectionSpec>& specs() const { return *specs_; }

 private:
  const v1::SectionSpec* Find(absl::string_view section_id) const;
  // Marks, in `used` (one flag per spec), the spec of section `section_id`
  // and those of the decisions' sections, when there are such specs.
  void MarkSection(absl::string_view section_id, std::vector<bool>* used) const;
  void MarkDecisionSections(const google::protobuf::RepeatedPtrField<v1::Decision>& decisions,
                            std::vector<bool>* used) const;
  // The specs marked in `used`, in layout order.
  SectionSpecs SpecsOf(const std::vector<bool>& used) const;
  std::shared_ptr<const std::vector<v1::SectionSpec>> specs_;  // never null; fixed once built
  absl::flat_hash_map<std::string, size_t> by_id_;
  absl::flat_hash_map<std::string, size_t> by_prefix_;
};

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_REVIEW_LAYOUT_H_
