#include "server/core/agent_set.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/definitions/agents_settings.h"
#include "server/plugin_host/hosted_agent.h"
#include "server/definitions/definition_parser.h"
#include "server/definitions/labelled_requests.h"
#include "spdlog/spdlog.h"

namespace agentd {
namespace {

// The parts of an agent's card that do not change while the set is loaded.
void BuildCards(AgentSlot* slot, bool stub) {
  const v1::AgentDefinition& def = slot->definition;
  v1::AgentCard& card = slot->basic_card;
  card.set_name(def.name());
  card.set_description(def.description());
  card.set_plugin(def.plugin());
  card.set_available(slot->instance != nullptr);
  card.set_unavailable_reason(slot->unavailable_reason);
  card.set_stub(stub);
  card.set_maturity(def.maturity());
  *card.mutable_sections() = def.sections();
  card.set_source_path(def.source_path());
  card.set_max_in_flight(slot->max_in_flight);
  card.set_timeout_ms(static_cast<int32_t>(absl::ToInt64Milliseconds(slot->timeout)));
  slot->full_card = card;
  *slot->full_card.mutable_use_when() = def.use_when();
  for (const v1::ScopeExclusion& s : def.not_for()) {
    slot->full_card.add_not_for(s.redirect().empty() ? s.text() : absl::StrCat(s.text(), " (use ", s.redirect(), ")"));
  }
  *slot->full_card.mutable_competencies() = def.competencies();
}

// The host's model settings, in the options every llm plugin instance gets
// (plugins/llm/llm_plugin.cc); they override a definition's own keys.
void AddLlmOptions(const OrchestratorConfig::Llm& llm, v1::AgentConfig* config) {
  auto& options = *config->mutable_options();
  options["llm.base_url"] = llm.base_url;
  options["llm.model"] = llm.model;
  options["llm.api_key"] = llm.api_key;
  options["llm.max_retries"] = absl::StrCat(llm.max_retries);
  if (!llm.response_format.empty()) options["llm.response_format"] = llm.response_format;
}

bool SameDefinition(const v1::AgentDefinition& a, const v1::AgentDefinition& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// Creates `slot`'s agent wherever its definition says its plugin runs, or
// says in slot->unavailable_reason why it could not. An agent loaded before
// (`previous`) with the very same definition keeps its instance: a plugin
// process goes on running, an in-process plugin keeps its state.
void HostAgent(const OrchestratorConfig& config, PluginRegistry& plugins, const AgentSlot* previous,
               AgentSlot* slot) {
  const v1::AgentDefinition& def = slot->definition;
  if (previous != nullptr && previous->instance != nullptr && SameDefinition(previous->definition, def)) {
    slot->instance = previous->instance;
    return;
  }
  v1::AgentConfig agent_config;
  *agent_config.mutable_definition() = def;
  // Unknown scalar front-matter keys are the plugin's options.
  for (const auto& [key, value] : def.extra()) (*agent_config.mutable_options())[key] = value;
  if (def.plugin() == "llm") AddLlmOptions(config.llm, &agent_config);
  absl::StatusOr<std::shared_ptr<HostedAgent>> hosted;
  if (RunsOutOfProcess(def)) {
    hosted = config.host_out_of_process ? config.host_out_of_process(agent_config)
                                        : absl::UnimplementedError("this host runs no out-of-process plugins");
  } else if (absl::StatusOr<std::shared_ptr<PluginLibrary>> library = plugins.Get(def.plugin()); !library.ok()) {
    hosted = library.status();
  } else {
    hosted = AgentInstance::Create(*library, agent_config);
  }
  if (hosted.ok()) {
    slot->instance = *std::move(hosted);
  } else {
    slot->unavailable_reason = std::string(hosted.status().message());
  }
}

// The agents folder's settings, with the configuration's overrides; on a
// reload, a file that fails keeps the `previous` set's.
AgentsSettings Settings(const OrchestratorConfig& config, const AgentSet* previous, std::vector<std::string>* errors) {
  absl::StatusOr<AgentsSettings> loaded = LoadAgentsSettings(config.agents_dir);
  AgentsSettings settings;
  if (loaded.ok()) {
    settings = *std::move(loaded);
  } else {
    spdlog::error("agents settings not loaded: {}", loaded.status().ToString());
    errors->push_back(std::string(loaded.status().message()));
    if (previous != nullptr) return previous->settings;
  }
  if (!config.review_title.empty()) settings.review_title = config.review_title;
  if (!config.default_plugin.empty()) settings.default_plugin = config.default_plugin;
  return settings;
}

// One agent's slot: its plugin instance, or why it has none.
std::unique_ptr<AgentSlot> LoadSlot(v1::AgentDefinition def, const OrchestratorConfig& config,
                                    const AgentsSettings& settings, PluginRegistry& plugins,
                                    const AgentSlot* previous) {
  if (def.plugin().empty()) def.set_plugin(settings.default_plugin);
  // --llm_default: the model answers what the default plugin would (with no
  // endpoint configured this changes nothing).
  const bool on_default = !def.plugin().empty() && def.plugin() == settings.default_plugin;
  const bool to_model = !config.llm.base_url.empty() && config.llm.default_for_stubs && on_default;
  if (to_model) def.set_plugin("llm");
  auto slot = std::make_unique<AgentSlot>(def, config.breaker_failures, config.breaker_cool_down);
  slot->timeout = def.timeout_ms() > 0 ? absl::Milliseconds(def.timeout_ms()) : config.agent_timeout;
  slot->max_in_flight = def.max_in_flight() > 0 ? def.max_in_flight() : config.max_in_flight;
  slot->thread_share = config.agent_threads > 0 ? config.agent_threads : std::max(1, config.executor_threads / 2);
  if (def.plugin().empty()) {
    slot->unavailable_reason = "the definition names no plugin and no default_plugin is configured";
  } else {
    slot->plugin_path = RunsOutOfProcess(def) ? OutOfProcessLocation(def) : plugins.PathFor(def.plugin());
    HostAgent(config, plugins, previous, slot.get());
  }
  // A stub answers from its definition alone: it runs on the default plugin
  // (which hosts files with no plugin of their own) or its definition says
  // maturity: stub, unless the model answers it instead.
  BuildCards(slot.get(), !to_model && (on_default || def.maturity() == "stub"));
  return slot;
}

std::vector<LabelledRequest> LoadRoutingExamples(const OrchestratorConfig& config, std::vector<std::string>* errors) {
  std::string path = config.routing_examples;
  if (path == "none") return {};
  if (path.empty()) {
    path = (std::filesystem::path(config.agents_dir) / "routing-examples").string();
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) return {};
  }
  absl::StatusOr<std::vector<LabelledRequest>> labelled = ReadLabelledRequests(path);
  if (!labelled.ok()) {
    // Like a bad definition: the server still routes, on the definitions
    // alone, and --strict refuses to start.
    spdlog::error("routing examples not loaded: {}", labelled.status().ToString());
    errors->push_back(std::string(labelled.status().message()));
    return {};
  }
  spdlog::info("routing with {} labelled requests from {}", labelled->size(), path);
  return *std::move(labelled);
}

}  // namespace

AgentSlot* AgentSet::FindSlot(const std::string& name) const {
  for (const auto& slot : slots) {
    if (slot->definition.name() == name) return slot.get();
  }
  return nullptr;
}

namespace {

bool Declares(const std::vector<v1::AgentDefinition>& definitions, const std::string& name) {
  return std::any_of(definitions.begin(), definitions.end(),
                     [&](const v1::AgentDefinition& d) { return d.name() == name; });
}

// Logs each definition file that failed. On a reload, an agent whose file it
// was (the error starts with that file's path) and that no other file now
// declares is carried over from `previous` as it was, and named in `kept`.
void CarryOverFailedFiles(DefinitionLoadResult& loaded, const AgentSet* previous, AgentSet* set,
                          std::set<std::string>* kept) {
  for (const std::string& error : loaded.errors) {
    spdlog::error("agent definition not loaded: {}", error);
    set->load_errors.push_back(error);
    if (previous == nullptr) continue;
    for (const auto& slot : previous->slots) {
      const v1::AgentDefinition& def = slot->definition;
      if (def.source_path().empty() || !absl::StartsWith(error, absl::StrCat(def.source_path(), ":"))) continue;
      if (Declares(loaded.definitions, def.name())) continue;
      spdlog::warn("agent {}: its file failed to load; still serving the definition loaded before", def.name());
      loaded.definitions.push_back(def);
      kept->insert(def.name());
    }
  }
  std::sort(loaded.definitions.begin(), loaded.definitions.end(),
            [](const v1::AgentDefinition& a, const v1::AgentDefinition& b) { return a.name() < b.name(); });
}

// Builds one slot per definition. On a reload, an agent whose new plugin
// cannot be created while its previous one runs keeps the previous one.
void LoadSlots(const std::vector<v1::AgentDefinition>& definitions, const OrchestratorConfig& config,
               const AgentSet* previous, AgentSet* set, std::set<std::string>* kept) {
  PluginRegistry plugins(config.plugins_dir);
  for (const v1::AgentDefinition& def : definitions) {
    const AgentSlot* before = previous != nullptr ? previous->FindSlot(def.name()) : nullptr;
    std::unique_ptr<AgentSlot> slot = LoadSlot(def, config, set->settings, plugins, before);
    if (slot->instance == nullptr) {
      spdlog::error("agent {} unavailable: {}", def.name(), slot->unavailable_reason);
      set->load_errors.push_back(absl::StrCat(def.source_path(), ": agent ", def.name(), " unavailable: ",
                                              slot->unavailable_reason));
      if (before != nullptr && before->instance != nullptr) {
        spdlog::warn("agent {}: still serving the definition and plugin loaded before", def.name());
        slot = LoadSlot(before->definition, config, set->settings, plugins, before);
        kept->insert(def.name());
      }
    } else if (slot->instance != (before != nullptr ? before->instance : nullptr)) {
      spdlog::info("agent {} hosted by {} ({})", def.name(), slot->definition.plugin(), slot->plugin_path);
    }
    set->slots.push_back(std::move(slot));
  }
}

// What a reload changed, by agent name.
void Report(const AgentSet& previous, const AgentSet& next, const std::set<std::string>& kept,
            v1::ReloadAgentsResponse* report) {
  for (const auto& slot : next.slots) {
    const std::string& name = slot->definition.name();
    const AgentSlot* before = previous.FindSlot(name);
    if (before == nullptr) {
      report->add_added(name);
    } else if (kept.count(name) > 0) {
      report->add_kept(name);
    } else if (SameDefinition(before->definition, slot->definition) && before->instance == slot->instance) {
      report->add_unchanged(name);
    } else {
      report->add_changed(name);
    }
  }
  for (const auto& slot : previous.slots) {
    if (next.FindSlot(slot->definition.name()) == nullptr) report->add_removed(slot->definition.name());
  }
  for (const std::string& error : next.load_errors) report->add_errors(error);
}

}  // namespace

absl::StatusOr<std::shared_ptr<AgentSet>> LoadAgentSet(const OrchestratorConfig& config, const AgentSet* previous,
                                                       v1::ReloadAgentsResponse* report) {
  auto set = std::make_shared<AgentSet>();
  set->settings = Settings(config, previous, &set->load_errors);
  set->review_title = set->settings.review_title;
  DefinitionLoadResult loaded = LoadDefinitions(config.agents_dir);
  std::set<std::string> kept;
  CarryOverFailedFiles(loaded, previous, set.get(), &kept);
  set->layout = ReviewLayout::FromDefinitions(loaded.definitions);
  LoadSlots(loaded.definitions, config, previous, set.get(), &kept);
  std::vector<v1::AgentDefinition> routable;
  for (const auto& slot : set->slots) routable.push_back(slot->definition);
  RouterOptions router_options;
  router_options.fallback_agent = config.fallback_agent;
  std::vector<LabelledRequest> labelled = LoadRoutingExamples(config, &set->load_errors);
  if (config.route_assist && !config.llm.base_url.empty()) {
    RouteAssistOptions assist;
    assist.base_url = config.llm.base_url;
    assist.model = config.llm.model;
    assist.api_key = config.llm.api_key;
    assist.threshold = config.route_assist_threshold;
    assist.timeout = config.agent_timeout;
    set->route_assist = std::make_unique<RouteAssist>(std::move(assist), routable);
  }
  ASSIGN_OR_RETURN(set->router, Router::Create(std::move(routable), router_options, labelled));
  if (previous != nullptr && report != nullptr) Report(*previous, *set, kept, report);
  return set;
}

}  // namespace agentd
