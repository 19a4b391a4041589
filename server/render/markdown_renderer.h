// Renders a merged Review as one Markdown document in the seed's Structured
// Output Format: "## <title>" ("## Review" when it has none), its sections
// in the review's order, each conflict under the section of its key (or
// under "Conflicts" when that section is not in the review), then
// decisions, assumptions, open questions, the facts used and the per-agent
// rows. Called once, at the service edge: the core's reviews carry no
// Markdown.
//
// The output is CommonMark that renders as written: a labelled paragraph
// ("**Trade-offs**: ...") is never swallowed by the list before it, a
// rationale stays inside its own list item, and item text cannot start a
// block of its own (a heading, quote or list) or break a table row. Tables
// (Decisions, Agents) use the GitHub pipe-table extension.
//
// Pure and deterministic; safe to call from any thread.
#ifndef AGENTD_SERVER_RENDER_MARKDOWN_RENDERER_H_
#define AGENTD_SERVER_RENDER_MARKDOWN_RENDERER_H_

#include <string>

#include "agentd/v1/review.pb.h"

namespace agentd {

std::string RenderMarkdown(const v1::Review& review);

// "166.67", "43.2", "6": at most two decimals, no trailing zeros.
std::string FormatNumber(double value);

}  // namespace agentd

#endif  // AGENTD_SERVER_RENDER_MARKDOWN_RENDERER_H_
