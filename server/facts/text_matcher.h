// Internal to server/facts: a small tokenizer and a token-level pattern
// language, used instead of regular expressions because a paragraph must be
// read in well under 100 microseconds and std::regex is far too slow.
//
// Pattern language (elements separated by spaces, matched token by token):
//   word         a literal lowercase word or punctuation token ("per", "/", "%")
//   a|b|c        any one of the alternatives; "engineer*" matches by prefix
//   #            a number: "10,000", "5k", "1.2 million", "six", "twenty five",
//                "a dozen"; its value is captured
//   _            any one word
//   ..N          skip 0 to N tokens, never across a sentence boundary
//   !a|b         the next token is none of these (consumes nothing)
//   elem?        the element is optional
// Hyphens are not tokens, so "read-heavy" and "read heavy" match "read heavy".
//
// Thread-safety: a compiled Pattern is immutable and may be shared.
#ifndef AGENTD_SERVER_FACTS_TEXT_MATCHER_H_
#define AGENTD_SERVER_FACTS_TEXT_MATCHER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace agentd::facts_internal {

enum class TokenKind { kWord, kNumber, kPunct, kBoundary };

struct Token {
  TokenKind kind;
  std::string_view text;  // lowercased, points into TokenizedText
  uint32_t begin;         // byte offsets of the token in the original text
  uint32_t end;
  double number = 0;      // kNumber only; a "k"/"m" suffix is applied
};

// Splits text into tokens. Holds a lowercased copy that the tokens point
// into, hence neither copyable nor movable.
class TokenizedText {
 public:
  explicit TokenizedText(std::string_view text);
  TokenizedText(const TokenizedText&) = delete;
  TokenizedText& operator=(const TokenizedText&) = delete;

  const std::vector<Token>& tokens() const { return tokens_; }

 private:
  std::string lowered_;
  std::vector<Token> tokens_;
};

// Reads a number starting at tokens[at] (digits with an optional multiplier
// word, or English number words). On success stores the value and the index
// of the first token after it.
bool ReadNumber(const std::vector<Token>& tokens, size_t at, double* value,
                size_t* next);

// Words that negate what follows or precedes them ("no", "don't", ...).
bool IsNegator(std::string_view word);

// True when a negator stands in the same clause just before tokens[first] or
// just after tokens[end - 1] ("we don't need replay", "ordering doesn't
// matter").
bool NegatedAround(const std::vector<Token>& tokens, size_t first, size_t end);

struct PatternMatch {
  size_t first = 0;  // token range [first, end)
  size_t end = 0;
  std::vector<double> numbers;  // captured by '#', in order
  bool negator_skipped = false;  // a '..N' gap skipped a negator
};

class Pattern {
 public:
  static absl::StatusOr<Pattern> Compile(std::string_view source);

  // Matches starting exactly at tokens[at]; the shortest gaps win.
  bool MatchAt(const std::vector<Token>& tokens, size_t at,
               PatternMatch* match) const;

  // For indexing: the literal words the first token must be one of (empty if
  // the first element is anything else), and whether it is a number.
  const std::vector<std::string>& first_words() const { return first_words_; }
  bool starts_with_number() const { return starts_with_number_; }

 private:
  struct Element {
    enum class Kind { kWords, kNumber, kAnyWord, kGap, kNotFollowedBy };
    Kind kind = Kind::kWords;
    std::vector<std::string> words;
    std::vector<std::string> prefixes;
    int max_gap = 0;
    bool optional = false;
    bool Accepts(const Token& token) const;
  };

  bool MatchFrom(const std::vector<Token>& tokens, size_t element,
                 size_t token, PatternMatch* match) const;

  std::vector<Element> elements_;
  std::vector<std::string> first_words_;
  bool starts_with_number_ = false;
};

}  // namespace agentd::facts_internal

#endif  // AGENTD_SERVER_FACTS_TEXT_MATCHER_H_
