// agentd's one reader of English words: every component that looks at a
// request's text (the fact reader, the router's terms, stub_peer) splits it
// here, so "read-heavy", "10,000", "don't" and "Postgres." come out the same
// everywhere.
//
// A TokenizedText holds a lowercased copy of the text; its tokens point into
// that copy and carry byte offsets into the caller's original text, so a
// quote can be cut from the original. Hyphens, quotes and spaces are not
// tokens ("read-heavy" is "read" "heavy"); sentence ends (. ! ? ; newline) are
// kBoundary tokens; % / < > = : , ( ) are kPunct tokens. Digits become one
// kNumber token with their value ("10,000" = 10000, "5k" = 5000, "2M").
//
// Thread-safety: a TokenizedText is immutable after construction and may be
// read from any thread.
#ifndef AGENTD_TEXT_TOKENIZER_H_
#define AGENTD_TEXT_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentd::text {

enum class TokenKind { kWord, kNumber, kPunct, kBoundary };

struct Token {
  TokenKind kind;
  std::string_view text;  // lowercased, points into the TokenizedText
  uint32_t begin;         // byte offsets of the token in the original text
  uint32_t end;
  double number = 0;      // kNumber only; a "k"/"m" suffix is applied
};

// Splits text into tokens. Neither copyable nor movable: the tokens point
// into the lowercased copy it holds.
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

// True for a token that ends a clause: a sentence end, "," or ":", or a
// conjunction that starts a new thought ("but", "while", "so", ...).
bool IsClauseBreak(const Token& token);

}  // namespace agentd::text

#endif  // AGENTD_TEXT_TOKENIZER_H_
