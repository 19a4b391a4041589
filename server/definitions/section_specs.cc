#include "server/definitions/section_specs.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace agentd::definitions_internal {
namespace {

std::vector<std::string> CommaList(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

// Ids are names, not prose: a space or colon means a map the lenient reader
// flattened, or a typo.
bool IsSectionId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

class SpecReader {
 public:
  SpecReader(const RawField& field, absl::string_view path, v1::AgentDefinition* def)
      : field_(field), path_(path), def_(def) {}

  absl::Status Add(v1::SectionSpec spec) {
    if (!IsSectionId(spec.id())) {
      return Error(absl::StrCat("sections: '", spec.id().substr(0, 80),
                                "' is not a section id (letters, digits, '_', '-'); a section with a heading or "
                                "an order is a map (id, heading, order, decisions) in strict YAML"));
    }
    if (!seen_.insert(spec.id()).second) return absl::OkStatus();
    def_->add_sections(spec.id());
    *def_->add_section_specs() = std::move(spec);
    return absl::OkStatus();
  }

  absl::Status AddIds(absl::string_view text) {
    for (std::string& id : CommaList(text)) {
      v1::SectionSpec spec;
      spec.set_id(std::move(id));
      if (absl::Status s = Add(std::move(spec)); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status AddMap(const std::vector<std::pair<std::string, std::string>>& entries) {
    v1::SectionSpec spec;
    for (const auto& [key, raw] : entries) {
      std::string value(absl::StripAsciiWhitespace(raw));
      if (key == "id") {
        spec.set_id(value);
      } else if (key == "heading") {
        spec.set_heading(value);
      } else if (key == "order") {
        int32_t order = 0;
        if (!absl::SimpleAtoi(value, &order) || order < 0) {
          return Error(absl::StrCat("sections: 'order' must be a whole number >= 0, got '", value.substr(0, 40), "'"));
        }
        spec.set_order(order);
      } else if (key == "decisions") {
        for (std::string& prefix : CommaList(value)) spec.add_decision_prefixes(std::move(prefix));
      }
    }
    if (spec.id().empty()) return Error("sections: an entry written as a map needs an 'id'");
    return Add(std::move(spec));
  }

 private:
  absl::Status Error(absl::string_view reason) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ":", field_.line, ": ", reason));
  }

  const RawField& field_;
  absl::string_view path_;
  v1::AgentDefinition* def_;
  std::set<std::string> seen_;
};

}  // namespace

absl::Status ReadSectionSpecs(const RawField& field, absl::string_view path, v1::AgentDefinition* def) {
  def->clear_sections();
  def->clear_section_specs();
  SpecReader reader(field, path, def);
  if (field.kind == RawField::Kind::kScalar) return reader.AddIds(field.scalar);
  for (size_t i = 0; i < field.items.size(); ++i) {
    const bool is_map = field.kind == RawField::Kind::kList && i < field.item_maps.size() &&
                        !field.item_maps[i].empty();
    absl::Status added = is_map ? reader.AddMap(field.item_maps[i]) : reader.AddIds(field.items[i]);
    if (!added.ok()) return added;
  }
  return absl::OkStatus();
}

}  // namespace agentd::definitions_internal
