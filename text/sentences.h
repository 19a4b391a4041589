// Sentences of a text, for quoting: the router's reasons quote only the
// sentences of a long rule that a request met.
//
// Pure function; thread-safe.
#ifndef AGENTD_TEXT_SENTENCES_H_
#define AGENTD_TEXT_SENTENCES_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace agentd::text {

// The sentences of `text`, as [begin, end) byte offsets, in order: a
// sentence ends at '.', '?' or '!' followed by white space or the end of
// the text (not after "e.g.", "i.e.", "vs.", "etc." or "cf."). Leading and
// trailing white space is left out; so is a text of white space only.
std::vector<std::pair<uint32_t, uint32_t>> SplitSentences(std::string_view text);

}  // namespace agentd::text

#endif  // AGENTD_TEXT_SENTENCES_H_
