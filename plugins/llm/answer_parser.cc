// ParseAnswer (prompt.h): a model's answer, JSON or Markdown, into an
// AgentResponse under the agent's own section ids.
#include <algorithm>
#include <cctype>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "plugins/llm/prompt.h"

namespace agentd::llm {
namespace {

using nlohmann::json;

// "API design", "api-design", "## Api Design:" → "api_design".
std::string Normalize(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

// Collects what the parser reads, then builds the response in section order.
class AnswerBuilder {
 public:
  explicit AnswerBuilder(const AgentPrompt& prompt) : prompt_(prompt) {
    for (const std::string& id : prompt.section_ids) items_[id];
  }

  // The section id a name (an id or a heading) means; the first one otherwise.
  const std::string& SectionFor(absl::string_view name) const {
    std::string key = Normalize(name);
    for (const std::string& id : prompt_.section_ids) {
      if (Normalize(id) == key) return id;
    }
    for (const std::string& id : prompt_.section_ids) {  // "Deployment" for deployment_delivery
      std::string n = Normalize(id);
      if (!key.empty() && (absl::StrContains(n, key) || absl::StrContains(key, n))) return id;
    }
    return prompt_.section_ids.front();
  }

  void AddItem(const std::string& section, std::string text, std::string rationale = "") {
    text = std::string(absl::StripAsciiWhitespace(text));
    if (text.empty()) return;
    v1::Item item;
    item.set_text(std::move(text));
    item.set_agent(prompt_.agent);
    item.set_rationale(std::string(absl::StripAsciiWhitespace(rationale)));
    items_[section].push_back(std::move(item));
  }
  void AddDecision(std::string key, std::string value, std::string rationale, double confidence) {
    key = std::string(absl::StripAsciiWhitespace(key));
    value = std::string(absl::StripAsciiWhitespace(value));
    if (key.empty() || value.empty()) return;
    v1::Decision* d = response_.add_decisions();
    d->set_key(std::move(key));
    d->set_value(std::move(value));
    d->set_rationale(std::move(rationale));
    d->set_agent(prompt_.agent);
    d->set_confidence(std::clamp(confidence, 0.0, 1.0));
  }
  void AddListed(v1::Item* item, std::string text) {
    item->set_text(std::string(absl::StripAsciiWhitespace(text)));
    item->set_agent(prompt_.agent);
  }
  v1::AgentResponse& response() { return response_; }

  v1::AgentResponse Finish() && {
    response_.set_agent(prompt_.agent);
    response_.set_stub(false);
    for (const std::string& id : prompt_.section_ids) {
      std::vector<v1::Item>& items = items_[id];
      if (items.empty()) continue;
      v1::Section* section = response_.add_sections();
      section->set_id(id);
      for (v1::Item& item : items) *section->add_items() = std::move(item);
    }
    return std::move(response_);
  }

 private:
  const AgentPrompt& prompt_;
  std::map<std::string, std::vector<v1::Item>> items_;
  v1::AgentResponse response_;
};

std::string StringOr(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The JSON object in an answer: the whole text, or inside a ``` fence.
json FindJson(absl::string_view content) {
  size_t open = content.find('{');
  size_t close = content.rfind('}');
  if (open == absl::string_view::npos || close == absl::string_view::npos || close < open) return json();
  absl::string_view object = content.substr(open, close - open + 1);
  json doc = json::parse(object.begin(), object.end(), nullptr, /*allow_exceptions=*/false);
  return doc.is_object() && (doc.contains("sections") || doc.contains("summary")) ? doc : json();
}

void ReadJson(const json& doc, AnswerBuilder* b) {
  b->response().set_summary(StringOr(doc, "summary"));
  if (auto it = doc.find("sections"); it != doc.end() && it->is_array()) {
    for (const json& section : *it) {
      if (!section.is_object()) continue;
      const std::string& id = b->SectionFor(StringOr(section, "id"));
      auto items = section.find("items");
      if (items == section.end() || !items->is_array()) continue;
      for (const json& item : *items) {
        if (item.is_string()) b->AddItem(id, item.get<std::string>());
        if (item.is_object()) b->AddItem(id, StringOr(item, "text"), StringOr(item, "rationale"));
      }
    }
  }
  if (auto it = doc.find("decisions"); it != doc.end() && it->is_array()) {
    for (const json& d : *it) {
      if (!d.is_object()) continue;
      double confidence = d.contains("confidence") && d["confidence"].is_number() ? d["confidence"].get<double>() : 0.5;
      b->AddDecision(StringOr(d, "key"), StringOr(d, "value"), StringOr(d, "rationale"), confidence);
    }
  }
  for (const char* list : {"assumptions", "questions"}) {
    auto it = doc.find(list);
    if (it == doc.end() || !it->is_array()) continue;
    for (const json& entry : *it) {
      if (!entry.is_string() || entry.get_ref<const std::string&>().empty()) continue;
      v1::Item* item = list[0] == 'a' ? b->response().add_assumptions() : b->response().add_questions();
      b->AddListed(item, entry.get<std::string>());
    }
  }
}

// A list marker ("- ", "* ", "+ ", "12. ", "3) ") taken off; false if none.
bool StripListMarker(absl::string_view* line) {
  if (absl::ConsumePrefix(line, "- ") || absl::ConsumePrefix(line, "* ") || absl::ConsumePrefix(line, "+ ")) {
    return true;
  }
  size_t digits = 0;
  while (digits < line->size() && std::isdigit(static_cast<unsigned char>((*line)[digits]))) ++digits;
  if (digits == 0 || digits + 1 >= line->size() || ((*line)[digits] != '.' && (*line)[digits] != ')') ||
      (*line)[digits + 1] != ' ') {
    return false;
  }
  line->remove_prefix(digits + 2);
  return true;
}

void ReadMarkdown(absl::string_view content, AnswerBuilder* b) {
  enum class Part { kSummary, kSection, kDecisions, kAssumptions, kQuestions } part = Part::kSummary;
  std::string section = b->SectionFor("");
  std::string summary;
  for (absl::string_view raw : absl::StrSplit(content, '\n')) {
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || absl::StartsWith(line, "```") || line == "---") continue;  // fences, rules
    if (line.front() == '#') {
      size_t text_start = line.find_first_not_of('#');
      absl::string_view heading =
          text_start == absl::string_view::npos ? absl::string_view() : absl::StripAsciiWhitespace(line.substr(text_start));
      std::string key = Normalize(heading);
      if (absl::StartsWith(key, "decision")) part = Part::kDecisions;
      else if (absl::StartsWith(key, "assumption")) part = Part::kAssumptions;
      else if (absl::StartsWith(key, "question") || absl::StartsWith(key, "open_question")) part = Part::kQuestions;
      else if (key == "summary") part = Part::kSummary;
      else {
        part = Part::kSection;
        section = b->SectionFor(heading);
      }
      continue;
    }
    StripListMarker(&line);
    std::string text(line);
    switch (part) {
      case Part::kSummary:
        if (summary.empty()) summary = text;
        else b->AddItem(section, text);
        break;
      case Part::kSection:
        b->AddItem(section, text);
        break;
      case Part::kDecisions: {
        std::vector<std::string> kv = absl::StrSplit(text, absl::MaxSplits(absl::ByAnyChar(":="), 1));
        std::string key(absl::StripAsciiWhitespace(kv[0]));
        key.erase(std::remove(key.begin(), key.end(), '`'), key.end());
        if (kv.size() == 2) b->AddDecision(key, std::string(absl::StripAsciiWhitespace(kv[1])), "", 0.5);
        break;
      }
      case Part::kAssumptions:
        b->AddListed(b->response().add_assumptions(), text);
        break;
      case Part::kQuestions:
        b->AddListed(b->response().add_questions(), text);
        break;
    }
  }
  b->response().set_summary(summary);
}

}  // namespace

v1::AgentResponse ParseAnswer(std::string_view text, const AgentPrompt& prompt) {
  const absl::string_view content(text.data(), text.size());
  AnswerBuilder builder(prompt);
  json doc = FindJson(content);
  if (!doc.is_null()) {
    ReadJson(doc, &builder);
  } else {
    ReadMarkdown(content, &builder);
  }
  return std::move(builder).Finish();
}

}  // namespace agentd::llm
