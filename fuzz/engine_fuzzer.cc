// Fuzz target: the backend-architect engine. Its input is what a caller
// controls: the review text (through the facts read from it) and the
// structured requirements, which arrive from the API as they were sent
// (negative, huge, NaN or contradictory values included).
//
// First byte 0: the rest is a serialized AgentRequest, fields as sent.
// Otherwise: the bytes are review text, and the request is built from it as
// the orchestrator builds it (facts read from the text).
// The engine must answer, as backend-architect, the same way twice.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "google/protobuf/stubs/common.h"
#include "google/protobuf/stubs/logging.h"
#include "plugins/backend_architect/engine.h"
#include "server/facts/fact_reader.h"

// gRPC hands the service only valid UTF-8 in string fields (proto3 parsing
// rejects the rest, with this same check), so text that is not UTF-8 never
// reaches the engine.
bool IsUtf8(std::string_view s) {
  return google::protobuf::internal::IsStructurallyValidUTF8(s.data(), static_cast<int>(s.size()));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  agentd::v1::AgentRequest request;
  if (size > 0 && data[0] == 0) {
    google::protobuf::LogSilencer quiet;  // a failed parse is expected, not news
    if (!request.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  } else {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (!IsUtf8(text)) return 0;
    agentd::FactSet facts = agentd::ReadFacts(text);
    request.set_text(std::string(text));
    *request.mutable_requirements() = facts.requirements;
    for (const auto& f : facts.facts) *request.add_facts() = f;
    request.set_turn(1);
  }
  const agentd::v1::AgentResponse first = agentd::backend_architect::Review(request);
  if (first.agent() != agentd::backend_architect::kAgentName) std::abort();
  if (first.sections_size() == 0) std::abort();
  const agentd::v1::AgentResponse second = agentd::backend_architect::Review(request);
  if (first.SerializeAsString() != second.SerializeAsString()) std::abort();
  return 0;
}
