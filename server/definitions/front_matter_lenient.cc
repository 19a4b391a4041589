// The lenient front-matter reader, for the many real definition files that
// are not strict YAML: top-level "key: value" lines, with what follows a key
// (continuation lines, list items, block scalars, quoted text over several
// lines) folded into its value the way YAML would read it.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "server/definitions/front_matter.h"
#include "server/definitions/front_matter_lines.h"

namespace agentd::definitions_internal {
namespace {

std::string Snippet(absl::string_view s) {
  s = Trim(s);
  if (s.size() <= 40) return std::string(s);
  size_t cut = 40;
  // Cut at a character boundary: the message may travel in a proto string.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(s.substr(0, cut), "…");
}

// Given the quote left open by earlier lines (0 when none), returns the quote
// still open after `text`. Only a quote at the very start of a value opens
// one; the caller handles that.
char QuoteStillOpen(absl::string_view text, char open) {
  if (open == 0) return 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (open == '"' && c == '\\') {
      ++i;
    } else if (c == open) {
      if (open == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is an escaped quote inside a single-quoted scalar
      } else {
        return 0;
      }
    }
  }
  return open;
}

char QuoteOpenedBy(absl::string_view value) {
  value = Trim(value);
  if (value.empty() || (value[0] != '\'' && value[0] != '"')) return 0;
  return QuoteStillOpen(value.substr(1), value[0]);
}

// YAML line folding: a single line break becomes a space, each blank line a
// newline.
std::string Fold(const std::vector<absl::string_view>& lines) {
  std::string out;
  int pending_newlines = 0;
  for (absl::string_view raw : lines) {
    absl::string_view line = Trim(raw);
    if (line.empty()) {
      ++pending_newlines;
      continue;
    }
    if (!out.empty()) {
      out += pending_newlines > 0 ? std::string(pending_newlines, '\n') : " ";
    }
    absl::StrAppend(&out, line);
    pending_newlines = 0;
  }
  return out;
}

std::string UnescapeDoubleQuoted(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char next = s[++i];
    switch (next) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      default:
        out += '\\';
        out += next;
    }
  }
  return out;
}

// Strips matching quotes and undoes their escapes. An unterminated quote is
// read to the end: a lenient reader keeps what it can.
std::string Unquote(absl::string_view s) {
  s = Trim(s);
  if (s.empty()) return "";
  char quote = s[0];
  if (quote != '\'' && quote != '"') return std::string(s);
  absl::string_view inner = s.substr(1);
  if (inner.size() >= 1 && inner.back() == quote &&
      QuoteStillOpen(inner, quote) == 0) {
    inner.remove_suffix(1);
  }
  if (quote == '"') return UnescapeDoubleQuoted(inner);
  return absl::StrReplaceAll(inner, {{"''", "'"}});
}

bool IsBlockScalarHeader(absl::string_view value) {
  value = Trim(value);
  if (value.empty() || (value[0] != '|' && value[0] != '>')) return false;
  size_t i = 1;
  while (i < value.size() &&
         (value[i] == '-' || value[i] == '+' || absl::ascii_isdigit(value[i]))) {
    ++i;
  }
  absl::string_view rest = Trim(value.substr(i));
  return rest.empty() || rest[0] == '#';
}

std::string BlockScalar(absl::string_view header,
                        const std::vector<absl::string_view>& lines) {
  size_t indent = absl::string_view::npos;
  for (absl::string_view line : lines) {
    if (!IsBlank(line)) indent = std::min(indent, Indent(line));
  }
  if (indent == absl::string_view::npos) return "";
  std::vector<absl::string_view> dedented;
  for (absl::string_view line : lines) {
    dedented.push_back(line.size() >= indent ? line.substr(indent) : "");
  }
  if (Trim(header)[0] == '>') return Fold(dedented);
  std::vector<absl::string_view> kept;
  for (absl::string_view line : dedented) kept.push_back(TrimRight(line));
  while (!kept.empty() && kept.back().empty()) kept.pop_back();
  return absl::StrJoin(kept, "\n");
}

// A top-level "key: value" line: the key starts the line and is a plain word.
bool SplitKeyLine(absl::string_view line, absl::string_view* key,
                  absl::string_view* value) {
  if (line.empty() || !(absl::ascii_isalnum(line[0]) || line[0] == '_')) {
    return false;
  }
  size_t i = 0;
  while (i < line.size() && (absl::ascii_isalnum(line[i]) || line[i] == '_' ||
                             line[i] == '-' || line[i] == '.')) {
    ++i;
  }
  size_t colon = i;
  while (colon < line.size() && line[colon] == ' ') ++colon;
  if (colon >= line.size() || line[colon] != ':') return false;
  if (colon + 1 < line.size() && line[colon + 1] != ' ' &&
      line[colon + 1] != '\t') {
    return false;  // "http://…" is not a key
  }
  *key = line.substr(0, i);
  *value = Trim(line.substr(colon + 1));
  return true;
}

std::string StripPlainComment(absl::string_view value) {
  size_t hash = value.find(" #");
  if (hash == absl::string_view::npos) hash = value.find("\t#");
  if (hash != absl::string_view::npos) value = value.substr(0, hash);
  return std::string(Trim(value));
}

struct PendingEntry {
  absl::string_view key;
  absl::string_view value;
  std::vector<absl::string_view> continuation;
  int line = 1;
};

// Turns one "key: value" line plus the lines that belong to it into a field.
RawField FinishEntry(const PendingEntry& entry) {
  RawField field;
  field.key = std::string(entry.key);
  field.line = entry.line;
  std::vector<absl::string_view> lines = entry.continuation;
  while (!lines.empty() && IsBlank(lines.back())) lines.pop_back();

  // Descriptions are prose: a " #" in them is text, not a comment.
  const bool prose = entry.key == "description" || entry.key == "examples";
  absl::string_view value = entry.value;

  if (IsBlockScalarHeader(value)) {
    field.kind = RawField::Kind::kScalar;
    field.scalar = BlockScalar(value, lines);
    return field;
  }
  if (!value.empty()) {
    field.kind = RawField::Kind::kScalar;
    std::vector<absl::string_view> all = {value};
    all.insert(all.end(), lines.begin(), lines.end());
    std::string folded = Fold(all);
    if (QuoteOpenedBy(value) != 0 || value[0] == '\'' || value[0] == '"') {
      field.scalar = Unquote(folded);
    } else {
      field.scalar = prose ? folded : StripPlainComment(folded);
    }
    return field;
  }

  auto first = std::find_if(lines.begin(), lines.end(),
                            [](absl::string_view l) { return !IsBlank(l); });
  if (first == lines.end()) return field;  // kNull
  absl::string_view first_trimmed = Trim(*first);
  if (first_trimmed == "-" || absl::StartsWith(first_trimmed, "- ")) {
    // A block list: items start at the first item's indent with "-".
    field.kind = RawField::Kind::kList;
    const size_t item_indent = Indent(*first);
    std::vector<std::vector<absl::string_view>> items;
    for (auto it = first; it != lines.end(); ++it) {
      absl::string_view trimmed = Trim(*it);
      bool starts_item = Indent(*it) == item_indent &&
                         (trimmed == "-" || absl::StartsWith(trimmed, "- "));
      if (starts_item) {
        items.push_back({trimmed.substr(1)});
      } else if (!items.empty()) {
        items.back().push_back(*it);
      }
    }
    for (const auto& item_lines : items) {
      std::string text = Fold(item_lines);
      if (text.empty()) continue;
      field.items.push_back(text[0] == '\'' || text[0] == '"'
                                ? Unquote(text)
                                : (prose ? text : StripPlainComment(text)));
    }
    return field;
  }
  absl::string_view nested_key, nested_value;
  if (SplitKeyLine(first_trimmed, &nested_key, &nested_value)) {
    // A nested map. Only its direct scalar values are kept (e.g. a `tools:`
    // map of mode → tool list); deeper structure is ignored.
    field.kind = RawField::Kind::kMap;
    const size_t key_indent = Indent(*first);
    for (auto it = first; it != lines.end(); ++it) {
      if (Indent(*it) != key_indent) continue;
      if (SplitKeyLine(Trim(*it), &nested_key, &nested_value) &&
          !nested_value.empty() && !IsBlockScalarHeader(nested_value)) {
        field.items.push_back(Unquote(StripPlainComment(nested_value)));
      }
    }
    return field;
  }
  // A plain scalar that starts on the next line.
  field.kind = RawField::Kind::kScalar;
  std::string folded = Fold(lines);
  field.scalar = (folded[0] == '\'' || folded[0] == '"') ? Unquote(folded)
                                                         : folded;
  return field;
}

}  // namespace

bool ReadFrontMatterLenient(const SplitFile& split,
                            std::vector<RawField>* fields, ParseError* error) {
  std::vector<RawField> result;
  std::vector<absl::string_view> lines = Lines(split.front_matter);
  PendingEntry current;
  bool have_current = false;
  char open_quote = 0;

  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    const int file_line = split.front_matter_first_line + static_cast<int>(i);
    if (have_current && open_quote != 0) {
      // Inside a quoted scalar every line is text, even "Context: …" at
      // column 0.
      current.continuation.push_back(line);
      open_quote = QuoteStillOpen(line, open_quote);
      continue;
    }
    if (IsBlank(line)) {
      if (have_current) current.continuation.push_back(line);
      continue;
    }
    if (line[0] == '#') continue;  // a comment line
    absl::string_view key, value;
    if (SplitKeyLine(line, &key, &value)) {
      if (have_current) result.push_back(FinishEntry(current));
      current = PendingEntry{key, value, {}, file_line};
      have_current = true;
      open_quote = QuoteOpenedBy(value);
      continue;
    }
    // Continuation lines are indented or are list items ("- x" may start at
    // column 0); any other line at column 0 that is not a key is not
    // something either reader understands.
    const bool list_item = line == "-" || absl::StartsWith(line, "- ");
    if (!have_current || (Indent(line) == 0 && !list_item)) {
      error->line = file_line;
      error->reason = absl::StrCat(
          "front matter is neither YAML nor 'key: value' lines: expected a "
          "key at '",
          Snippet(line), "'");
      return false;
    }
    current.continuation.push_back(line);
    absl::string_view trimmed = Trim(line);
    if (absl::StartsWith(trimmed, "- ")) {
      open_quote = QuoteOpenedBy(trimmed.substr(2));
    }
  }
  if (have_current) result.push_back(FinishEntry(current));
  *fields = std::move(result);
  return true;
}

}  // namespace agentd::definitions_internal
