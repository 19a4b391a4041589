// Fuzz target: ReadFacts on arbitrary request text. Every Review reads facts
// from its text before any agent runs, so no text may crash it, and every
// fact's quote must be the text at its span.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/facts/fact_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  agentd::FactSet facts = agentd::ReadFacts(text);
  for (const auto& f : facts.facts) {
    if (f.span_begin() < 0 || f.span_begin() > f.span_end() || static_cast<size_t>(f.span_end()) > text.size()) {
      std::abort();
    }
    const size_t begin = static_cast<size_t>(f.span_begin());
    if (text.substr(begin, static_cast<size_t>(f.span_end()) - begin) != f.quote()) std::abort();
  }
  return 0;
}
