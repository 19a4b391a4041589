#include "text/tokenizer.h"

#include <array>
#include <cstdlib>

namespace agentd::text {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Bytes of multi-byte UTF-8 sequences are kept inside words, so "don’t"
// stays one word and offsets stay byte offsets into the caller's text.
bool IsWordByte(char c) {
  return IsAsciiAlpha(c) || IsDigit(c) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

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

}  // namespace agentd::text
