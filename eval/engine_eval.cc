// agentd-engine-eval: measures the fact reader and the backend-architect
// engine against labelled scenarios.
//
//   agentd-engine-eval [--min_accuracy=F] [--skip_missing] [--quiet] FILE.jsonl...
//
// Each line of a FILE is one JSON object:
//   text    the caller's question;
//   expect  decision key -> list of accepted values. For a key whose value
//           is a comma list (database.scaling) the list is the set the
//           decision must equal; for any other key, any one value is right;
//   approx  (optional) decision key -> [value, tolerance] for numbers;
//   rule    the seed rule the scenario exercises (printed with misses).
// Each text goes the orchestrator's way for a new session: ReadFacts, the
// facts layered into an AgentRequest, the engine's Review. A scenario is
// right when every expected key is. Per file it prints the scenario
// accuracy and the accuracy per decision key, then (unless --quiet) every
// miss with the facts that were read and the quote each came from. Exit 1
// when a file's scenario accuracy is below --min_accuracy.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "plugins/backend_architect/engine.h"
#include "server/facts/fact_reader.h"

ABSL_FLAG(double, min_accuracy, 0.0, "exit 1 when a file's scenario accuracy is below this");
ABSL_FLAG(bool, skip_missing, false, "skip (with a note) files that do not exist");
ABSL_FLAG(bool, quiet, false, "print the figures only, not the misses");

namespace {

namespace v1 = agentd::v1;

// Keys whose decision value is a comma list compared as a set.
bool IsSetValued(const std::string& key) { return key == "database.scaling"; }

struct Expectation {
  std::string key;
  std::vector<std::string> values;  // accepted values (or the set, see above)
  bool numeric = false;             // from `approx`: values[0] ± tolerance
  double target = 0;
  double tolerance = 0;
};

struct Scenario {
  int line = 0;
  std::string text;
  std::string rule;
  std::vector<Expectation> expect;
};

std::string StringOf(const google::protobuf::Value& v) {
  if (v.kind_case() == google::protobuf::Value::kStringValue) return v.string_value();
  if (v.kind_case() == google::protobuf::Value::kNumberValue) {
    return absl::StrFormat("%g", v.number_value());
  }
  return "";
}

// Reads one JSON line; an error names what is wrong with it.
bool ParseScenario(const std::string& json, Scenario* out, std::string* error) {
  google::protobuf::Struct obj;
  if (!google::protobuf::util::JsonStringToMessage(json, &obj).ok()) {
    *error = "not a JSON object";
    return false;
  }
  const auto& f = obj.fields();
  if (!f.contains("text") || !f.contains("expect")) {
    *error = "needs \"text\" and \"expect\"";
    return false;
  }
  out->text = f.at("text").string_value();
  if (f.contains("rule")) out->rule = f.at("rule").string_value();
  for (const auto& [key, list] : f.at("expect").struct_value().fields()) {
    Expectation e{key, {}};
    for (const auto& v : list.list_value().values()) e.values.push_back(StringOf(v));
    out->expect.push_back(std::move(e));
  }
  if (f.contains("approx")) {
    for (const auto& [key, pair] : f.at("approx").struct_value().fields()) {
      const auto& v = pair.list_value().values();
      if (v.size() != 2) {
        *error = "approx values are [value, tolerance]";
        return false;
      }
      Expectation e{key, {StringOf(v[0])}, true, v[0].number_value(), v[1].number_value()};
      out->expect.push_back(std::move(e));
    }
  }
  // Map order is unspecified; keep the printout stable.
  std::sort(out->expect.begin(), out->expect.end(),
            [](const Expectation& a, const Expectation& b) { return a.key < b.key; });
  return true;
}

bool Right(const Expectation& e, const std::string& got) {
  if (got.empty()) return false;
  if (e.numeric) {
    char* end = nullptr;
    const double value = std::strtod(got.c_str(), &end);
    return end != got.c_str() && std::fabs(value - e.target) <= e.tolerance;
  }
  if (IsSetValued(e.key)) {
    std::vector<std::string> parts = absl::StrSplit(got, ',');
    return std::set<std::string>(parts.begin(), parts.end()) ==
           std::set<std::string>(e.values.begin(), e.values.end());
  }
  return std::find(e.values.begin(), e.values.end(), got) != e.values.end();
}

// The orchestrator's path for a new session (server/core/orchestrator.cc).
struct Outcome {
  agentd::FactSet facts;
  v1::AgentResponse response;
};
Outcome Run(const std::string& text) {
  Outcome o;
  o.facts = agentd::LayerFacts(agentd::FactSet{}, agentd::ReadFacts(text), agentd::FactSet{});
  v1::AgentRequest request;
  request.set_text(text);
  request.set_agent(agentd::backend_architect::kAgentName);
  request.set_turn(1);
  *request.mutable_requirements() = o.facts.requirements;
  for (const v1::Fact& f : o.facts.facts) *request.add_facts() = f;
  o.response = agentd::backend_architect::Review(request);
  return o;
}

std::string DecisionValue(const v1::AgentResponse& r, const std::string& key) {
  for (const v1::Decision& d : r.decisions()) {
    if (d.key() == key) return d.value();
  }
  return "";
}

void PrintMiss(const Scenario& s, const Outcome& o, const std::vector<std::string>& wrong) {
  std::printf("  miss line %d: %s\n", s.line, s.text.c_str());
  if (!s.rule.empty()) std::printf("    rule: %s\n", s.rule.c_str());
  for (const std::string& w : wrong) std::printf("    %s\n", w.c_str());
  std::vector<std::string> facts;
  for (const v1::Fact& f : o.facts.facts) {
    facts.push_back(absl::StrFormat("%s=%s \"%s\"", f.field(), f.value(), f.quote()));
  }
  std::printf("    facts: %s\n", facts.empty() ? "(none)" : absl::StrJoin(facts, "; ").c_str());
}

struct Tally {
  int right = 0;
  int total = 0;
};

// Measures one file; returns its scenario accuracy, or -1 when unreadable.
double EvaluateFile(const std::string& path, bool verbose) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "%s: cannot open\n", path.c_str());
    return -1;
  }
  Tally scenarios;
  std::map<std::string, Tally> per_key;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Scenario s;
    s.line = line_no;
    std::string error;
    if (!ParseScenario(line, &s, &error)) {
      std::fprintf(stderr, "%s:%d: %s\n", path.c_str(), line_no, error.c_str());
      return -1;
    }
    const Outcome o = Run(s.text);
    std::vector<std::string> wrong;
    for (const Expectation& e : s.expect) {
      const std::string got = DecisionValue(o.response, e.key);
      const bool ok = Right(e, got);
      Tally& t = per_key[e.key];
      ++t.total;
      t.right += ok ? 1 : 0;
      if (!ok) {
        wrong.push_back(absl::StrFormat(
            "%s: expected %s, got %s", e.key,
            e.numeric ? absl::StrFormat("%g ± %g", e.target, e.tolerance)
                      : absl::StrJoin(e.values, IsSetValued(e.key) ? "," : " or "),
            got.empty() ? "(no decision)" : got));
      }
    }
    ++scenarios.total;
    scenarios.right += wrong.empty() ? 1 : 0;
    if (!wrong.empty() && verbose) PrintMiss(s, o, wrong);
  }
  const double accuracy =
      scenarios.total > 0 ? static_cast<double>(scenarios.right) / scenarios.total : 0;
  std::printf("%s: %d/%d scenarios right (%.3f)\n", path.c_str(), scenarios.right,
              scenarios.total, accuracy);
  for (const auto& [key, t] : per_key) {
    std::printf("  %-40s %3d/%-3d %.3f\n", key.c_str(), t.right, t.total,
                static_cast<double>(t.right) / t.total);
  }
  return accuracy;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "measures facts + the backend-architect engine on labelled scenarios:\n"
      "  agentd-engine-eval [--min_accuracy=F] [--skip_missing] [--quiet] FILE.jsonl...");
  std::vector<char*> files = absl::ParseCommandLine(argc, argv);
  if (files.size() < 2) {
    std::fprintf(stderr, "usage: agentd-engine-eval [flags] FILE.jsonl...\n");
    return 2;
  }
  bool below = false;
  int measured = 0;
  for (size_t i = 1; i < files.size(); ++i) {
    const std::string path = files[i];
    if (absl::GetFlag(FLAGS_skip_missing) && !std::ifstream(path)) {
      std::printf("%s: absent, skipped\n", path.c_str());
      continue;
    }
    const double accuracy = EvaluateFile(path, !absl::GetFlag(FLAGS_quiet));
    if (accuracy < 0) return 2;
    ++measured;
    if (accuracy < absl::GetFlag(FLAGS_min_accuracy)) {
      std::printf("%s: %.3f is below the floor %.3f\n", path.c_str(), accuracy,
                  absl::GetFlag(FLAGS_min_accuracy));
      below = true;
    }
  }
  // Every file absent: nothing was measured (ctest SKIP_RETURN_CODE).
  if (measured == 0) return 77;
  return below ? 1 : 0;
}
