// Internal to agentd_definitions: reads the scope rules out of a definition's
// Markdown body with cmark, and the text helpers those rules need.
#ifndef AGENTD_SERVER_DEFINITIONS_MARKDOWN_BODY_H_
#define AGENTD_SERVER_DEFINITIONS_MARKDOWN_BODY_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace agentd::definitions_internal {

struct Exclusion {
  std::string text;      // the item without its redirect
  std::string redirect;  // agent name, empty when the item names none
};

struct BodyScope {
  std::string title;  // first heading, any level
  std::vector<std::string> competencies;
  std::vector<std::string> use_when;
  std::vector<Exclusion> not_for;
};

// Which list a heading or short paragraph announces.
enum class ListMarker { kNone, kUseWhen, kNotFor, kCompetencies };
ListMarker ClassifyMarker(absl::string_view text, bool is_heading);

// Splits a "Do NOT use" item into its text and redirect: "(use X)",
// "(use X instead)", "(→ X)", and the ": Use X" form some files use.
Exclusion ParseExclusion(absl::string_view item);

// Parses `markdown` (any bytes) and collects the lists announced by marker
// headings or paragraphs. Only top-level blocks are markers; of a list item
// only its own paragraphs count (nested lists are detail, not rules).
BodyScope ParseBody(absl::string_view markdown);

// Runs of whitespace become one space; leading and trailing ones go.
std::string CollapseWhitespace(absl::string_view text);

}  // namespace agentd::definitions_internal

#endif  // AGENTD_SERVER_DEFINITIONS_MARKDOWN_BODY_H_
