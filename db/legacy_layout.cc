#include "db/legacy_layout.h"

#include <string>
#include <string_view>

namespace agentd {
namespace {

constexpr char kLegacyTitle[] = "Backend Architecture Review";

struct LegacySection {
  const char* id;
  const char* heading;
  const char* decision_prefix;  // nullptr: none
};
constexpr LegacySection kLegacySections[] = {
    {"architecture_pattern", "Architecture Pattern", "architecture"},
    {"event_driven_design", "Event-Driven Design", "messaging"},
    {"caching_strategy", "Caching Strategy", "caching"},
    {"database_architecture", "Database Architecture", "database"},
    {"resilience_patterns", "Resilience Patterns", "resilience"},
    {"observability", "Observability", "observability"},
    {"scalability", "Scalability", "scalability"},
    {"background_jobs", "Background Jobs", "jobs"},
    {"recommendations", "Recommendations", nullptr},
    {"risks", "Risks & Mitigation", nullptr},
    {"api_design", "API Design", "api"},
    {"data_modeling", "Data Modeling", "data"},
    {"deployment_delivery", "Deployment & Delivery", "deployment"},
    {"reliability_operations", "Reliability Operations", "reliability"},
};

}  // namespace

const std::vector<v1::SectionSpec>& LegacyLayout() {
  static const std::vector<v1::SectionSpec> layout = [] {
    std::vector<v1::SectionSpec> specs;
    int order = 0;
    for (const LegacySection& s : kLegacySections) {
      v1::SectionSpec& spec = specs.emplace_back();
      spec.set_id(s.id);
      spec.set_heading(s.heading);
      spec.set_order(order += 10);
      if (s.decision_prefix != nullptr) spec.add_decision_prefixes(s.decision_prefix);
    }
    return specs;
  }();
  return layout;
}

void UpgradeLegacyMergeRecord(MergeRecord* record) {
  if (record->merger_version != 1) return;
  record->title = kLegacyTitle;
  static const SectionSpecs shared = [] {
    SectionSpecs specs;
    for (const v1::SectionSpec& spec : LegacyLayout()) specs.push_back(std::make_shared<const v1::SectionSpec>(spec));
    return specs;
  }();
  record->layout = shared;
}

void UpgradeLegacyStoredReview(v1::Review* review) {
  for (v1::Conflict& conflict : *review->mutable_conflicts()) {
    if (!conflict.section().empty()) continue;
    std::string_view prefix = std::string_view(conflict.key()).substr(0, conflict.key().find('.'));
    for (const LegacySection& s : kLegacySections) {
      if (s.decision_prefix != nullptr && prefix == s.decision_prefix) conflict.set_section(s.id);
    }
  }
}

}  // namespace agentd
