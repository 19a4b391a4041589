#include "server/plugin_host/remote/answer_check.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace agentd {
namespace {

absl::Status Bad(const AnswerLimits& limits, absl::string_view what) {
  return absl::InternalError(absl::StrCat(limits.agent, ": plugin answered badly: ", what));
}

bool TooLong(const AnswerLimits& limits, const std::string& text) {
  return text.size() > static_cast<size_t>(limits.max_text_bytes);
}

absl::Status CheckItems(const AnswerLimits& limits, const google::protobuf::RepeatedPtrField<v1::Item>& items,
                        int* count) {
  for (const v1::Item& item : items) {
    if (++*count > limits.max_items) return Bad(limits, absl::StrCat("more than ", limits.max_items, " items"));
    if (TooLong(limits, item.text()) || TooLong(limits, item.rationale()) || TooLong(limits, item.mitigation())) {
      return Bad(limits, absl::StrCat("an item longer than ", limits.max_text_bytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string Excerpt(absl::string_view text, size_t max_bytes) {
  std::string out;
  for (char c : text.substr(0, max_bytes)) out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  // Never end inside a UTF-8 sequence.
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  if (text.size() > max_bytes) out += "…";
  return out;
}

absl::Status CheckAnswer(const AnswerLimits& limits, v1::AgentResponse* response) {
  if (response->agent().empty()) response->set_agent(limits.agent);
  if (response->agent() != limits.agent) {
    return Bad(limits, absl::StrCat("it answered as agent '", Excerpt(response->agent(), 64), "'"));
  }
  int count = 0;
  for (const v1::Section& section : response->sections()) {
    if (limits.sections.count(section.id()) == 0) {
      return Bad(limits, absl::StrCat("section '", Excerpt(section.id(), 64),
                                      "' is not one it declared (its sections: ",
                                      absl::StrJoin(limits.sections, ", "), ")"));
    }
    if (TooLong(limits, section.heading())) return Bad(limits, "a section heading too long");
    if (absl::Status s = CheckItems(limits, section.items(), &count); !s.ok()) return s;
  }
  if (absl::Status s = CheckItems(limits, response->assumptions(), &count); !s.ok()) return s;
  if (absl::Status s = CheckItems(limits, response->questions(), &count); !s.ok()) return s;
  for (const v1::Decision& d : response->decisions()) {
    if (d.key().empty()) return Bad(limits, "a decision without a key");
    if (TooLong(limits, d.value()) || TooLong(limits, d.rationale())) {
      return Bad(limits, absl::StrCat("a decision longer than ", limits.max_text_bytes, " bytes"));
    }
  }
  if (TooLong(limits, response->summary())) return Bad(limits, "a summary too long");
  return absl::OkStatus();
}

}  // namespace agentd
