#include "server/facts/text_matcher.h"

#include <array>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace agentd::facts_internal {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Bytes of multi-byte UTF-8 sequences are kept inside words, so "don’t"
// stays one word and offsets stay byte offsets into the caller's text.
bool IsWordByte(char c) {
  return IsAsciiAlpha(c) || IsDigit(c) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

struct NamedNumber {
  std::string_view word;
  int value;
};
constexpr std::array<NamedNumber, 28> kNumberWords = {{
    {"zero", 0},      {"one", 1},        {"two", 2},        {"three", 3},
    {"four", 4},      {"five", 5},       {"six", 6},        {"seven", 7},
    {"eight", 8},     {"nine", 9},       {"ten", 10},       {"eleven", 11},
    {"twelve", 12},   {"thirteen", 13},  {"fourteen", 14},  {"fifteen", 15},
    {"sixteen", 16},  {"seventeen", 17}, {"eighteen", 18},  {"nineteen", 19},
    {"twenty", 20},   {"thirty", 30},    {"forty", 40},     {"fifty", 50},
    {"sixty", 60},    {"seventy", 70},   {"eighty", 80},    {"ninety", 90},
}};

int NumberWordValue(std::string_view word) {
  for (const NamedNumber& n : kNumberWords) {
    if (n.word == word) return n.value;
  }
  return -1;
}

double MultiplierWordValue(std::string_view word) {
  if (word == "thousand") return 1e3;
  if (word == "million" || word == "mil" || word == "mln") return 1e6;
  if (word == "billion" || word == "bn") return 1e9;
  return 0;
}

bool IsClauseBreak(const Token& token) {
  if (token.kind == TokenKind::kBoundary) return true;
  if (token.kind == TokenKind::kPunct) return token.text == "," || token.text == ":";
  static constexpr std::array<std::string_view, 9> kWords = {
      "but", "and", "while", "although", "though", "however", "whereas",
      "so", "because"};
  for (std::string_view w : kWords) {
    if (token.text == w) return true;
  }
  return false;
}

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

// Negators that open a noun phrase ("no SRE", "without tracing").
bool IsDeterminerNegator(std::string_view word) {
  return word == "no" || word == "without" || word == "none" ||
         word == "lack" || word == "lacks" || word == "lacking" ||
         word == "neither" || word == "nor";
}

}  // namespace

TokenizedText::TokenizedText(std::string_view text) : lowered_(text) {
  for (char& c : lowered_) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  const std::string_view s = lowered_;
  const size_t n = s.size();
  tokens_.reserve(n / 4 + 4);
  size_t i = 0;
  auto emit = [&](TokenKind kind, size_t b, size_t e, double number = 0) {
    tokens_.push_back(Token{kind, s.substr(b, e - b), static_cast<uint32_t>(b),
                            static_cast<uint32_t>(e), number});
  };
  while (i < n) {
    const char c = s[i];
    if (IsDigit(c)) {
      // Digits, thousands separators ("10,000") and one decimal part.
      const size_t b = i;
      std::string digits;
      while (i < n) {
        if (IsDigit(s[i])) {
          digits.push_back(s[i++]);
        } else if (s[i] == ',' && !digits.empty() && i + 3 < n &&
                   IsDigit(s[i + 1]) && IsDigit(s[i + 2]) && IsDigit(s[i + 3]) &&
                   (i + 4 >= n || !IsDigit(s[i + 4]))) {
          ++i;  // "10,000": a comma followed by exactly three digits
        } else {
          break;
        }
      }
      if (i < n && s[i] == '.' && i + 1 < n && IsDigit(s[i + 1])) {
        digits.push_back(s[i++]);
        while (i < n && IsDigit(s[i])) digits.push_back(s[i++]);
      }
      double value = std::strtod(digits.c_str(), nullptr);
      // "5k", "2M": a multiplier letter directly after the digits, not the
      // start of a word ("50ms" is 50 then "ms").
      if (i < n && (s[i] == 'k' || s[i] == 'm') &&
          (i + 1 >= n || !IsWordByte(s[i + 1]))) {
        value *= s[i] == 'k' ? 1e3 : 1e6;
        ++i;
      }
      emit(TokenKind::kNumber, b, i, value);
      continue;
    }
    if (IsWordByte(c)) {
      const size_t b = i;
      while (i < n) {
        if (IsWordByte(s[i])) {
          ++i;
        } else if (s[i] == '\'' && i + 1 < n && IsAsciiAlpha(s[i + 1])) {
          ++i;  // "we're", "don't"
        } else {
          break;
        }
      }
      emit(TokenKind::kWord, b, i);
      continue;
    }
    switch (c) {
      case '.':
      case '!':
      case '?':
      case ';':
      case '\n':
        emit(TokenKind::kBoundary, i, i + 1);
        break;
      case '%':
      case '/':
      case '<':
      case '>':
      case '=':
      case ':':
      case ',':
      case '(':
      case ')':
        emit(TokenKind::kPunct, i, i + 1);
        break;
      default:
        break;  // spaces, hyphens, quotes, markdown: not tokens
    }
    ++i;
  }
}

bool ReadNumber(const std::vector<Token>& tokens, size_t at, double* value,
                size_t* next) {
  if (at >= tokens.size()) return false;
  const Token& t = tokens[at];
  size_t i = at + 1;
  double v = 0;
  if (t.kind == TokenKind::kNumber) {
    v = t.number;
  } else if (t.kind == TokenKind::kWord) {
    const bool article = t.text == "a" || t.text == "an";
    if (article || t.text == "dozen") {
      // "a dozen", "a hundred", "a million"; a bare "a" is not a number.
      const std::string_view w =
          article ? (i < tokens.size() ? tokens[i].text : "") : t.text;
      if (w == "dozen") {
        v = 12;
      } else if (w == "hundred") {
        v = 100;
      } else if (double m = MultiplierWordValue(w); m > 0) {
        v = m;
      } else {
        return false;
      }
      if (article) ++i;
      *value = v;
      *next = i;
      return true;
    }
    const int word_value = NumberWordValue(t.text);
    if (word_value < 0) return false;
    v = word_value;
    if (word_value >= 20 && i < tokens.size()) {
      const int unit = NumberWordValue(tokens[i].text);
      if (unit > 0 && unit < 10) {
        v += unit;
        ++i;
      }
    }
    if (i < tokens.size() && tokens[i].text == "hundred") {
      v *= 100;
      ++i;
    }
  } else {
    return false;
  }
  if (i < tokens.size() && tokens[i].kind == TokenKind::kWord) {
    if (const double m = MultiplierWordValue(tokens[i].text); m > 0) {
      v *= m;
      ++i;
    }
  }
  *value = v;
  *next = i;
  return true;
}

bool IsNegator(std::string_view word) {
  static constexpr std::array<std::string_view, 24> kNegators = {
      "no",       "not",       "never",    "without",  "don't",  "dont",
      "doesn't",  "doesnt",    "didn't",   "isn't",    "aren't", "wasn't",
      "won't",    "cannot",    "can't",    "lack",     "lacks",  "lacking",
      "neither",  "nor",       "none",     "unnecessary", "unneeded",
      "shouldn't"};
  for (std::string_view n : kNegators) {
    if (word == n) return true;
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

bool Pattern::Element::Accepts(const Token& token) const {
  for (const std::string& w : words) {
    if (token.text == w) return true;
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
    pattern.starts_with_number_ = head.kind == Element::Kind::kNumber;
  }
  return pattern;
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
