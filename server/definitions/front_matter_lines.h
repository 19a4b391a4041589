// Internal to agentd_definitions: the line helpers both front-matter
// readers (front_matter_yaml.cc, front_matter_lenient.cc) and the file
// splitter (front_matter.cc) share. Lines are '\n'-separated; indentation
// is spaces and tabs.
#ifndef AGENTD_SERVER_DEFINITIONS_FRONT_MATTER_LINES_H_
#define AGENTD_SERVER_DEFINITIONS_FRONT_MATTER_LINES_H_

#include <cstddef>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace agentd::definitions_internal {

inline absl::string_view TrimRight(absl::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline absl::string_view Trim(absl::string_view s) {
  return absl::StripAsciiWhitespace(s);
}

inline bool IsBlank(absl::string_view s) { return Trim(s).empty(); }

inline size_t Indent(absl::string_view s) {
  size_t n = 0;
  while (n < s.size() && (s[n] == ' ' || s[n] == '\t')) ++n;
  return n;
}

inline std::vector<absl::string_view> Lines(absl::string_view text) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  // A trailing '\n' ends the last line; it does not open a new one.
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace agentd::definitions_internal

#endif  // AGENTD_SERVER_DEFINITIONS_FRONT_MATTER_LINES_H_
