#include "server/core/markdown_renderer.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "server/core/merger.h"

namespace agentd {
namespace {

std::string StatusWord(v1::AgentStatus status) {
  switch (status) {
    case v1::AGENT_STATUS_OK: return "ok";
    case v1::AGENT_STATUS_FAILED: return "failed";
    case v1::AGENT_STATUS_TIMED_OUT: return "timed out";
    case v1::AGENT_STATUS_SKIPPED: return "skipped";
    case v1::AGENT_STATUS_CANCELLED: return "cancelled";
    default: return "unknown";
  }
}

// " _(api-architect)_" when the item is not the section owner's, listing
// everyone who said it.
std::string Attribution(const v1::Item& item, const std::string& owner) {
  std::vector<std::string> agents;
  if (item.agent() != owner) agents.push_back(item.agent());
  for (const std::string& a : item.also_agents()) {
    if (a != owner) agents.push_back(a);
  }
  if (agents.empty()) return "";
  if (item.agent() == owner) agents.insert(agents.begin(), item.agent());
  return absl::StrCat(" _(", absl::StrJoin(agents, ", "), ")_");
}

void RenderItem(const v1::Item& item, const std::string& section_id, const std::string& owner,
                int index, std::string* out) {
  std::string who = Attribution(item, owner);
  if (section_id == "recommendations") {
    absl::StrAppend(out, index, ". ", item.text(), who, "\n");
  } else if (section_id == "risks") {
    absl::StrAppend(out, "- **Risk**: ", item.text(), who, "\n");
    if (!item.mitigation().empty()) absl::StrAppend(out, "  **Mitigation**: ", item.mitigation(), "\n");
    if (!item.rationale().empty()) absl::StrAppend(out, "  *Why*: ", item.rationale(), "\n");
    return;
  } else if (!item.label().empty()) {
    absl::StrAppend(out, "**", item.label(), "**: ", item.text(), who, "\n");
    if (!item.rationale().empty()) absl::StrAppend(out, "*Why*: ", item.rationale(), "\n");
    absl::StrAppend(out, "\n");
    return;
  } else {
    absl::StrAppend(out, "- ", item.text(), who, "\n");
  }
  if (!item.rationale().empty()) absl::StrAppend(out, "  *Why*: ", item.rationale(), "\n");
}

std::string FactSource(const v1::Fact& f) {
  switch (f.source()) {
    case v1::Fact::SOURCE_TEXT: return absl::StrCat("this turn: \"", f.quote(), "\"");
    case v1::Fact::SOURCE_FIELD: return "requirements field";
    case v1::Fact::SOURCE_SESSION:
      return f.quote().empty() ? absl::StrCat("earlier turn ", f.turn())
                               : absl::StrCat("earlier turn ", f.turn(), ": \"", f.quote(), "\"");
    default: return "unknown";
  }
}

void RenderConflict(const v1::Conflict& c, std::string* out) {
  absl::StrAppend(out, "> **Conflict** on `", c.key(), "`: **", c.kept_value(), "** (", c.kept_agent(),
                  ", section owner) stands; ", c.other_agent(), " would choose **", c.other_value(), "**",
                  c.other_rationale().empty() ? "" : absl::StrCat(" — ", c.other_rationale()), "\n");
}

}  // namespace

std::string FormatNumber(double value) {
  std::string s = absl::StrFormat("%.2f", std::round(value * 100) / 100);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string RenderMarkdown(const v1::Review& review) {
  std::string out = absl::StrCat("## ", review.title().empty() ? "Backend Architecture Review" : review.title(), "\n\n");
  std::vector<std::string> spoke;
  for (const v1::AgentRun& run : review.agents()) {
    spoke.push_back(absl::StrCat(run.agent(), run.stub() ? " (stub)" : "", ": ", StatusWord(run.status())));
  }
  if (!spoke.empty()) absl::StrAppend(&out, "> Agents: ", absl::StrJoin(spoke, "; "), "\n");
  if (review.partial()) {
    absl::StrAppend(&out, "> **Partial review**: ");
    std::vector<std::string> missing;
    for (const v1::AgentRun& run : review.agents()) {
      if (run.status() != v1::AGENT_STATUS_OK) {
        missing.push_back(absl::StrCat(run.agent(), " ", StatusWord(run.status()),
                                       run.error().empty() ? "" : absl::StrCat(" (", run.error(), ")")));
      }
    }
    absl::StrAppend(&out, absl::StrJoin(missing, "; "), " — their parts are missing.\n");
  }
  if (!spoke.empty() || review.partial()) out.push_back('\n');

  for (const v1::Section& section : review.sections()) {
    absl::StrAppend(&out, "### ", section.heading(), "\n");
    int index = 0;
    for (const v1::Item& item : section.items()) RenderItem(item, section.id(), section.owner(), ++index, &out);
    for (const v1::Conflict& c : review.conflicts()) {
      if (SectionOfDecisionKey(c.key()) == section.id()) RenderConflict(c, &out);
    }
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
    if (out.size() < 2 || out.substr(out.size() - 2) != "\n\n") out.push_back('\n');
  }

  if (review.decisions_size() > 0) {
    absl::StrAppend(&out, "### Decisions\n| key | value | agent |\n|---|---|---|\n");
    for (const v1::Decision& d : review.decisions()) {
      absl::StrAppend(&out, "| `", d.key(), "` | ", d.value(), " | ", d.agent(), " |\n");
    }
    out.push_back('\n');
  }
  // Conflicts whose section is not in the review still have to be seen.
  bool heading = false;
  for (const v1::Conflict& c : review.conflicts()) {
    std::string section = SectionOfDecisionKey(c.key());
    bool shown = false;
    for (const v1::Section& s : review.sections()) shown = shown || s.id() == section;
    if (shown) continue;
    if (!heading) absl::StrAppend(&out, "### Conflicts\n");
    heading = true;
    RenderConflict(c, &out);
  }
  if (heading) out.push_back('\n');
  auto list = [&out](const char* heading, const google::protobuf::RepeatedPtrField<v1::Item>& items) {
    if (items.empty()) return;
    absl::StrAppend(&out, "### ", heading, "\n");
    for (const v1::Item& item : items) {
      absl::StrAppend(&out, "- ", item.text(), " _(", item.agent(),
                      item.also_agents().empty() ? "" : absl::StrCat(", ", absl::StrJoin(item.also_agents(), ", ")),
                      ")_\n");
    }
    out.push_back('\n');
  };
  list("Assumptions", review.assumptions());
  list("Open Questions", review.questions());
  if (review.facts_size() > 0) {
    absl::StrAppend(&out, "### Facts Used\n");
    for (const v1::Fact& f : review.facts()) {
      absl::StrAppend(&out, "- `", f.field(), "` = ", f.value(), " (", FactSource(f), ")\n");
    }
    out.push_back('\n');
  }
  if (review.agents_size() > 0) {
    absl::StrAppend(&out, "### Agents\n| agent | status | latency | note |\n|---|---|---|---|\n");
    for (const v1::AgentRun& run : review.agents()) {
      absl::StrAppend(&out, "| ", run.agent(), " | ", StatusWord(run.status()), " | ",
                      FormatNumber(run.latency_ms()), " ms | ",
                      run.stub() ? "stub: answers from its definition only" : "",
                      absl::StrReplaceAll(run.error(), {{"|", "\\|"}, {"\n", " "}}), " |\n");
    }
  }
  while (out.size() >= 2 && out.substr(out.size() - 2) == "\n\n") out.pop_back();
  return out;
}

}  // namespace agentd
