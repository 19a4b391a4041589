#include "server/facts/text_matcher.h"

#include <cstdlib>

#include "absl/hash/hash.h"
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

MatchText::MatchText(const std::vector<Token>& tokens) : tokens_(&tokens) {
  hashes_.reserve(tokens.size());
  negators_.reserve(tokens.size());
  for (const Token& t : tokens) {
    hashes_.push_back(HashOf(t.text));
    negators_.push_back(IsNegator(t.text) ? 1 : 0);
  }
}

uint64_t MatchText::HashOf(std::string_view word) {
  return absl::Hash<absl::string_view>{}(absl::string_view(word.data(), word.size()));
}

void Pattern::Element::IndexWords() {
  word_hashes.clear();
  for (const std::string& w : words) word_hashes.push_back(MatchText::HashOf(w));
  if (words.size() < kHashedWords) return;
  for (uint32_t i = 0; i < words.size(); ++i) {
    // A repeated word keeps its first index; two words with one hash leave
    // the element comparing word by word.
    auto [it, inserted] = word_index.try_emplace(word_hashes[i], i);
    if (!inserted && words[it->second] != words[i]) {
      word_index.clear();
      return;
    }
  }
}

bool Pattern::Element::Accepts(const MatchText& text, size_t i) const {
  const Token& token = text.tokens()[i];
  const uint64_t hash = text.hash(i);
  if (!word_index.empty()) {
    if (auto it = word_index.find(hash); it != word_index.end() && token.text == words[it->second]) return true;
  } else {
    for (size_t w = 0; w < words.size(); ++w) {
      if (word_hashes[w] == hash && token.text == words[w]) return true;
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
      e.IndexWords();
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
  return pattern;
}

bool Pattern::MatchAt(const std::vector<Token>& tokens, size_t at,
                      PatternMatch* match) const {
  return MatchAt(MatchText(tokens), at, match);
}

bool Pattern::MatchAt(const MatchText& text, size_t at,
                      PatternMatch* match) const {
  match->first = at;
  match->end = at;
  match->numbers.clear();
  match->negator_skipped = false;
  return MatchFrom(text, 0, at, match);
}

bool Pattern::MatchFrom(const MatchText& text, size_t element, size_t token,
                        PatternMatch* match) const {
  if (element == elements_.size()) {
    match->end = token;
    return true;
  }
  const std::vector<Token>& tokens = text.tokens();
  const Element& e = elements_[element];
  const bool have_token = token < tokens.size();
  switch (e.kind) {
    case Element::Kind::kWords:
      if (have_token && e.Accepts(text, token) &&
          MatchFrom(text, element + 1, token + 1, match)) {
        return true;
      }
      break;
    case Element::Kind::kAnyWord:
      if (have_token && tokens[token].kind == TokenKind::kWord &&
          MatchFrom(text, element + 1, token + 1, match)) {
        return true;
      }
      break;
    case Element::Kind::kNumber: {
      double value = 0;
      size_t next = 0;
      if (ReadNumber(tokens, token, &value, &next)) {
        match->numbers.push_back(value);
        if (MatchFrom(text, element + 1, next, match)) return true;
        match->numbers.pop_back();
      }
      break;
    }
    case Element::Kind::kNines: {
      double percent = 0;
      size_t next = 0;
      if (text::ReadNines(tokens, token, &percent, &next)) {
        match->numbers.push_back(percent);
        if (MatchFrom(text, element + 1, next, match)) return true;
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
          skipped_negator |= text.negator(skipped);
        }
        if (MatchFrom(text, element + 1, token + static_cast<size_t>(k),
                      match)) {
          match->negator_skipped |= skipped_negator;
          return true;
        }
      }
      return false;
    }
    case Element::Kind::kNotFollowedBy:
      if (have_token && e.Accepts(text, token)) return false;
      return MatchFrom(text, element + 1, token, match);
  }
  return e.optional && MatchFrom(text, element + 1, token, match);
}

}  // namespace agentd::facts_internal
