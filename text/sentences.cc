#include "text/sentences.h"

#include <string>

namespace agentd::text {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Whether the word ending at the '.' at `dot` is an abbreviation ("e.g."),
// which ends a word, not a sentence.
bool EndsAbbreviation(std::string_view text, size_t dot) {
  size_t start = dot;
  while (start > 0 && !IsSpace(text[start - 1])) --start;
  std::string word(text.substr(start, dot - start));
  for (char& c : word) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return word == "e.g" || word == "i.e" || word == "vs" || word == "etc" || word == "cf";
}

}  // namespace

std::vector<std::pair<uint32_t, uint32_t>> SplitSentences(std::string_view text) {
  std::vector<std::pair<uint32_t, uint32_t>> sentences;
  size_t begin = 0;
  auto close = [&](size_t end) {
    while (begin < end && IsSpace(text[begin])) ++begin;
    size_t last = end;
    while (last > begin && IsSpace(text[last - 1])) --last;
    if (last > begin) sentences.emplace_back(static_cast<uint32_t>(begin), static_cast<uint32_t>(last));
    begin = end;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool at_break = i + 1 >= text.size() || IsSpace(text[i + 1]);
    if ((c == '.' || c == '?' || c == '!') && at_break && !(c == '.' && EndsAbbreviation(text, i))) {
      close(i + 1);
    }
  }
  close(text.size());
  return sentences;
}

}  // namespace agentd::text
