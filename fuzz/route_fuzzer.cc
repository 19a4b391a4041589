// Fuzz target: Router::Route on arbitrary request text, with each router a
// server can run: the bundled agents with their labelled requests (the
// default), the bundled agents alone (--routing_examples=none), and no agents
// at all (an empty agents folder). Route runs on gRPC's thread for every
// Route and Review call, so no text may crash it, hang it or make it answer
// inconsistently. The same text is also split into sentences, as reasons
// split the rules they quote.
//
// The first byte, when below 8, names explicit agents (bit i: the i-th
// hosted agent) to exercise the explicit path as well.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/router.h"
#include "text/sentences.h"
#include "server/definitions/definition_parser.h"
#include "server/definitions/labelled_requests.h"

namespace {

std::unique_ptr<agentd::Router> MakeRouter(bool with_agents, bool with_examples) {
  std::vector<agentd::v1::AgentDefinition> definitions;
  if (with_agents) {
    agentd::DefinitionLoadResult loaded = agentd::LoadDefinitions(AGENTD_SOURCE_DIR "/agents");
    if (!loaded.errors.empty() || loaded.definitions.empty()) std::abort();
    definitions = std::move(loaded.definitions);
  }
  std::vector<agentd::LabelledRequest> labelled;
  if (with_examples) {
    auto read = agentd::ReadLabelledRequests(AGENTD_SOURCE_DIR "/agents/routing-examples");
    if (!read.ok() || read->empty()) std::abort();
    labelled = *std::move(read);
  }
  auto created = agentd::Router::Create(std::move(definitions), {}, labelled);
  if (!created.ok()) std::abort();
  return *std::move(created);
}

const std::vector<std::unique_ptr<agentd::Router>>& Routers() {
  static const auto* const routers = [] {
    auto* all = new std::vector<std::unique_ptr<agentd::Router>>();
    all->push_back(MakeRouter(/*with_agents=*/true, /*with_examples=*/true));
    all->push_back(MakeRouter(/*with_agents=*/true, /*with_examples=*/false));
    all->push_back(MakeRouter(/*with_agents=*/false, /*with_examples=*/false));
    return all;
  }();
  return *routers;
}

void CheckRoute(const agentd::Router& router, std::string_view text) {
  std::vector<std::string> explicit_agents;
  if (!text.empty() && static_cast<uint8_t>(text[0]) < 8) {
    const auto& hosted = router.hosted();
    for (size_t i = 0; i < hosted.size() && i < 3; ++i) {
      if (static_cast<uint8_t>(text[0]) & (1u << i)) explicit_agents.push_back(hosted[i].name());
    }
    text.remove_prefix(1);
  }
  auto decision = router.Route(text, explicit_agents);
  if (!decision.ok()) return;  // an unknown @mention: a clear error is the right answer
  // Every agent chosen is hosted, once; explicit ones come first.
  std::vector<std::string> seen;
  for (const auto& choice : decision->selected()) {
    bool hosted = false;
    for (const auto& d : router.hosted()) hosted |= d.name() == choice.agent();
    if (!hosted) std::abort();
    for (const std::string& s : seen) {
      if (s == choice.agent()) std::abort();
    }
    seen.push_back(choice.agent());
  }
  for (size_t i = 0; i < explicit_agents.size(); ++i) {
    if (i >= static_cast<size_t>(decision->selected_size()) || !decision->selected(static_cast<int>(i)).explicit_()) {
      std::abort();
    }
  }
  if (decision->summary().empty()) std::abort();
  // Every reason quotes something: a rule, or the sentences of it that matched.
  for (const auto& choice : decision->selected()) {
    for (const auto& reason : choice.reasons()) {
      if (reason.rule().empty()) std::abort();
    }
  }
  for (const auto& rejection : decision->rejected()) {
    for (const auto& reason : rejection.reasons()) {
      if (reason.rule().empty()) std::abort();
    }
  }
}

// Sentences are in order, inside the text, non-empty and trimmed.
void CheckSentences(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  uint32_t last_end = 0;
  for (const auto& [begin, end] : agentd::text::SplitSentences(text)) {
    if (begin < last_end || begin >= end || end > text.size()) std::abort();
    if (is_space(text[begin]) || is_space(text[end - 1])) std::abort();
    last_end = end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& router : Routers()) CheckRoute(*router, text);
  CheckSentences(text);
  return 0;
}
