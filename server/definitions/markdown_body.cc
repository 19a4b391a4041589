#include "server/definitions/markdown_body.h"

#include <cmark.h>

#include <cstddef>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"

namespace agentd::definitions_internal {
namespace {

struct NodeDeleter {
  void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterDeleter {
  void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};

// The plain text of a block: emphasis and code spans kept as their text,
// line breaks as spaces. Iterative, so deeply nested input cannot overflow
// the stack.
std::string PlainText(cmark_node* node) {
  std::string text;
  std::unique_ptr<cmark_iter, IterDeleter> iter(cmark_iter_new(node));
  cmark_event_type event;
  while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    if (event != CMARK_EVENT_ENTER) continue;
    cmark_node* current = cmark_iter_get_node(iter.get());
    switch (cmark_node_get_type(current)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE: {
        const char* literal = cmark_node_get_literal(current);
        if (literal != nullptr) text += literal;
        break;
      }
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        text += ' ';
        break;
      default:
        break;
    }
  }
  return CollapseWhitespace(text);
}

// An item's own words: its paragraphs (and headings), not its sub-lists.
std::string ItemText(cmark_node* item) {
  std::vector<std::string> parts;
  for (cmark_node* child = cmark_node_first_child(item); child != nullptr;
       child = cmark_node_next(child)) {
    cmark_node_type type = cmark_node_get_type(child);
    if (type == CMARK_NODE_PARAGRAPH || type == CMARK_NODE_HEADING) {
      std::string text = PlainText(child);
      if (!text.empty()) parts.push_back(std::move(text));
    }
  }
  return absl::StrJoin(parts, " ");
}

absl::string_view StripTrailingPunctuation(absl::string_view text) {
  while (!text.empty() && (text.back() == ':' || text.back() == ' ' ||
                           text.back() == '.' || text.back() == '*')) {
    text.remove_suffix(1);
  }
  return text;
}

bool StartsWithWord(absl::string_view text, absl::string_view word) {
  return absl::StartsWith(text, word) &&
         (text.size() == word.size() || text[word.size()] == ' ');
}

bool EndsWithWord(absl::string_view text, absl::string_view word) {
  return absl::EndsWith(text, word) &&
         (text.size() == word.size() ||
          text[text.size() - word.size() - 1] == ' ');
}

bool IsAgentNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_' || c == '.';
}

// Reads an agent name at the start of `text` ("**x**", "`@x`" allowed);
// returns it and sets `rest` to what follows.
std::string TakeAgentName(absl::string_view text, absl::string_view* rest) {
  text = absl::StripLeadingAsciiWhitespace(text);
  while (!text.empty() && (text[0] == '*' || text[0] == '`' || text[0] == '@' ||
                           text[0] == '_')) {
    text.remove_prefix(1);
  }
  size_t end = 0;
  while (end < text.size() && IsAgentNameChar(text[end])) ++end;
  std::string name(text.substr(0, end));
  while (!name.empty() && (name.back() == '.' || name.back() == '_' ||
                           name.back() == '-')) {
    name.pop_back();
  }
  absl::string_view after = text.substr(end);
  while (!after.empty() && (after[0] == '*' || after[0] == '`' ||
                            after[0] == '_')) {
    after.remove_prefix(1);
  }
  *rest = absl::StripAsciiWhitespace(after);
  return name;
}

// A redirect target must look like an agent name: "use separate storage"
// names no agent, "use frontend-architect" and "use dba instead" do.
bool AcceptRedirect(const std::string& name, absl::string_view rest,
                    bool in_parentheses) {
  if (name.empty()) return false;
  std::string lower_rest = absl::AsciiStrToLower(rest);
  if (rest.empty() || absl::StartsWith(lower_rest, "instead")) return true;
  if (name.find('-') == std::string::npos) return false;
  if (in_parentheses) return true;
  return absl::StartsWith(lower_rest, "or ") ||
         absl::StartsWith(lower_rest, "(") || absl::StartsWith(lower_rest, ",") ||
         absl::StartsWith(lower_rest, ";");
}

absl::string_view TrimSeparatorTail(absl::string_view text) {
  text = absl::StripTrailingAsciiWhitespace(text);
  while (!text.empty() && (text.back() == ':' || text.back() == '-' ||
                           text.back() == ',' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  if (absl::EndsWith(text, "\xE2\x80\x94")) text.remove_suffix(3);  // em dash
  return absl::StripTrailingAsciiWhitespace(text);
}

}  // namespace

ListMarker ClassifyMarker(absl::string_view raw, bool is_heading) {
  // A long paragraph is prose that happens to mention the phrase, not a label.
  constexpr size_t kMaxLabelParagraph = 120;
  if (!is_heading && raw.size() > kMaxLabelParagraph) return ListMarker::kNone;
  std::string lower = absl::AsciiStrToLower(CollapseWhitespace(raw));
  absl::string_view text = StripTrailingPunctuation(lower);
  while (!text.empty() && (text.front() == '*' || text.front() == ' ')) {
    text.remove_prefix(1);
  }
  // Negative forms first: "Do NOT use this agent for" contains "use this
  // agent for".
  for (absl::string_view negative :
       {"do not use", "don't use", "do not engage", "don't engage",
        "not to use", "do not call", "don't call", "avoid using"}) {
    if (absl::StrContains(text, negative)) return ListMarker::kNotFor;
  }
  if (StartsWithWord(text, "not for") || absl::StrContains(text, " not for")) {
    return ListMarker::kNotFor;
  }
  for (absl::string_view positive :
       {"use this agent when", "use this agent for", "when to use",
        "when to engage", "when to invoke"}) {
    if (absl::StrContains(text, positive)) return ListMarker::kUseWhen;
  }
  if (StartsWithWord(text, "use when")) return ListMarker::kUseWhen;
  // "Use the Security Architect When", "Engage the API Architect for".
  if ((absl::StartsWith(text, "use the ") ||
       absl::StartsWith(text, "engage the ") ||
       absl::StartsWith(text, "engage this ")) &&
      (EndsWithWord(text, "when") || EndsWithWord(text, "for"))) {
    return ListMarker::kUseWhen;
  }
  if (absl::StrContains(text, "core competenc")) return ListMarker::kCompetencies;
  return ListMarker::kNone;
}

Exclusion ParseExclusion(absl::string_view item) {
  absl::string_view text = absl::StripAsciiWhitespace(item);
  Exclusion result{std::string(text), ""};

  // Trailing "(use X …)" or "(→ X)".
  if (absl::EndsWith(text, ")")) {
    int depth = 0;
    size_t open = absl::string_view::npos;
    for (size_t i = text.size(); i-- > 0;) {
      if (text[i] == ')') ++depth;
      if (text[i] == '(' && --depth == 0) {
        open = i;
        break;
      }
    }
    if (open != absl::string_view::npos) {
      absl::string_view inner = absl::StripAsciiWhitespace(
          text.substr(open + 1, text.size() - open - 2));
      std::string lower = absl::AsciiStrToLower(inner);
      absl::string_view target;
      if (absl::StartsWith(lower, "use ")) {
        target = inner.substr(4);
      } else if (absl::StartsWith(inner, "\xE2\x86\x92")) {  // →
        target = inner.substr(3);
      } else if (absl::StartsWith(inner, "->")) {
        target = inner.substr(2);
      }
      if (!target.empty()) {
        absl::string_view rest;
        std::string name = TakeAgentName(target, &rest);
        if (AcceptRedirect(name, rest, /*in_parentheses=*/true)) {
          result.text = std::string(TrimSeparatorTail(text.substr(0, open)));
          result.redirect = name;
          return result;
        }
      }
    }
  }

  // "Item: Use X", "Item → X", "Item — use X".
  std::string lower = absl::AsciiStrToLower(text);
  for (absl::string_view separator :
       {": use ", " \xE2\x86\x92 ", " -> ", " - use ", " \xE2\x80\x94 use "}) {
    size_t at = absl::string_view(lower).rfind(separator);
    if (at == std::string::npos) continue;
    absl::string_view rest;
    std::string name = TakeAgentName(text.substr(at + separator.size()), &rest);
    if (AcceptRedirect(name, rest, /*in_parentheses=*/false)) {
      result.text = std::string(TrimSeparatorTail(text.substr(0, at)));
      result.redirect = name;
      return result;
    }
  }
  return result;
}

BodyScope ParseBody(absl::string_view markdown) {
  BodyScope scope;
  std::unique_ptr<cmark_node, NodeDeleter> document(
      cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT));
  if (document == nullptr) return scope;

  ListMarker pending = ListMarker::kNone;
  for (cmark_node* node = cmark_node_first_child(document.get());
       node != nullptr; node = cmark_node_next(node)) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HEADING: {
        std::string text = PlainText(node);
        if (scope.title.empty()) scope.title = text;
        // A heading always ends the previous announcement, marker or not.
        pending = ClassifyMarker(text, /*is_heading=*/true);
        break;
      }
      case CMARK_NODE_PARAGRAPH: {
        ListMarker marker = ClassifyMarker(PlainText(node), false);
        if (marker != ListMarker::kNone) pending = marker;
        break;
      }
      case CMARK_NODE_THEMATIC_BREAK:
        pending = ListMarker::kNone;
        break;
      case CMARK_NODE_LIST: {
        if (pending == ListMarker::kNone) break;
        for (cmark_node* item = cmark_node_first_child(node); item != nullptr;
             item = cmark_node_next(item)) {
          std::string text = ItemText(item);
          if (text.empty()) continue;
          switch (pending) {
            case ListMarker::kUseWhen:
              scope.use_when.push_back(std::move(text));
              break;
            case ListMarker::kNotFor:
              scope.not_for.push_back(ParseExclusion(text));
              break;
            case ListMarker::kCompetencies:
              scope.competencies.push_back(std::move(text));
              break;
            case ListMarker::kNone:
              break;
          }
        }
        pending = ListMarker::kNone;
        break;
      }
      default:
        break;
    }
  }
  return scope;
}


std::string CollapseWhitespace(absl::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      out += c;
      space = false;
    }
  }
  return out;
}

}  // namespace agentd::definitions_internal
