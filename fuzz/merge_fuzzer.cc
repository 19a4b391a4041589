// Fuzz target: Merge and RenderMarkdown on whatever plugins answer. A plugin
// may come from anyone; the host parses its bytes as an AgentResponse and
// hands them to the merger, so any parseable answers, from up to five
// agents, must merge into a review and render.
//
// The input is split at "\xff\xfe" into up to five serialized AgentResponses;
// parts that do not parse are agents that failed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "google/protobuf/stubs/logging.h"
#include "server/render/markdown_renderer.h"
#include "server/core/merger.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  google::protobuf::LogSilencer quiet;  // failed parses are expected
  std::string_view input(reinterpret_cast<const char*>(data), size);
  agentd::MergeInput merge;
  for (const char* name : {"backend-architect", "api-architect"}) {
    auto d = std::make_shared<agentd::v1::AgentDefinition>();
    d->set_name(name);
    d->add_sections(name[0] == 'b' ? "architecture_pattern" : "api_design");
    d->add_sections(name[0] == 'b' ? "risks" : "recommendations");
    merge.definitions.push_back(std::move(d));
  }
  for (int i = 0; i < 5 && !input.empty(); ++i) {
    const size_t cut = input.find("\xff\xfe");
    const std::string_view part = input.substr(0, cut);
    input = cut == std::string_view::npos ? std::string_view() : input.substr(cut + 2);
    agentd::AgentOutcome& outcome = merge.outcomes.emplace_back();
    agentd::v1::AgentResponse response;
    const std::string agent = i < 2 ? merge.definitions[static_cast<size_t>(i)]->name() : "peer-" + std::to_string(i);
    outcome.run.set_agent(agent);
    if (response.ParseFromArray(part.data(), static_cast<int>(part.size()))) {
      if (response.agent().empty()) response.set_agent(agent);
      outcome.run.set_status(agentd::v1::AGENT_STATUS_OK);
      outcome.response = std::move(response);
    } else {
      outcome.run.set_status(agentd::v1::AGENT_STATUS_FAILED);
      outcome.run.set_error("not an AgentResponse");
    }
  }
  const agentd::v1::Review review = agentd::Merge(merge);
  if (review.agents_size() != static_cast<int>(merge.outcomes.size())) std::abort();
  if (agentd::RenderMarkdown(review).empty()) std::abort();
  return 0;
}
