// Internal to server/facts: a token-level pattern language over the text
// layer's tokens (text/tokenizer.h), used instead of regular expressions
// because a paragraph must be read in well under 100 microseconds and
// std::regex is far too slow.
//
// Pattern language (elements separated by spaces, matched token by token):
//   word         a literal lowercase word or punctuation token ("per", "/", "%")
//   a|b|c        any one of the alternatives; "engineer*" matches by prefix
//   #            a number: "10,000", "5k", "1.2 million", "six", "twenty five",
//                "a dozen"; its value is captured
//   #nines       an availability in nines ("four nines", "three and a half
//                nines"); the percentage is captured (99.95)
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

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "text/numbers.h"
#include "text/scope.h"
#include "text/tokenizer.h"

namespace agentd::facts_internal {

// The tokens come from the text layer (text/tokenizer.h).
using text::IsClauseBreak;
using text::IsNegator;
using text::NegatedAround;
using text::ReadNumber;
using text::Token;
using text::TokenizedText;
using text::TokenKind;

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

  // What the first token of a non-empty match can be: one of `words`, a word
  // with one of `prefixes`, the start of a number (or of nines, which starts
  // with one), any word, or anything at all (a gap may come first). Leading
  // optional elements (and "!a" tests, which consume nothing) add the next
  // element's starts. A reader may skip the pattern at a token none of these
  // allow: there the pattern matches nothing, or only the empty match.
  struct Starts {
    std::vector<std::string> words;
    std::vector<std::string> prefixes;
    bool number = false;
    bool any_word = false;
    bool any_token = false;
  };
  const Starts& starts() const { return starts_; }

 private:
  struct Element {
    enum class Kind { kWords, kNumber, kNines, kAnyWord, kGap, kNotFollowedBy };
    Kind kind = Kind::kWords;
    std::vector<std::string> words;
    // The same words hashed, when there are many of them ({noun}, {role}, …):
    // one lookup instead of a comparison per word.
    absl::flat_hash_set<std::string> word_set;
    std::vector<std::string> prefixes;
    int max_gap = 0;
    bool optional = false;
    bool Accepts(const Token& token) const;
  };

  bool MatchFrom(const std::vector<Token>& tokens, size_t element,
                 size_t token, PatternMatch* match) const;

  void ComputeStarts();

  std::vector<Element> elements_;
  std::vector<std::string> first_words_;
  bool starts_with_number_ = false;
  Starts starts_;
};

}  // namespace agentd::facts_internal

#endif  // AGENTD_SERVER_FACTS_TEXT_MATCHER_H_
