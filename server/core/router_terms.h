// What the router indexes of a text: its terms. The words come from the
// text layer (text/tokenizer.h) and their stems from its stemmer
// (text/stemmer.h, Snowball's Porter2), so the router reads words as the
// fact reader does; which words count for routing is decided here.
//
// English function words, bare numbers and one-letter words are dropped;
// what is left is stemmed, so "caching", "cached" and "caches" meet on one
// term. Adjacent kept words of one clause also form phrase terms ("error
// budget"), which weigh more because they are rarer.
//
// Pure functions; thread-safe.
#ifndef AGENTD_SERVER_CORE_ROUTER_TERMS_H_
#define AGENTD_SERVER_CORE_ROUTER_TERMS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentd::routing {

// One indexed unit of a text: a stemmed word, or a phrase of two adjacent
// stems joined by a space. `surface` is what the text said (lowercased).
struct Term {
  std::string key;
  std::string surface;
  uint32_t clause = 0;  // which clause of the text (see ExtractTerms)
};

// Appends the terms of `text` to `out`: each kept word, each hyphen/slash
// compound written as one word ("pub/sub" also gives "pubsub"), and each pair
// of adjacent kept words of one clause. Clauses end at punctuation that ends
// a clause or list item (". , ; : ? !" not followed by a letter or digit, a
// line break) and at the joining words "and", "also" and "but"; each term
// carries its clause's index. Order follows the text; duplicates are kept.
void ExtractTerms(std::string_view text, std::vector<Term>* out);

// True for an English function word or filler ("the", "would", "thing"),
// which says nothing about scope.
bool IsStopWord(std::string_view word);

}  // namespace agentd::routing

#endif  // AGENTD_SERVER_CORE_ROUTER_TERMS_H_
