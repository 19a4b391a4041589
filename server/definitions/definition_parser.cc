#include "server/definitions/definition_parser.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "server/definitions/front_matter.h"
#include "server/definitions/markdown_body.h"
#include "server/definitions/section_specs.h"

namespace agentd {
namespace {

using definitions_internal::CollapseWhitespace;

using definitions_internal::BodyScope;
using definitions_internal::ParseError;
using definitions_internal::RawField;
using definitions_internal::SplitFile;

// Definitions are a few kilobytes; a bigger file is a mistake, not an agent.
constexpr std::uintmax_t kMaxFileBytes = 4 << 20;

absl::Status Error(absl::string_view path, int line, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", reason));
}

// Generated files write newlines as a literal backslash-n, sometimes inside a
// plain scalar where YAML leaves it alone; Claude Code shows them as line
// breaks, so do we.
std::string UnescapeLiterals(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\\n", "\n"}, {"\\\"", "\""},
                                    {"\\'", "'"}, {"\\t", " "}});
}

size_t FindCaseInsensitive(absl::string_view haystack, absl::string_view needle,
                           size_t from = 0) {
  if (needle.empty() || haystack.size() < needle.size()) {
    return absl::string_view::npos;
  }
  for (size_t i = from; i + needle.size() <= haystack.size(); ++i) {
    if (absl::EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) {
      return i;
    }
  }
  return absl::string_view::npos;
}

// Finds "label:" as a word of its own ("user:" but not "superuser:").
size_t FindLabel(absl::string_view text, absl::string_view label) {
  size_t at = 0;
  while ((at = FindCaseInsensitive(text, label, at)) != absl::string_view::npos) {
    if (at == 0 || !absl::ascii_isalnum(static_cast<unsigned char>(text[at - 1]))) {
      return at;
    }
    ++at;
  }
  return absl::string_view::npos;
}

// A quoted value ends at a quote followed by the end, a line break, or the
// next part of the example ("assistant:", "<commentary>").
absl::string_view TakeQuoted(absl::string_view text) {
  const char quote = text[0];
  absl::string_view inner = text.substr(1);
  size_t first_close = absl::string_view::npos;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] != quote) continue;
    if (first_close == absl::string_view::npos) first_close = i;
    absl::string_view after =
        absl::StripLeadingAsciiWhitespace(inner.substr(i + 1));
    if (after.empty() || after[0] == '<' || inner[i + 1] == '\n' ||
        FindLabel(after, "assistant:") == 0 || FindLabel(after, "context:") == 0) {
      return inner.substr(0, i);
    }
  }
  if (first_close != absl::string_view::npos) return inner.substr(0, first_close);
  size_t end = inner.find('\n');
  return inner.substr(0, end);
}

// The text after `label` up to the end of the line or the next part.
std::string ValueAfterLabel(absl::string_view text, absl::string_view label) {
  size_t at = FindLabel(text, label);
  if (at == absl::string_view::npos) return "";
  absl::string_view rest =
      absl::StripLeadingAsciiWhitespace(text.substr(at + label.size()));
  if (rest.empty()) return "";
  if (rest[0] == '"' || rest[0] == '\'') {
    return CollapseWhitespace(TakeQuoted(rest));
  }
  size_t end = rest.find('\n');
  for (absl::string_view stop : {"user:", "assistant:", "<commentary>", "<"}) {
    size_t s = FindLabel(rest, stop);
    if (s != absl::string_view::npos && s < end) end = s;
  }
  return CollapseWhitespace(rest.substr(0, end));
}

// The user's question of one example: its "user:" line, else its context.
std::string ExampleQuestion(absl::string_view example) {
  std::string text = UnescapeLiterals(example);
  std::string question = ValueAfterLabel(text, "user:");
  if (question.empty()) question = ValueAfterLabel(text, "context:");
  if (question.empty()) {
    // A plain example string is the question itself.
    std::string plain = absl::StrReplaceAll(
        text, {{"<example>", " "}, {"</example>", " "}});
    if (plain.find('<') == std::string::npos) question = CollapseWhitespace(plain);
  }
  return question;
}

// Takes the <example>…</example> blocks out of `text`, appending each one's
// question to `examples`. An unclosed block runs to the end.
std::string RemoveExampleBlocks(absl::string_view text,
                                std::vector<std::string>* examples) {
  constexpr absl::string_view kOpen = "<example>";
  constexpr absl::string_view kClose = "</example>";
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = FindCaseInsensitive(text, kOpen, pos);
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, text.substr(pos));
      break;
    }
    absl::StrAppend(&out, text.substr(pos, open - pos));
    size_t close = FindCaseInsensitive(text, kClose, open + kOpen.size());
    size_t inner_end = close == absl::string_view::npos ? text.size() : close;
    std::string question = ExampleQuestion(
        text.substr(open + kOpen.size(), inner_end - open - kOpen.size()));
    if (!question.empty()) examples->push_back(std::move(question));
    pos = close == absl::string_view::npos ? text.size() : close + kClose.size();
  }
  return out;
}

// What is left of a description once its examples are gone: trailing
// "Examples:" labels, empty list markers and runs of blank lines go too.
std::string TidyDescription(absl::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    // Removed blocks leave gaps mid-line; indentation at the start stays.
    std::string line(absl::StripTrailingAsciiWhitespace(raw));
    size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos) {
      std::string collapsed = line.substr(0, start);
      for (size_t i = start; i < line.size(); ++i) {
        bool blank = line[i] == ' ' || line[i] == '\t';
        if (blank && (collapsed.back() == ' ')) continue;
        collapsed += blank ? ' ' : line[i];
      }
      line = std::move(collapsed);
    }
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed == "-" || trimmed == "*") continue;
    if (trimmed.empty() && (lines.empty() || lines.back().empty())) continue;
    lines.push_back(trimmed.empty() ? "" : line);
  }
  auto is_examples_label = [](absl::string_view line) {
    line = absl::StripAsciiWhitespace(line);
    return absl::EqualsIgnoreCase(line, "examples:") ||
           absl::EqualsIgnoreCase(line, "examples") ||
           absl::EqualsIgnoreCase(line, "for example:");
  };
  while (!lines.empty() &&
         (lines.back().empty() || is_examples_label(lines.back()))) {
    lines.pop_back();
  }
  std::string out = absl::StrJoin(lines, "\n");
  // "… back-pressure. Examples:" on one line.
  absl::string_view view = absl::StripTrailingAsciiWhitespace(out);
  for (absl::string_view label : {"Examples:", "examples:", "Example:"}) {
    if (absl::EndsWith(view, label)) {
      view.remove_suffix(label.size());
      view = absl::StripTrailingAsciiWhitespace(view);
    }
  }
  return std::string(absl::StripAsciiWhitespace(view));
}

std::vector<std::string> SplitCommaList(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

// tools: "a, b" or a list; a map (tools per mode) gives the union.
std::vector<std::string> StringList(const RawField& field) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add_all = [&](absl::string_view text) {
    for (std::string& item : SplitCommaList(text)) {
      if (seen.insert(item).second) out.push_back(std::move(item));
    }
  };
  if (field.kind == RawField::Kind::kScalar) {
    add_all(field.scalar);
  } else {
    for (const std::string& item : field.items) add_all(item);
  }
  return out;
}

absl::Status ReadNonNegativeInt(const RawField& field, absl::string_view path,
                                int32_t* out) {
  absl::string_view text = absl::StripAsciiWhitespace(field.scalar);
  int32_t value = 0;
  if (field.kind == RawField::Kind::kNull) return absl::OkStatus();
  if (field.kind != RawField::Kind::kScalar || !absl::SimpleAtoi(text, &value) ||
      value < 0) {
    return Error(path, field.line,
                 absl::StrFormat("'%s' must be a whole number >= 0, got '%s'",
                                 field.key, text));
  }
  *out = value;
  return absl::OkStatus();
}

void AddExample(std::string question, std::vector<std::string>* examples) {
  if (question.empty()) return;
  if (std::find(examples->begin(), examples->end(), question) == examples->end()) {
    examples->push_back(std::move(question));
  }
}

// command: "prog arg ..." (split on spaces) or a list (argv as written);
// endpoint: "host:port". Either makes the agent's plugin run outside agentd.
absl::Status ApplyHosting(const RawField& field, absl::string_view path,
                          v1::AgentDefinition* def) {
  const bool scalar = field.kind == RawField::Kind::kScalar;
  std::string value(absl::StripAsciiWhitespace(field.scalar));
  if (field.key == "endpoint") {
    if (!scalar || value.empty()) return Error(path, field.line, "'endpoint' must be host:port");
    def->set_endpoint(value);
    def->set_plugin("remote");
    return absl::OkStatus();
  }
  def->clear_command();
  if (scalar) {
    for (absl::string_view arg : absl::StrSplit(value, ' ', absl::SkipEmpty())) def->add_command(std::string(arg));
  } else if (field.kind == RawField::Kind::kList) {
    for (const std::string& arg : field.items) def->add_command(arg);
  }
  if (def->command().empty()) return Error(path, field.line, "'command' must name a program");
  def->set_plugin("process");
  return absl::OkStatus();
}

absl::Status ApplyFrontMatter(const std::vector<RawField>& fields,
                              absl::string_view path, int name_missing_line,
                              v1::AgentDefinition* def, int* name_line) {
  std::vector<std::string> examples;
  std::string description;
  bool have_name = false;
  for (const RawField& field : fields) {
    const std::string& key = field.key;
    if (key == "command" || key == "endpoint") {
      RETURN_IF_ERROR(ApplyHosting(field, path, def));
      continue;
    }
    const bool scalar = field.kind == RawField::Kind::kScalar;
    std::string value(absl::StripAsciiWhitespace(field.scalar));
    if (key == "name") {
      if (!scalar || value.empty()) {
        return Error(path, field.line, "'name' must be a non-empty single value");
      }
      def->set_name(value);
      have_name = true;
      *name_line = field.line;
    } else if (key == "description") {
      if (scalar) {
        description = field.scalar;
      } else if (field.kind == RawField::Kind::kList) {
        description = absl::StrJoin(field.items, "\n");
      }
    } else if (key == "examples") {
      if (scalar) {
        std::vector<std::string> found;
        std::string rest = RemoveExampleBlocks(UnescapeLiterals(field.scalar), &found);
        if (found.empty()) AddExample(ExampleQuestion(rest), &examples);
        for (std::string& q : found) AddExample(std::move(q), &examples);
      } else if (field.kind == RawField::Kind::kList) {
        for (const std::string& item : field.items) {
          AddExample(ExampleQuestion(item), &examples);
        }
      }
    } else if (key == "color") {
      if (scalar) def->set_color(value);
    } else if (key == "maturity") {
      if (scalar) def->set_maturity(value);
    } else if (key == "model") {
      if (scalar) def->set_model(value);
    } else if (key == "plugin") {
      // command: / endpoint: decide the plugin, wherever they stand.
      if (scalar && !value.empty() && def->command().empty() && def->endpoint().empty()) def->set_plugin(value);
    } else if (key == "tools") {
      def->clear_tools();
      for (std::string& tool : StringList(field)) def->add_tools(std::move(tool));
    } else if (key == "sections") {
      if (absl::Status s = definitions_internal::ReadSectionSpecs(field, path, def); !s.ok()) return s;
    } else if (key == "timeout_ms") {
      int32_t ms = 0;
      if (absl::Status s = ReadNonNegativeInt(field, path, &ms); !s.ok()) return s;
      def->set_timeout_ms(ms);
    } else if (key == "start_timeout_ms") {
      int32_t ms = 0;
      if (absl::Status s = ReadNonNegativeInt(field, path, &ms); !s.ok()) return s;
      def->set_start_timeout_ms(ms);
    } else if (key == "max_in_flight") {
      int32_t n = 0;
      if (absl::Status s = ReadNonNegativeInt(field, path, &n); !s.ok()) return s;
      def->set_max_in_flight(n);
    } else if (scalar) {
      (*def->mutable_extra())[key] = field.scalar;
    }
    // Unknown lists and maps are someone else's configuration: ignored.
  }
  if (!have_name) return Error(path, name_missing_line, "missing 'name'");
  if (!def->command().empty() && !def->endpoint().empty()) {
    return Error(path, name_missing_line, "'command' and 'endpoint' both given: a plugin runs in one place");
  }

  std::vector<std::string> described;
  std::string cleaned =
      TidyDescription(RemoveExampleBlocks(UnescapeLiterals(description), &described));
  def->set_description(cleaned);
  for (std::string& q : described) AddExample(std::move(q), &examples);
  for (std::string& q : examples) def->add_examples(std::move(q));
  return absl::OkStatus();
}

absl::StatusOr<v1::AgentDefinition> Parse(absl::string_view content,
                                          absl::string_view path,
                                          int* name_line) {
  SplitFile split;
  ParseError error;
  if (!definitions_internal::SplitFrontMatter(content, &split, &error)) {
    return Error(path, error.line, error.reason);
  }
  std::vector<RawField> fields;
  if (!definitions_internal::ReadFrontMatter(split, &fields, &error)) {
    return Error(path, error.line, error.reason);
  }
  v1::AgentDefinition def;
  def.set_source_path(std::string(path));
  // The opening '---' is the line to point at when no key names the agent.
  RETURN_IF_ERROR(ApplyFrontMatter(fields, path,
                                   split.front_matter_first_line - 1, &def,
                                   name_line));

  BodyScope scope = definitions_internal::ParseBody(split.body);
  def.set_body(std::move(split.body));
  def.set_title(scope.title);
  for (std::string& item : scope.competencies) def.add_competencies(std::move(item));
  for (std::string& item : scope.use_when) def.add_use_when(std::move(item));
  for (auto& exclusion : scope.not_for) {
    v1::ScopeExclusion* out = def.add_not_for();
    out->set_text(std::move(exclusion.text));
    out->set_redirect(std::move(exclusion.redirect));
  }
  return def;
}

}  // namespace

absl::StatusOr<v1::AgentDefinition> ParseDefinition(std::string_view content,
                                                    std::string_view path) {
  int name_line = 1;
  return Parse(absl::string_view(content.data(), content.size()),
               absl::string_view(path.data(), path.size()), &name_line);
}

DefinitionLoadResult LoadDefinitions(const std::string& dir) {
  namespace fs = std::filesystem;
  DefinitionLoadResult result;

  std::error_code ec;
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    result.errors.push_back(
        absl::StrCat(dir, ": cannot read agent definitions: ", ec.message()));
    return result;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      result.errors.push_back(
          absl::StrCat(dir, ": error while listing: ", ec.message()));
      break;
    }
    std::error_code type_ec;
    if (it->path().extension() == ".md" && it->is_regular_file(type_ec)) {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) {
              return a.filename().string() < b.filename().string();
            });

  struct Loaded {
    std::string path;
    int name_line;
  };
  std::map<std::string, Loaded> by_name;
  for (const fs::path& file : files) {
    const std::string path = file.string();
    std::error_code size_ec;
    std::uintmax_t size = fs::file_size(file, size_ec);
    if (size_ec) {
      result.errors.push_back(absl::StrCat(path, ":1: cannot read: ", size_ec.message()));
      continue;
    }
    if (size > kMaxFileBytes) {
      result.errors.push_back(absl::StrCat(path, ":1: file is ", size,
                                           " bytes; definitions are limited to ",
                                           kMaxFileBytes));
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      result.errors.push_back(absl::StrCat(path, ":1: cannot open the file"));
      continue;
    }
    std::ostringstream content;
    content << in.rdbuf();
    int name_line = 1;
    absl::StatusOr<v1::AgentDefinition> def = Parse(content.str(), path, &name_line);
    if (!def.ok()) {
      result.errors.emplace_back(def.status().message());
      continue;
    }
    auto [existing, inserted] = by_name.emplace(def->name(), Loaded{path, name_line});
    if (!inserted) {
      result.errors.push_back(absl::StrFormat(
          "%s:%d: duplicate agent name '%s', already defined at %s:%d", path,
          name_line, def->name(), existing->second.path,
          existing->second.name_line));
      continue;
    }
    result.definitions.push_back(*std::move(def));
  }
  std::sort(result.definitions.begin(), result.definitions.end(),
            [](const v1::AgentDefinition& a, const v1::AgentDefinition& b) {
              return a.name() < b.name();
            });
  return result;
}

}  // namespace agentd
