#include "text/numbers.h"

#include <array>
#include <cmath>
#include <string_view>

namespace agentd::text {
namespace {

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

// "a few hundred" (300), "a couple of thousand" (2,000): a vague count of
// a round multiplier, read as its usual size. `at` is after the article.
bool ReadFewOf(const std::vector<Token>& tokens, size_t at, double* value,
               size_t* next) {
  if (at + 1 >= tokens.size()) return false;
  double count = 0;
  if (tokens[at].text == "few") {
    count = 3;
  } else if (tokens[at].text == "couple") {
    count = 2;
  } else {
    return false;
  }
  size_t i = at + 1;
  if (tokens[i].text == "of" && i + 1 < tokens.size()) ++i;
  const double m = tokens[i].text == "hundred" ? 100 : MultiplierWordValue(tokens[i].text);
  if (m <= 0) return false;
  *value = count * m;
  *next = i + 1;
  return true;
}

}  // namespace

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
    if (article && ReadFewOf(tokens, i, value, next)) return true;
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

double NinesToPercent(double nines) {
  const double whole = std::floor(nines);
  // "Three and a half nines" is 99.95: the half is a 5 after the nines.
  const double half = nines - whole >= 0.5 ? 0.5 : 1;
  return 100 - half * std::pow(10.0, 2 - whole);
}

bool ReadNines(const std::vector<Token>& tokens, size_t at, double* percent,
               size_t* next) {
  double count = 0;
  size_t i = 0;
  if (!ReadNumber(tokens, at, &count, &i)) return false;
  // "three and a half nines"
  if (i + 2 < tokens.size() && tokens[i].text == "and" && tokens[i + 1].text == "a" &&
      tokens[i + 2].text == "half") {
    count += 0.5;
    i += 3;
  }
  if (i >= tokens.size()) return false;
  const Token& unit = tokens[i];
  const bool nines = unit.text == "nines" || unit.text == "9s" ||
                     (unit.kind == TokenKind::kNumber && unit.text == "9" &&
                      i + 1 < tokens.size() && tokens[i + 1].text == "s");
  if (!nines) return false;
  // "five 9s" tokenizes as "five" "9" "s" when the s is a separate word.
  i += unit.kind == TokenKind::kNumber && unit.text == "9" ? 2 : 1;
  if (i < tokens.size() && tokens[i].text == "and" && i + 2 < tokens.size() &&
      tokens[i + 1].text == "a" && tokens[i + 2].text == "half" && count == std::floor(count)) {
    count += 0.5;  // "three nines and a half"
    i += 3;
  }
  if (count < 1 || count > 9) return false;
  *percent = NinesToPercent(count);
  *next = i;
  return true;
}

}  // namespace agentd::text
