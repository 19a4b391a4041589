// The strict front-matter reader: yaml-cpp parses the text, and each
// top-level key becomes a RawField (lists of scalars kept, example maps
// flattened to "key: value" text). Refuses text nested deeper than real
// front matter ever is, so yaml-cpp's recursion cannot exhaust the stack.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/definitions/front_matter.h"
#include "server/definitions/front_matter_lines.h"

namespace agentd::definitions_internal {
namespace {

// yaml-cpp recurses once per nesting level, so a deeply nested document (a
// fuzzer's favourite) could exhaust the stack. Real front matter is shallow;
// anything deeper than this goes straight to the lenient reader.
bool TooDeepForYaml(absl::string_view text) {
  constexpr int kMaxDepth = 48;
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  for (absl::string_view line : Lines(text)) {
    if (Indent(line) > 4 * kMaxDepth) return true;
    // "- - - - x" and "? ? ? x" nest one level per leading marker.
    int markers = 0;
    size_t i = Indent(line);
    while (i + 1 < line.size() && (line[i] == '-' || line[i] == '?') &&
           line[i + 1] == ' ') {
      if (++markers > kMaxDepth) return true;
      i += 2;
      while (i < line.size() && line[i] == ' ') ++i;
    }
  }
  return false;
}

std::string FlattenExampleMap(const YAML::Node& map) {
  // An example written as a map ({context, user, assistant}) becomes the same
  // "key: value" text an <example> block holds, so one extractor serves both.
  std::vector<std::string> parts;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar() || !entry.second.IsScalar()) continue;
    std::string value = entry.second.Scalar();
    std::replace(value.begin(), value.end(), '\n', ' ');
    parts.push_back(absl::StrCat(entry.first.Scalar(), ": ", value));
  }
  return absl::StrJoin(parts, "\n");
}

// A map's keys with their scalar values; a list of scalars is joined with ", ".
std::vector<std::pair<std::string, std::string>> MapEntries(const YAML::Node& map) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) continue;
    if (entry.second.IsScalar()) {
      entries.emplace_back(entry.first.Scalar(), entry.second.Scalar());
    } else if (entry.second.IsSequence()) {
      std::vector<std::string> parts;
      for (const auto& item : entry.second) {
        if (item.IsScalar()) parts.push_back(item.Scalar());
      }
      entries.emplace_back(entry.first.Scalar(), absl::StrJoin(parts, ", "));
    }
  }
  return entries;
}

bool ConvertYamlField(const YAML::Node& key, const YAML::Node& value,
                      int first_line, RawField* field) {
  if (!key.IsScalar()) return false;
  field->key = key.Scalar();
  field->line = first_line + key.Mark().line;
  if (!value.IsDefined() || value.IsNull()) {
    field->kind = RawField::Kind::kNull;
  } else if (value.IsScalar()) {
    field->kind = RawField::Kind::kScalar;
    field->scalar = value.Scalar();
  } else if (value.IsSequence()) {
    field->kind = RawField::Kind::kList;
    for (const auto& item : value) {
      if (item.IsScalar()) {
        field->items.push_back(item.Scalar());
        field->item_maps.emplace_back();
      } else if (item.IsMap()) {
        field->items.push_back(FlattenExampleMap(item));
        field->item_maps.push_back(MapEntries(item));
      }
    }
  } else if (value.IsMap()) {
    field->kind = RawField::Kind::kMap;
    for (const auto& entry : value) {
      if (entry.second.IsScalar()) {
        field->items.push_back(entry.second.Scalar());
      } else if (entry.second.IsSequence()) {
        for (const auto& item : entry.second) {
          if (item.IsScalar()) field->items.push_back(item.Scalar());
        }
      }
    }
  }
  return true;
}

}  // namespace

bool ReadFrontMatterYaml(const SplitFile& split,
                         std::vector<RawField>* fields) {
  if (TooDeepForYaml(split.front_matter)) return false;
  // yaml-cpp reports errors by throwing; nothing may escape this module.
  try {
    YAML::Node root = YAML::Load(split.front_matter);
    if (root.IsNull()) {
      fields->clear();
      return true;
    }
    if (!root.IsMap()) return false;
    std::vector<RawField> result;
    for (const auto& entry : root) {
      RawField field;
      if (ConvertYamlField(entry.first, entry.second,
                           split.front_matter_first_line, &field)) {
        result.push_back(std::move(field));
      }
    }
    *fields = std::move(result);
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace agentd::definitions_internal
