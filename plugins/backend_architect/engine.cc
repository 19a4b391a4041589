#include "plugins/backend_architect/engine.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect {

v1::AgentResponse Review(const v1::AgentRequest& request) {
  using namespace internal;  // NOLINT: the section builders
  v1::AgentResponse response;
  response.set_agent(kAgentName);
  Context ctx(request);
  Choices choices;
  Builder out(&response);
  for (const std::string& reason : ctx.discarded) {
    out.Assume(reason, absl::StrCat("Ignored an impossible fact: ", reason, "."), {});
  }
  ArchitecturePattern(ctx, choices, out);
  EventDrivenDesign(ctx, choices, out);
  CachingStrategy(ctx, choices, out);
  DatabaseArchitecture(ctx, choices, out);
  ResiliencePatterns(ctx, choices, out);
  Observability(ctx, choices, out);
  Scalability(ctx, choices, out);
  BackgroundJobs(ctx, choices, out);
  Recommendations(ctx, choices, out);
  Risks(ctx, choices, out);
  response.set_summary(absl::StrCat(
      PatternName(choices.pattern), "; broker: ", DisplayName(choices.broker), "; ",
      DisplayName(choices.cache_pattern), " caching with ", DisplayName(choices.invalidation),
      " invalidation; ", DisplayName(choices.database), "; SLO ",
      FormatNumber(choices.slo, 3), "% (", FormatNumber(choices.budget_minutes),
      " min error budget per 30 days)."));
  return response;
}

}  // namespace agentd::backend_architect
