// agentd-route-eval: measures the router against labelled requests.
//
//   agentd-route-eval --agents_dir=DIR [--verbose] [--min_primary=F]
//                     [--min_exact=F] [--skip_missing] [--routing_examples=PATH]
//                     FILE.jsonl...
//
// The router is built as agentd builds it: the definitions in DIR and the
// labelled requests of DIR/routing-examples/ (or --routing_examples) as
// examples. Each FILE is measured with its own requests left out of the
// examples, so a file that is also an example file is measured on requests
// the router has not seen.
//
// Each line of a FILE is one JSON object: text, primary_any, required,
// optional, unhosted (lists of agent names), and optionally agents (explicit
// targets). Per file it prints
//   primary   first chosen agent is in primary_any; with primary_any empty,
//             nothing may be chosen (or, when an unhosted agent is expected,
//             only agents from optional);
//   recall    required agents chosen / required agents;
//   exact     all required chosen and nothing outside required ∪ optional ∪
//             primary_any;
//   unhosted  expected unhosted agents named / expected unhosted agents;
// and the mean time per Route call, then how many requests missed in each
// way (off-topic routed, nothing chosen, wrong primary, …), and with more
// than one file the same over all of them. Exit 1 when a file is below
// --min_*.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/core/router.h"
#include "server/definitions/definition_parser.h"
#include "server/definitions/labelled_requests.h"

ABSL_FLAG(std::string, agents_dir, "", "directory of agent definition files (*.md)");
ABSL_FLAG(bool, verbose, false, "print each miss with the route's reasons");
ABSL_FLAG(double, min_primary, 0.0, "exit 1 when a file's primary accuracy is below this");
ABSL_FLAG(double, min_exact, 0.0, "exit 1 when a file's exact share is below this");
ABSL_FLAG(double, min_score, agentd::RouterOptions().min_score, "RouterOptions.min_score");
ABSL_FLAG(double, min_share_of_top, agentd::RouterOptions().min_share_of_top,
          "RouterOptions.min_share_of_top");
ABSL_FLAG(double, clause_margin, agentd::RouterOptions().clause_margin,
          "RouterOptions.clause_margin");
ABSL_FLAG(double, min_coverage, agentd::RouterOptions().min_coverage, "RouterOptions.min_coverage");
ABSL_FLAG(int, min_evidence, agentd::RouterOptions().min_evidence, "RouterOptions.min_evidence");
ABSL_FLAG(bool, learned_selection, agentd::RouterOptions().learned_selection,
          "RouterOptions.learned_selection: choose by the selector (true) or by the thresholds alone");
ABSL_FLAG(double, min_selection_probability, agentd::RouterOptions().min_selection_probability,
          "RouterOptions.min_selection_probability");
ABSL_FLAG(double, domain_smoothing, agentd::RouterOptions().domain_smoothing, "RouterOptions.domain_smoothing");
ABSL_FLAG(double, domain_word_cap, agentd::RouterOptions().domain_word_cap, "RouterOptions.domain_word_cap");
ABSL_FLAG(double, min_domain_relevance, agentd::RouterOptions().min_domain_relevance,
          "RouterOptions.min_domain_relevance");
ABSL_FLAG(double, off_topic_example_weight, agentd::RouterOptions().off_topic_example_weight,
          "RouterOptions.off_topic_example_weight");
ABSL_FLAG(std::string, features_out, "",
          "write each request's selection signals per agent here (JSON lines; for eval/train_selector.py)");
ABSL_FLAG(std::string, decisions_out, "",
          "write each request's whole RouteDecision here (JSON lines), to check that a change to the "
          "router's code leaves every decision, reason and summary byte-identical");
ABSL_FLAG(bool, scores, false, "print every case's agent scores on one line");
ABSL_FLAG(bool, skip_missing, false, "skip (with a note) files that do not exist");
ABSL_FLAG(int, repeat, 200, "Route calls per request when timing");
ABSL_FLAG(std::string, routing_examples, "",
          "labelled requests the router takes as examples (a .jsonl file or a directory of them); "
          "default: AGENTS_DIR/routing-examples when it exists; \"none\" for none. Each FILE is "
          "measured with the examples of its own requests left out");

namespace {

using Case = agentd::LabelledRequest;

bool Contains(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

void PrintDecision(const agentd::v1::RouteDecision& d) {
  std::printf("    summary: %s\n", d.summary().c_str());
  for (const auto& c : d.selected()) {
    std::printf("    + %s %.2f\n", c.agent().c_str(), c.score());
    for (const auto& r : c.reasons()) {
      std::printf("        %-11s %.2f [%s] \"%s\"\n", r.kind().c_str(), r.score(),
                  absl::StrJoin(r.matched(), ", ").c_str(), r.rule().c_str());
    }
  }
  for (const auto& c : d.rejected()) {
    if (c.score() <= 0 && c.reasons().empty()) continue;
    std::printf("    - %s %.2f (%s)\n", c.agent().c_str(), c.score(), c.why().c_str());
    for (const auto& r : c.reasons()) {
      std::printf("        %-11s %.2f [%s] \"%s\"\n", r.kind().c_str(), r.score(),
                  absl::StrJoin(r.matched(), ", ").c_str(), r.rule().c_str());
    }
  }
  for (const auto& u : d.unhosted()) {
    std::printf("    ? %s %.2f named by %s: \"%s\"\n", u.agent().c_str(), u.score(),
                u.named_by().c_str(), u.rule().c_str());
  }
}

// Why requests miss, one count per kind (a request can miss in several).
enum MissKind {
  kOffTopicRouted,     // nothing expected, something chosen
  kNothingChosen,      // an in-scope request, nothing chosen
  kUnhostedTaken,      // a request for an unhosted agent given to a hosted one
  kWrongPrimary,       // the first agent chosen is not an acceptable first one
  kMissingRequired,    // a required agent not chosen (something else was)
  kExtraAgent,         // an agent chosen outside required, optional and primary_any
  kUnhostedNotNamed,   // an expected unhosted agent not named
  kUnhostedNamed,      // an unhosted agent named that was not expected
  kMissKinds
};
constexpr const char* kMissKindNames[kMissKinds] = {
    "off-topic routed", "nothing chosen", "unhosted taken by a hosted agent", "wrong primary",
    "required missing", "extra agent", "unhosted not named", "unhosted named wrongly"};

struct Figures {
  int cases = 0, primary_ok = 0, exact_ok = 0;
  int required = 0, required_found = 0, unhosted = 0, unhosted_found = 0, unhosted_extra = 0;
  int errors = 0;
  // Off-topic requests (nothing expected, hosted or not) and how many were
  // routed; the rest are on-topic, scored apart as well.
  int off_topic = 0, off_topic_routed = 0, on_topic = 0, on_primary_ok = 0, on_exact_ok = 0;
  int misses[kMissKinds] = {};
  double micros_per_route = 0;

  void Add(const Figures& o) {
    cases += o.cases, primary_ok += o.primary_ok, exact_ok += o.exact_ok;
    required += o.required, required_found += o.required_found;
    unhosted += o.unhosted, unhosted_found += o.unhosted_found, unhosted_extra += o.unhosted_extra;
    errors += o.errors;
    off_topic += o.off_topic, off_topic_routed += o.off_topic_routed;
    on_topic += o.on_topic, on_primary_ok += o.on_primary_ok, on_exact_ok += o.on_exact_ok;
    for (int k = 0; k < kMissKinds; ++k) misses[k] += o.misses[k];
  }
};

// What one decision got wrong against its labels, each worked out once.
struct Verdict {
  bool primary = true;
  bool exact = true;
  bool required_missing = false;  // a required agent not chosen
  bool extra_agent = false;       // a chosen agent outside required, optional and primary_any
  bool unhosted_missing = false;  // an expected unhosted agent not named
  bool unhosted_wrong = false;    // an unhosted agent named that was not expected
};

// Files the verdict under the kinds of miss it shows: what the request
// expected decides which of them apply.
void CountMisses(const Case& c, const std::vector<std::string>& chosen, const Verdict& v, Figures* f) {
  const bool expects_nothing = c.primary_any.empty() && c.required.empty() && c.unhosted.empty();
  if (expects_nothing) {
    if (!chosen.empty()) ++f->misses[kOffTopicRouted];
  } else if (chosen.empty()) {
    if (!c.primary_any.empty() || !c.required.empty()) ++f->misses[kNothingChosen];
  } else if (c.primary_any.empty() && c.required.empty()) {
    if (!Contains(c.optional, chosen.front())) ++f->misses[kUnhostedTaken];
  } else {
    if (!c.primary_any.empty() && !v.primary) ++f->misses[kWrongPrimary];
    if (v.required_missing) ++f->misses[kMissingRequired];
    if (v.extra_agent) ++f->misses[kExtraAgent];
  }
  if (v.unhosted_missing) ++f->misses[kUnhostedNotNamed];
  if (v.unhosted_wrong) ++f->misses[kUnhostedNamed];
}

void PrintMisses(const Figures& f) {
  std::string line;
  for (int k = 0; k < kMissKinds; ++k) {
    if (f.misses[k] > 0) absl::StrAppendFormat(&line, "%s%s %d", line.empty() ? "" : ", ", kMissKindNames[k], f.misses[k]);
  }
  std::printf("  misses: %s\n", line.empty() ? "none" : line.c_str());
  std::printf("  off-topic: %d of %d routed  on-topic: %d  primary %.3f  exact %.3f\n", f.off_topic_routed,
              f.off_topic, f.on_topic, f.on_topic > 0 ? static_cast<double>(f.on_primary_ok) / f.on_topic : 0.0,
              f.on_topic > 0 ? static_cast<double>(f.on_exact_ok) / f.on_topic : 0.0);
}

// Where --features_out writes; null when not asked for.
std::FILE* features_out = nullptr;

// Where --decisions_out writes; null when not asked for.
std::FILE* decisions_out = nullptr;

// One line: {"source":"path:line","decision":{…}} or {…,"error":"…"}.
void WriteDecision(const std::string& source, const absl::StatusOr<agentd::v1::RouteDecision>& decision) {
  std::string json;
  if (decision.ok() && !google::protobuf::util::MessageToJsonString(*decision, &json).ok()) json = "null";
  google::protobuf::Struct record;
  auto& fields = *record.mutable_fields();
  fields["source"].set_string_value(source);
  if (!decision.ok()) fields["error"].set_string_value(decision.status().ToString());
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(record, &out).ok()) return;
  if (decision.ok()) out.insert(out.size() - 1, absl::StrCat(",\"decision\":", json));
  out += "\n";
  std::fputs(out.c_str(), decisions_out);
}

// One line: {"source":"path:line","agents":[{signals}, …]}, the agents in the
// router's order (hosted, then agents named by redirects).
void WriteSignals(const std::string& source, const std::vector<agentd::SelectionSignals>& signals) {
  google::protobuf::Struct record;
  auto& fields = *record.mutable_fields();
  fields["source"].set_string_value(source);
  google::protobuf::ListValue* agents = fields["agents"].mutable_list_value();
  for (const agentd::SelectionSignals& s : signals) {
    auto& a = *agents->add_values()->mutable_struct_value()->mutable_fields();
    a["agent"].set_string_value(s.agent);
    a["hosted"].set_bool_value(s.hosted);
    a["score"].set_number_value(s.score);
    a["top_score"].set_number_value(s.top_score);
    a["is_top"].set_bool_value(s.is_top);
    a["evidence"].set_number_value(s.evidence);
    a["coverage"].set_number_value(s.coverage);
    a["clause_score"].set_number_value(s.clause_score);
    a["redirected_to"].set_bool_value(s.redirected_to);
    a["passes_gates"].set_bool_value(s.passes_gates);
    a["has_labelled_vote"].set_bool_value(s.has_labelled_vote);
    a["labelled_vote"].set_number_value(s.labelled_vote);
    a["top_labelled_vote"].set_number_value(s.top_labelled_vote);
    a["domain_relevance"].set_number_value(s.domain_relevance);
  }
  std::string out;
  if (google::protobuf::util::MessageToJsonString(record, &out).ok()) {
    out += "\n";
    std::fputs(out.c_str(), features_out);
  }
}

Figures Evaluate(const agentd::Router& router, const std::vector<Case>& cases, bool verbose) {
  Figures f;
  for (const Case& c : cases) {
    ++f.cases;
    std::vector<agentd::SelectionSignals> signals;
    auto decision = router.Route(c.text, c.agents, &signals);
    // Requests naming their agents are not the selector's to decide.
    const bool names_agents = decision.ok() && decision->selected_size() > 0 && decision->selected(0).explicit_();
    if (decision.ok() && features_out != nullptr && !names_agents) WriteSignals(c.source, signals);
    if (decisions_out != nullptr) WriteDecision(c.source, decision);
    if (!decision.ok()) {
      ++f.errors;
      std::printf("  %s: Route failed: %s\n", c.source.c_str(),
                  decision.status().ToString().c_str());
      continue;
    }
    std::vector<std::string> chosen;
    for (const auto& s : decision->selected()) chosen.push_back(s.agent());
    std::vector<std::string> named;
    for (const auto& u : decision->unhosted()) named.push_back(u.agent());

    Verdict v;
    if (!c.primary_any.empty()) {
      v.primary = !chosen.empty() && Contains(c.primary_any, chosen.front());
    } else if (c.unhosted.empty()) {
      v.primary = chosen.empty();
    } else {
      v.primary = chosen.empty() || Contains(c.optional, chosen.front());
    }
    for (const std::string& r : c.required) {
      ++f.required;
      if (Contains(chosen, r)) {
        ++f.required_found;
      } else {
        v.required_missing = true;
      }
    }
    for (const std::string& a : chosen) {
      if (!Contains(c.required, a) && !Contains(c.optional, a) && !Contains(c.primary_any, a)) {
        v.extra_agent = true;
      }
    }
    const bool off_topic_routed =
        c.primary_any.empty() && c.required.empty() && c.unhosted.empty() && !chosen.empty();
    v.exact = !v.required_missing && !v.extra_agent && !off_topic_routed;
    for (const std::string& u : c.unhosted) {
      ++f.unhosted;
      if (Contains(named, u)) {
        ++f.unhosted_found;
      } else {
        v.unhosted_missing = true;
      }
    }
    for (const std::string& u : named) {
      if (!Contains(c.unhosted, u)) {
        ++f.unhosted_extra;
        v.unhosted_wrong = true;
      }
    }
    const bool primary = v.primary, exact = v.exact, unhosted_ok = !v.unhosted_missing;
    if (absl::GetFlag(FLAGS_scores)) {
      std::string line;
      for (const auto& s : decision->selected()) absl::StrAppendFormat(&line, " +%s %.1f", s.agent(), s.score());
      for (const auto& s : decision->rejected()) absl::StrAppendFormat(&line, " -%s %.1f", s.agent(), s.score());
      for (const auto& s : decision->unhosted()) absl::StrAppendFormat(&line, " ?%s %.1f", s.agent(), s.score());
      std::printf("%s%s [%s|%s]%s\n", primary && exact ? "  ok " : "  XX ", c.source.c_str(),
                  absl::StrJoin(c.required, ",").c_str(), absl::StrJoin(c.optional, ",").c_str(), line.c_str());
    }
    f.primary_ok += primary;
    f.exact_ok += exact;
    const bool off_topic = c.primary_any.empty() && c.required.empty() && c.unhosted.empty();
    f.off_topic += off_topic;
    f.off_topic_routed += off_topic_routed;
    f.on_topic += !off_topic;
    f.on_primary_ok += !off_topic && primary;
    f.on_exact_ok += !off_topic && exact;
    CountMisses(c, chosen, v, &f);
    if (verbose && (!primary || !exact || !unhosted_ok)) {
      std::printf("  MISS %s%s%s%s \"%s\"\n    chosen: [%s] expected primary [%s] required [%s] "
                  "optional [%s] unhosted [%s] named [%s]\n",
                  c.source.c_str(), primary ? "" : " primary", exact ? "" : " exact",
                  unhosted_ok ? "" : " unhosted", c.text.c_str(),
                  absl::StrJoin(chosen, ", ").c_str(), absl::StrJoin(c.primary_any, ", ").c_str(),
                  absl::StrJoin(c.required, ", ").c_str(), absl::StrJoin(c.optional, ", ").c_str(),
                  absl::StrJoin(c.unhosted, ", ").c_str(), absl::StrJoin(named, ", ").c_str());
      PrintDecision(*decision);
    }
  }

  // Timing: the same requests again, many times; only reported.
  const int repeat = std::max(1, absl::GetFlag(FLAGS_repeat));
  size_t sink = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeat; ++i) {
    for (const Case& c : cases) {
      auto d = router.Route(c.text, c.agents);
      if (d.ok()) sink += static_cast<size_t>(d->selected_size());
    }
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  const double routes = static_cast<double>(repeat) * static_cast<double>(cases.size());
  if (routes > 0) {
    f.micros_per_route =
        std::chrono::duration<double, std::micro>(elapsed).count() / routes + 0.0 * sink;
  }
  return f;
}

double Share(int num, int den) { return den == 0 ? 1.0 : static_cast<double>(num) / den; }

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "agentd-route-eval --agents_dir=DIR [--verbose] [--min_primary=F] [--min_exact=F] "
      "FILE.jsonl...");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string dir = absl::GetFlag(FLAGS_agents_dir);
  if (dir.empty() || args.size() < 2) {
    std::fprintf(stderr, "usage: %s\n", absl::ProgramUsageMessage().data());
    return 2;
  }
  agentd::DefinitionLoadResult loaded = agentd::LoadDefinitions(dir);
  for (const std::string& e : loaded.errors) std::fprintf(stderr, "definition error: %s\n", e.c_str());
  if (loaded.definitions.empty()) {
    std::fprintf(stderr, "no agent definitions loaded from %s\n", dir.c_str());
    return 1;
  }
  std::vector<std::string> names;
  for (const auto& d : loaded.definitions) names.push_back(d.name());
  agentd::RouterOptions options;
  options.min_score = absl::GetFlag(FLAGS_min_score);
  options.min_share_of_top = absl::GetFlag(FLAGS_min_share_of_top);
  options.min_evidence = absl::GetFlag(FLAGS_min_evidence);
  options.clause_margin = absl::GetFlag(FLAGS_clause_margin);
  options.min_coverage = absl::GetFlag(FLAGS_min_coverage);
  options.learned_selection = absl::GetFlag(FLAGS_learned_selection);
  options.min_selection_probability = absl::GetFlag(FLAGS_min_selection_probability);
  options.domain_smoothing = absl::GetFlag(FLAGS_domain_smoothing);
  options.domain_word_cap = absl::GetFlag(FLAGS_domain_word_cap);
  options.min_domain_relevance = absl::GetFlag(FLAGS_min_domain_relevance);
  options.off_topic_example_weight = absl::GetFlag(FLAGS_off_topic_example_weight);
  if (const std::string out = absl::GetFlag(FLAGS_decisions_out); !out.empty()) {
    decisions_out = std::fopen(out.c_str(), "w");
    if (decisions_out == nullptr) {
      std::fprintf(stderr, "cannot write %s\n", out.c_str());
      return 1;
    }
  }
  if (const std::string out = absl::GetFlag(FLAGS_features_out); !out.empty()) {
    features_out = std::fopen(out.c_str(), "w");
    if (features_out == nullptr) {
      std::fprintf(stderr, "cannot write %s\n", out.c_str());
      return 1;
    }
  }
  std::vector<agentd::LabelledRequest> examples;
  std::string examples_path = absl::GetFlag(FLAGS_routing_examples);
  if (examples_path.empty() && std::filesystem::is_directory(dir + "/routing-examples")) {
    examples_path = dir + "/routing-examples";
  }
  if (!examples_path.empty() && examples_path != "none") {
    auto read = agentd::ReadLabelledRequests(examples_path);
    if (!read.ok()) {
      std::fprintf(stderr, "routing examples: %s\n", read.status().ToString().c_str());
      return 1;
    }
    examples = *std::move(read);
  }
  std::printf("agents: %s; %zu labelled requests as examples%s\n", absl::StrJoin(names, ", ").c_str(),
              examples.size(), examples.empty() ? "" : " (each file's own left out)");

  bool below = false;
  int evaluated = 0;
  Figures all;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string path = args[i];
    if (absl::GetFlag(FLAGS_skip_missing) && !std::ifstream(path)) {
      std::printf("%s: skipped (file not found)\n", path.c_str());
      continue;
    }
    auto cases = agentd::ReadLabelledRequests(path);
    if (!cases.ok()) {
      std::fprintf(stderr, "%s\n", cases.status().ToString().c_str());
      return 1;
    }
    // A request is never routed with itself as an example: the file's
    // requests are left out of the examples.
    absl::flat_hash_set<std::string> own_texts;
    for (const Case& c : *cases) own_texts.insert(c.text);
    std::vector<agentd::LabelledRequest> others;
    for (const agentd::LabelledRequest& e : examples) {
      if (!own_texts.contains(e.text)) others.push_back(e);
    }
    const auto build_start = std::chrono::steady_clock::now();
    auto router = agentd::Router::Create(loaded.definitions, options, others);
    const double build_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - build_start).count();
    if (!router.ok()) {
      std::fprintf(stderr, "router: %s\n", router.status().ToString().c_str());
      return 1;
    }
    Figures f = Evaluate(**router, *cases, absl::GetFlag(FLAGS_verbose));
    ++evaluated;
    all.Add(f);
    const double primary = Share(f.primary_ok, f.cases);
    const double exact = Share(f.exact_ok, f.cases);
    std::printf(
        "%s: %d cases  primary %.3f  recall %.3f  exact %.3f  unhosted recall %.3f "
        "(%d extra)  errors %d  %.2f us/route  model built in %.1f ms\n",
        path.c_str(), f.cases, primary, Share(f.required_found, f.required), exact,
        Share(f.unhosted_found, f.unhosted), f.unhosted_extra, f.errors, f.micros_per_route, build_ms);
    PrintMisses(f);
    if (primary < absl::GetFlag(FLAGS_min_primary) || exact < absl::GetFlag(FLAGS_min_exact) ||
        f.errors > 0) {
      std::printf("%s: BELOW TARGET (min primary %.2f, min exact %.2f)\n", path.c_str(),
                  absl::GetFlag(FLAGS_min_primary), absl::GetFlag(FLAGS_min_exact));
      below = true;
    }
  }
  if (evaluated == 0) {
    std::fprintf(stderr, "no file evaluated\n");
    return 1;
  }
  if (evaluated > 1) {
    std::printf("all %d files: %d cases  primary %.3f  recall %.3f  exact %.3f  unhosted recall %.3f (%d extra)\n",
                evaluated, all.cases, Share(all.primary_ok, all.cases), Share(all.required_found, all.required),
                Share(all.exact_ok, all.cases), Share(all.unhosted_found, all.unhosted), all.unhosted_extra);
    PrintMisses(all);
  }
  if (decisions_out != nullptr && std::fclose(decisions_out) != 0) {
    std::fprintf(stderr, "writing --decisions_out failed\n");
    return 1;
  }
  if (features_out != nullptr && std::fclose(features_out) != 0) {
    std::fprintf(stderr, "writing --features_out failed\n");
    return 1;
  }
  return below ? 1 : 0;
}
