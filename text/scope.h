// Negation and hedge scope: whether a phrase found in a text is denied ("we
// do NOT need replay", "ordering doesn't matter") or only supposed ("maybe
// we'll need replay one day"). Scope ends at a clause break
// (text/tokenizer.h IsClauseBreak).
//
// Pure functions over tokens; thread-safe.
#ifndef AGENTD_TEXT_SCOPE_H_
#define AGENTD_TEXT_SCOPE_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "text/tokenizer.h"

namespace agentd::text {

// Words that negate what follows or precedes them ("no", "don't", ...),
// with straight or typographic apostrophes.
bool IsNegator(std::string_view word);

// Words that make a statement a guess or a wish rather than a fact
// ("maybe", "might", "someday", "considering", ...).
bool IsHedge(std::string_view word);

// True when a negator stands in the same clause just before tokens[first],
// or a negated verb just after tokens[end - 1] ("we don't need replay",
// "replay isn't needed"; not "on Azure with no SRE" for "Azure").
bool NegatedAround(const std::vector<Token>& tokens, size_t first, size_t end);

// True when a hedge word stands in the same clause just before tokens[first]
// ("maybe one day we'll need replay").
bool HedgedBefore(const std::vector<Token>& tokens, size_t first);

}  // namespace agentd::text

#endif  // AGENTD_TEXT_SCOPE_H_
