// Fuzz target: ParseDefinition on arbitrary file content. Definition files
// come from agents/ and from whoever publishes sub-agents; a bad one must be
// an INVALID_ARGUMENT naming its line, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/definitions/definition_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view content(reinterpret_cast<const char*>(data), size);
  auto parsed = agentd::ParseDefinition(content, "fuzz.md");
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    if (parsed.status().message().rfind("fuzz.md:", 0) != 0) std::abort();
    return 0;
  }
  if (parsed->name().empty()) std::abort();
  return 0;
}
