// Numbers as people write them: digits with separators and multipliers
// ("10,000", "5k", "1.2 million"), number words ("six", "twenty five", "a
// dozen", "a hundred"), and availability in nines ("four nines" = 99.99,
// "three and a half nines" = 99.95, "five 9s" = 99.999).
//
// Pure functions over tokens (text/tokenizer.h); thread-safe.
#ifndef AGENTD_TEXT_NUMBERS_H_
#define AGENTD_TEXT_NUMBERS_H_

#include <cstddef>
#include <vector>

#include "text/tokenizer.h"

namespace agentd::text {

// Reads a number starting at tokens[at]. On success stores its value and
// the index of the first token after it.
bool ReadNumber(const std::vector<Token>& tokens, size_t at, double* value,
                size_t* next);

// Reads an availability in nines starting at tokens[at]: a count of nines,
// optionally "and a half", then "nines" or "9s" ("three and a half nines",
// "4 nines", "five 9s"). Stores the percentage (99.95) and the index after
// the phrase. A count outside 1..9 is not read.
bool ReadNines(const std::vector<Token>& tokens, size_t at, double* percent,
               size_t* next);

// The percentage of `nines` nines, which may end in .5: 3 -> 99.9,
// 3.5 -> 99.95, 4 -> 99.99.
double NinesToPercent(double nines);

}  // namespace agentd::text

#endif  // AGENTD_TEXT_NUMBERS_H_
