#include "server/facts/text_matcher.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "text/numbers.h"
#include "text/scope.h"

namespace agentd::facts_internal {
namespace {

// Splits on `sep`, keeping empty pieces only when asked. (Debian's Abseil
// has its own string_view, so absl::StrSplit does not take std::string_view.)
std::vector<std::string_view> Split(std::string_view s, char sep,
                                    bool keep_empty) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= s.size()) {
    size_t stop = s.find(sep, start);
    if (stop == std::string_view::npos) stop = s.size();
    if (keep_empty || stop > start) parts.push_back(s.substr(start, stop - start));
    start = stop + 1;
  }
  return parts;
}

// From this many alternatives on, an element looks words up in a hash set.
constexpr size_t kHashedWords = 6;

}  // namespace

bool Pattern::Element::Accepts(const Token& token) const {
  if (!word_set.empty()) {
    if (word_set.contains(absl::string_view(token.text.data(), token.text.size()))) return true;
  } else {
    for (const std::string& w : words) {
      if (token.text == w) return true;
    }
  }
  if (token.kind != TokenKind::kWord) return false;
  for (const std::string& p : prefixes) {
    if (token.text.size() >= p.size() && token.text.substr(0, p.size()) == p) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<Pattern> Pattern::Compile(std::string_view source) {
  Pattern pattern;
  for (std::string_view part : Split(source, ' ', false)) {
    Element e;
    if (part == "?" || part == "!") {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", std::string(part), "' must be attached to an element in '",
          std::string(source), "'"));
    }
    if (part.size() > 1 && part.back() == '?') {
      e.optional = true;
      part.remove_suffix(1);
    }
    if (part == "#") {
      e.kind = Element::Kind::kNumber;
    } else if (part == "#nines") {
      e.kind = Element::Kind::kNines;
    } else if (part == "_") {
      e.kind = Element::Kind::kAnyWord;
    } else if (part.size() > 2 && part.substr(0, 2) == "..") {
      e.kind = Element::Kind::kGap;
      e.max_gap = std::atoi(std::string(part.substr(2)).c_str());
      if (e.max_gap <= 0 || e.optional) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad gap '", std::string(part), "' in pattern '",
                         std::string(source), "'"));
      }
    } else {
      if (part.front() == '!') {
        e.kind = Element::Kind::kNotFollowedBy;
        part.remove_prefix(1);
      }
      for (std::string_view alt : Split(part, '|', true)) {
        if (alt.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("empty alternative in pattern '",
                           std::string(source), "'"));
        }
        if (alt.size() > 1 && alt.back() == '*') {
          e.prefixes.emplace_back(alt.substr(0, alt.size() - 1));
        } else {
          e.words.emplace_back(alt);
        }
      }
      if (e.words.size() >= kHashedWords) e.word_set.insert(e.words.begin(), e.words.end());
    }
    pattern.elements_.push_back(std::move(e));
  }
  if (pattern.elements_.empty()) {
    return absl::InvalidArgumentError("empty pattern");
  }
  const Element& head = pattern.elements_.front();
  if (head.kind == Element::Kind::kGap ||
      head.kind == Element::Kind::kNotFollowedBy) {
    return absl::InvalidArgumentError(
        absl::StrCat("pattern '", std::string(source),
                     "' must start with a token"));
  }
  if (!head.optional) {
    if (head.kind == Element::Kind::kWords && head.prefixes.empty()) {
      pattern.first_words_ = head.words;
    }
    pattern.starts_with_number_ =
        head.kind == Element::Kind::kNumber || head.kind == Element::Kind::kNines;
  }
  pattern.ComputeStarts();
  return pattern;
}

void Pattern::ComputeStarts() {
  for (const Element& e : elements_) {
    switch (e.kind) {
      case Element::Kind::kWords:
        starts_.words.insert(starts_.words.end(), e.words.begin(), e.words.end());
        starts_.prefixes.insert(starts_.prefixes.end(), e.prefixes.begin(), e.prefixes.end());
        break;
      case Element::Kind::kNumber:
      case Element::Kind::kNines:  // ReadNines starts with ReadNumber
        starts_.number = true;
        break;
      case Element::Kind::kAnyWord:
        starts_.any_word = true;
        break;
      case Element::Kind::kGap:
        starts_.any_token = true;
        return;
      case Element::Kind::kNotFollowedBy:
        continue;  // consumes nothing: the next element starts the match
    }
    if (!e.optional) return;
  }
}

bool Pattern::MatchAt(const std::vector<Token>& tokens, size_t at,
                      PatternMatch* match) const {
  match->first = at;
  match->end = at;
  match->numbers.clear();
  match->negator_skipped = false;
  return MatchFrom(tokens, 0, at, match);
}

bool Pattern::MatchFrom(const std::vector<Token>& tokens, size_t element,
                        size_t token, PatternMatch* match) const {
  if (element == elements_.size()) {
    match->end = token;
    return true;
  }
  const Element& e = elements_[element];
  const bool have_token = token < tokens.size();
  switch (e.kind) {
    case Element::Kind::kWords:
      if (have_token && e.Accepts(tokens[token]) &&
          MatchFrom(tokens, element + 1, token + 1, match)) {
        return true;
      }
      break;
    case Element::Kind::kAnyWord:
      if (have_token && tokens[token].kind == TokenKind::kWord &&
          MatchFrom(tokens, element + 1, token + 1, match)) {
        return true;
      }
      break;
    case Element::Kind::kNumber: {
      double value = 0;
      size_t next = 0;
      if (ReadNumber(tokens, token, &value, &next)) {
        match->numbers.push_back(value);
        if (MatchFrom(tokens, element + 1, next, match)) return true;
        match->numbers.pop_back();
      }
      break;
    }
    case Element::Kind::kNines: {
      double percent = 0;
      size_t next = 0;
      if (text::ReadNines(tokens, token, &percent, &next)) {
        match->numbers.push_back(percent);
        if (MatchFrom(tokens, element + 1, next, match)) return true;
        match->numbers.pop_back();
      }
      break;
    }
    case Element::Kind::kGap: {
      bool skipped_negator = false;
      for (int k = 0; k <= e.max_gap; ++k) {
        if (k > 0) {
          const size_t skipped = token + static_cast<size_t>(k) - 1;
          if (skipped >= tokens.size() ||
              tokens[skipped].kind == TokenKind::kBoundary) {
            break;
          }
          skipped_negator |= IsNegator(tokens[skipped].text);
        }
        if (MatchFrom(tokens, element + 1, token + static_cast<size_t>(k),
                      match)) {
          match->negator_skipped |= skipped_negator;
          return true;
        }
      }
      return false;
    }
    case Element::Kind::kNotFollowedBy:
      if (have_token && e.Accepts(tokens[token])) return false;
      return MatchFrom(tokens, element + 1, token, match);
  }
  return e.optional && MatchFrom(tokens, element + 1, token, match);
}

}  // namespace agentd::facts_internal
