// Renders a merged Review as the seed's Structured Output Format in
// Markdown: "## Backend Architecture Review", its sections in order, then the
// peers' sections, decisions, conflicts, assumptions, questions, the facts
// used and the per-agent rows. Pure and deterministic.
#ifndef AGENTD_SERVER_CORE_MARKDOWN_RENDERER_H_
#define AGENTD_SERVER_CORE_MARKDOWN_RENDERER_H_

#include <string>

#include "agentd/v1/review.pb.h"

namespace agentd {

std::string RenderMarkdown(const v1::Review& review);

// "166.67", "43.2", "6": at most two decimals, no trailing zeros.
std::string FormatNumber(double value);

}  // namespace agentd

#endif  // AGENTD_SERVER_CORE_MARKDOWN_RENDERER_H_
