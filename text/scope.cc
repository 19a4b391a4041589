#include "text/scope.h"

#include <array>
#include <string>

namespace agentd::text {
namespace {

// After a phrase, these start a new thought: "replay so that we don't ...".
bool EndsLookahead(const Token& token) {
  if (IsClauseBreak(token)) return true;
  static constexpr std::array<std::string_view, 9> kWords = {
      "to", "that", "which", "if", "when", "since", "for", "or", "with"};
  for (std::string_view w : kWords) {
    if (token.text == w) return true;
  }
  return false;
}

// Negators that open a noun phrase ("no SRE", "without tracing").
bool IsDeterminerNegator(std::string_view word) {
  return word == "no" || word == "without" || word == "none" ||
         word == "lack" || word == "lacks" || word == "lacking" ||
         word == "neither" || word == "nor";
}

}  // namespace

bool IsNegator(std::string_view word) {
  static constexpr std::array<std::string_view, 24> kNegators = {
      "no",       "not",       "never",    "without",  "don't",  "dont",
      "doesn't",  "doesnt",    "didn't",   "isn't",    "aren't", "wasn't",
      "won't",    "cannot",    "can't",    "lack",     "lacks",  "lacking",
      "neither",  "nor",       "none",     "unnecessary", "unneeded",
      "shouldn't"};
  // Most words are not negators: the length and first letter rule them out
  // without a comparison (this runs for every word the fact reader meets).
  if (word.size() < 2 || word.size() > 11) {
    if (word.find('\xE2') == std::string_view::npos) return false;
  }
  for (std::string_view n : kNegators) {
    if (word.size() == n.size() && word[0] == n[0] && word == n) return true;
  }
  // Typographic apostrophe: "don’t" (U+2019).
  const size_t pos = word.find("\xE2\x80\x99");
  if (pos != std::string_view::npos) {
    std::string ascii(word.substr(0, pos));
    ascii += '\'';
    ascii += word.substr(pos + 3);
    return IsNegator(ascii);
  }
  return false;
}

bool IsHedge(std::string_view word) {
  static constexpr std::array<std::string_view, 10> kHedges = {
      "maybe", "perhaps", "might", "possibly", "someday", "eventually",
      "considering", "wondering", "hypothetically", "potentially"};
  for (std::string_view h : kHedges) {
    if (word == h) return true;
  }
  return false;
}

bool NegatedAround(const std::vector<Token>& tokens, size_t first, size_t end) {
  constexpr size_t kLookBehind = 4;
  constexpr size_t kLookAhead = 3;
  for (size_t k = 1; k <= kLookBehind && k <= first; ++k) {
    const Token& t = tokens[first - k];
    if (IsClauseBreak(t)) break;
    if (IsNegator(t.text)) return true;
  }
  // After the phrase only a negated verb counts: in "on Azure with no SRE"
  // the "no" belongs to what follows, in "replay isn't needed" to the phrase.
  for (size_t j = end; j < tokens.size() && j < end + kLookAhead; ++j) {
    const Token& t = tokens[j];
    if (EndsLookahead(t)) break;
    if (IsNegator(t.text) && !IsDeterminerNegator(t.text)) return true;
  }
  return false;
}

bool HedgedBefore(const std::vector<Token>& tokens, size_t first) {
  constexpr size_t kLookBehind = 5;
  for (size_t k = 1; k <= kLookBehind && k <= first; ++k) {
    const Token& t = tokens[first - k];
    if (IsClauseBreak(t)) break;
    if (IsHedge(t.text)) return true;
  }
  return false;
}

}  // namespace agentd::text
