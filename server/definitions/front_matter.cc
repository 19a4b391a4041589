// Splitting a definition file into front matter and body (line ends
// normalised, UTF-8 checked, `---` fences found), and ReadFrontMatter, which
// tries the yaml-cpp reader (front_matter_yaml.cc) and falls back to the
// lenient one (front_matter_lenient.cc).
#include "server/definitions/front_matter.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/definitions/front_matter_lines.h"

namespace agentd::definitions_internal {
namespace {

// Returns the offset of the first byte that is not part of well-formed UTF-8,
// or npos. Overlong forms, surrogates and code points above U+10FFFF count as
// malformed, as they do for protobuf.
size_t FirstInvalidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the 2nd byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      unsigned char b = static_cast<unsigned char>(text[i + k]);
      unsigned char lo = k == 1 ? low : 0x80, hi = k == 1 ? high : 0xBF;
      if (b < lo || b > hi) return i;
    }
    i += length;
  }
  return absl::string_view::npos;
}

}  // namespace

bool SplitFrontMatter(absl::string_view content, SplitFile* out,
                      ParseError* error) {
  std::string text;
  text.reserve(content.size());
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\r') {
      text += '\n';
      if (i + 1 < content.size() && content[i + 1] == '\n') ++i;
    } else {
      text += content[i];
    }
  }
  absl::string_view view = text;
  if (absl::StartsWith(view, "\xEF\xBB\xBF")) view.remove_prefix(3);
  // Everything read ends up in proto3 string fields, which must be UTF-8.
  if (size_t bad = FirstInvalidUtf8(view); bad != absl::string_view::npos) {
    absl::string_view before = view.substr(0, bad);
    size_t line_start = before.rfind('\n');
    line_start = line_start == absl::string_view::npos ? 0 : line_start + 1;
    error->line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    error->reason = absl::StrCat("not valid UTF-8 text (byte ",
                                 bad - line_start + 1, " of the line)");
    return false;
  }

  std::vector<absl::string_view> lines = absl::StrSplit(view, '\n');
  size_t open = 0;
  while (open < lines.size() && IsBlank(lines[open])) ++open;
  if (open == lines.size() || TrimRight(lines[open]) != "---") {
    error->line = open < lines.size() ? static_cast<int>(open) + 1 : 1;
    error->reason = "no front matter: the file must start with a '---' line";
    return false;
  }
  size_t close = open + 1;
  while (close < lines.size() && TrimRight(lines[close]) != "---") ++close;
  if (close >= lines.size()) {
    error->line = static_cast<int>(open) + 1;
    error->reason = "front matter opened here is never closed by a '---' line";
    return false;
  }
  std::vector<absl::string_view> fm(lines.begin() + open + 1,
                                   lines.begin() + close);
  out->front_matter = absl::StrJoin(fm, "\n");
  if (!fm.empty()) out->front_matter += '\n';
  out->front_matter_first_line = static_cast<int>(open) + 2;
  std::vector<absl::string_view> body(lines.begin() + close + 1, lines.end());
  out->body = absl::StrJoin(body, "\n");
  out->body_first_line = static_cast<int>(close) + 2;
  return true;
}

bool ReadFrontMatter(const SplitFile& split, std::vector<RawField>* fields,
                     ParseError* error) {
  if (ReadFrontMatterYaml(split, fields)) return true;
  return ReadFrontMatterLenient(split, fields, error);
}

}  // namespace agentd::definitions_internal
