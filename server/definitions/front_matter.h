// Internal to agentd_definitions: splits a definition file into front matter
// and body, and reads the front matter into a flat list of top-level keys.
// Two readers produce the same shape, so the rest of the parser does not care
// which one succeeded: yaml-cpp first (front_matter_yaml.cc), then a lenient
// key-by-key reader (front_matter_lenient.cc) for the many real files that
// are not strict YAML. Splitting the file is front_matter.cc.
#ifndef AGENTD_SERVER_DEFINITIONS_FRONT_MATTER_H_
#define AGENTD_SERVER_DEFINITIONS_FRONT_MATTER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace agentd::definitions_internal {

// A parse failure with the 1-based file line it refers to. The caller turns it
// into "path:line: reason".
struct ParseError {
  int line = 1;
  std::string reason;
};

struct SplitFile {
  std::string front_matter;  // without the `---` lines, '\n' line ends
  int front_matter_first_line = 2;  // file line of front_matter's first line
  std::string body;                 // the Markdown after the closing `---`
  int body_first_line = 1;
};

// Normalizes line ends (CRLF, lone CR) and strips a UTF-8 byte order mark,
// then finds the `---` fences. Fails when the text is not UTF-8, does not
// start with `---`, or never closes its front matter.
bool SplitFrontMatter(absl::string_view content, SplitFile* out,
                      ParseError* error);

// One top-level front-matter key. Nested values are kept only as far as the
// definition needs them: lists of scalars, and (for `examples:`) maps flattened
// to "context: …\nuser: …" text.
struct RawField {
  enum class Kind { kNull, kScalar, kList, kMap };
  std::string key;
  Kind kind = Kind::kNull;
  std::string scalar;              // kScalar
  std::vector<std::string> items;  // kList; for kMap, its scalar values
  // kList read by yaml-cpp: per item, its keys and scalar values when the
  // item is a map (a list value is joined with ", "), else empty. The
  // lenient reader leaves this empty.
  std::vector<std::vector<std::pair<std::string, std::string>>> item_maps;
  int line = 1;                    // 1-based file line of the key
};

// Reads `split.front_matter`. Tries yaml-cpp, and falls back to the lenient
// reader when yaml-cpp rejects the text or it is not a mapping. Fails only
// when neither reader can make sense of it.
bool ReadFrontMatter(const SplitFile& split, std::vector<RawField>* fields,
                     ParseError* error);

// Exposed for tests: each reader on its own.
bool ReadFrontMatterYaml(const SplitFile& split, std::vector<RawField>* fields);
bool ReadFrontMatterLenient(const SplitFile& split,
                            std::vector<RawField>* fields, ParseError* error);

}  // namespace agentd::definitions_internal

#endif  // AGENTD_SERVER_DEFINITIONS_FRONT_MATTER_H_
