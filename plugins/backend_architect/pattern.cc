// Architecture Pattern: the seed's decision matrix and its six evaluation
// questions.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "plugins/backend_architect/internal.h"

namespace agentd::backend_architect::internal {
namespace {

struct Signal {
  bool monolith;  // false: a microservices signal
  std::string text;
  std::string_view fact;
};

// One row of the matrix per signal. A fact the caller did not give adds no
// signal to either side; it is counted in `unknown` instead.
std::vector<Signal> CollectSignals(const v1::Requirements& r, int* unknown) {
  std::vector<Signal> s;
  *unknown = 0;
  // Team structure.
  if (r.has_team_count() && r.team_count() >= 2) {
    s.push_back({false, absl::StrCat(r.team_count(), " teams that can each own a domain"),
                 "team_count"});
  } else if (!r.has_team_count() && r.has_team_size() && r.team_size() >= 20) {
    s.push_back({false, absl::StrCat(r.team_size(), " engineers, enough for several teams"),
                 "team_size"});
  }
  if (r.has_team_size() && r.team_size() < 10) {
    s.push_back({true, absl::StrCat("team of ", r.team_size(), " (< 10 engineers)"),
                 "team_size"});
  } else if (r.has_team_count() && r.team_count() == 1) {
    s.push_back({true, "a single team owns everything", "team_count"});
  }
  if (!r.has_team_size() && !r.has_team_count()) ++*unknown;
  // Domain clarity.
  if (r.domain_clarity() == v1::DOMAIN_CLARITY_UNCLEAR) {
    s.push_back({true, "domain boundaries are unclear", "domain_clarity"});
  } else if (r.domain_clarity() == v1::DOMAIN_CLARITY_CLEAR) {
    s.push_back({false, "bounded contexts are clear", "domain_clarity"});
  } else {
    ++*unknown;
  }
  // Deployment cadence.
  if (r.has_independent_releases()) {
    if (r.independent_releases()) {
      s.push_back({false, "teams need independent release cycles", "independent_releases"});
    } else {
      s.push_back({true, "one release train is enough, so deployment stays simple",
                   "independent_releases"});
    }
  } else {
    ++*unknown;
  }
  // Data consistency.
  if (r.consistency() == v1::CONSISTENCY_STRONG) {
    s.push_back({true, "strong consistency is critical", "consistency"});
  } else if (r.consistency() == v1::CONSISTENCY_UNSPECIFIED) {
    ++*unknown;
  }
  // Product stage.
  if (r.has_early_stage()) {
    if (r.early_stage()) {
      s.push_back({true, "early-stage product with fast-changing requirements", "early_stage"});
    }
  } else {
    ++*unknown;
  }
  // Operational maturity.
  if (r.ops_maturity() == v1::OPS_MATURITY_LOW) {
    s.push_back({true, "limited DevOps / platform expertise", "ops_maturity"});
  } else if (r.ops_maturity() == v1::OPS_MATURITY_HIGH) {
    s.push_back({false, "ops maturity can carry distributed tracing, service mesh and on-call",
                 "ops_maturity"});
  } else if (r.ops_maturity() == v1::OPS_MATURITY_UNSPECIFIED) {
    ++*unknown;
  }
  // Scale patterns.
  if (r.has_independent_scaling()) {
    if (r.independent_scaling()) {
      s.push_back({false, "components need to scale independently", "independent_scaling"});
    }
  } else {
    ++*unknown;
  }
  // Technology stacks.
  if (r.has_polyglot()) {
    if (r.polyglot()) s.push_back({false, "several technology stacks are wanted", "polyglot"});
  } else {
    ++*unknown;
  }
  return s;
}

// Why a monolith-side outcome should still be modular.
std::vector<std::string> NonTrivialReasons(const Context& ctx) {
  const v1::Requirements& r = ctx.req;
  std::vector<std::string> why;
  if (r.has_team_count() && r.team_count() >= 2) why.push_back(absl::StrCat(r.team_count(), " teams"));
  if (r.has_team_size() && r.team_size() >= 8) why.push_back(absl::StrCat(r.team_size(), " engineers"));
  if (r.domain_clarity() == v1::DOMAIN_CLARITY_CLEAR) why.push_back("clear domains to keep apart");
  if (r.has_planned_services() && r.planned_services() >= 2) {
    why.push_back(absl::StrCat(r.planned_services(), " planned services"));
  }
  if (r.has_peak_rps() && r.peak_rps() >= 100) {
    why.push_back(absl::StrCat(FormatQuantity(r.peak_rps()), " req/s at peak"));
  }
  if (r.bursty()) why.push_back("bursty traffic");
  if (ctx.existing_services) why.push_back("services already call each other");
  if (r.independent_scaling()) why.push_back("parts that scale differently");
  return why;
}

std::string TeamAnswer(const v1::Requirements& r) {
  if (r.has_team_count() && r.team_count() >= 2) {
    return absl::StrCat("Team structure: ", r.team_count(),
                        " teams can each own a module or service independently.");
  }
  if (r.has_team_size()) {
    if (r.team_size() < 10) {
      return absl::StrCat("Team structure: one team of ", r.team_size(),
                          " cannot staff independent service ownership; one codebase fits it.");
    }
    return absl::StrCat("Team structure: ", r.team_size(),
                        " engineers; whether they split into teams that own services "
                        "independently is not stated.");
  }
  if (r.has_team_count()) return "Team structure: a single team owns the whole system.";
  return "Team structure: unknown (team size and number of teams not given; asked below).";
}

std::string DomainAnswer(const v1::Requirements& r) {
  switch (r.domain_clarity()) {
    case v1::DOMAIN_CLARITY_CLEAR: return "Domain clarity: bounded contexts are well defined.";
    case v1::DOMAIN_CLARITY_UNCLEAR:
      return "Domain clarity: boundaries are still moving; service cuts made now would be "
             "wrong and expensive to undo.";
    default: return "Domain clarity: unknown (asked below).";
  }
}

std::string ScaleAnswer(const Context& ctx) {
  const v1::Requirements& r = ctx.req;
  if (r.has_independent_scaling() && r.independent_scaling()) {
    return "Scale patterns: components have different scaling needs.";
  }
  std::string load = r.has_peak_rps()
                         ? absl::StrCat(FormatQuantity(r.peak_rps()), " ", ctx.unit, "/s at peak")
                         : "peak load not given";
  if (r.has_independent_scaling()) {
    return absl::StrCat("Scale patterns: ", load,
                        "; no component needs to scale on its own, so identical horizontally "
                        "scaled instances cover it.");
  }
  return absl::StrCat("Scale patterns: ", load,
                      "; whether components scale differently is not stated (taken as no).");
}

std::string CadenceAnswer(const v1::Requirements& r) {
  if (!r.has_independent_releases()) {
    return "Deployment cadence: not stated; one release train assumed.";
  }
  return r.independent_releases()
             ? "Deployment cadence: teams need independent release cycles."
             : "Deployment cadence: one release train is enough.";
}

std::string ConsistencyAnswer(const v1::Requirements& r) {
  switch (r.consistency()) {
    case v1::CONSISTENCY_STRONG:
      return "Data consistency: strong consistency is required; in one database that is a "
             "local transaction, across services it becomes a saga.";
    case v1::CONSISTENCY_EVENTUAL:
      return "Data consistency: eventual consistency is acceptable.";
    default: return "Data consistency: not stated (see assumptions).";
  }
}

std::string OpsAnswer(const v1::Requirements& r) {
  switch (r.ops_maturity()) {
    case v1::OPS_MATURITY_LOW:
      return "Operational maturity: low; distributed tracing, service discovery and per-service "
             "on-call would be new work.";
    case v1::OPS_MATURITY_MEDIUM:
      return "Operational maturity: medium; CI/CD and monitoring exist, a service mesh does not.";
    case v1::OPS_MATURITY_HIGH:
      return "Operational maturity: high; tracing, service mesh and platform support in place.";
    default: return "Operational maturity: unknown (asked below).";
  }
}

}  // namespace

void ArchitecturePattern(const Context& ctx, Choices& choices, Builder& out) {
  const v1::Requirements& r = ctx.req;
  int unknown = 0;
  std::vector<Signal> signals = CollectSignals(r, &unknown);
  std::vector<std::string> mono, micro;
  for (const Signal& s : signals) (s.monolith ? mono : micro).push_back(s.text);
  choices.monolith_score = static_cast<int>(mono.size());
  choices.microservices_score = static_cast<int>(micro.size());

  std::vector<std::string> non_trivial = NonTrivialReasons(ctx);
  // A tie goes to the monolith side: it is the cheaper decision to reverse.
  if (choices.microservices_score > choices.monolith_score) {
    choices.pattern = Pattern::kMicroservices;
    choices.deciding_signals = micro;
  } else {
    choices.pattern = non_trivial.empty() ? Pattern::kMonolith : Pattern::kModularMonolith;
    choices.deciding_signals = mono;
  }

  v1::Section* section = out.AddSection("architecture_pattern", "Architecture Pattern");
  out.AddItem(section, "Recommendation", std::string(PatternName(choices.pattern)),
              {"team_size", "team_count", "domain_clarity", "ops_maturity"});

  std::string tally = absl::StrCat(mono.size(), " monolith signal", mono.size() == 1 ? "" : "s",
                                   " vs ", micro.size(), " microservices signal",
                                   micro.size() == 1 ? "" : "s");
  std::string rationale;
  if (choices.pattern == Pattern::kMicroservices) {
    rationale = absl::StrCat("Decided by ", absl::StrJoin(micro, ", "), " (", tally, ")");
    if (!mono.empty()) absl::StrAppend(&rationale, "; against it: ", absl::StrJoin(mono, ", "));
    absl::StrAppend(&rationale, ".");
  } else {
    if (mono.empty() && micro.empty()) {
      rationale = "No signal of the decision matrix is known yet (team, domain, ops maturity, "
                  "consistency, release cadence); without a reason to pay for distribution the "
                  "default is one deployable.";
    } else if (mono.empty()) {
      rationale = absl::StrCat(
          "The microservices signals (", absl::StrJoin(micro, ", "),
          ") do not outweigh the cost of distribution on their own (", tally, ").");
    } else {
      rationale = absl::StrCat("Decided by ", absl::StrJoin(mono, ", "), " (", tally, ")");
      if (!micro.empty()) absl::StrAppend(&rationale, "; for microservices: ", absl::StrJoin(micro, ", "));
      absl::StrAppend(&rationale, ".");
    }
    if (choices.pattern == Pattern::kModularMonolith) {
      absl::StrAppend(&rationale, " The system is not trivial (", absl::StrJoin(non_trivial, ", "),
                      "), so the shape is one deployable with enforced module boundaries, each module owning "
                      "its tables, so a module can be extracted later if it needs to scale or "
                      "release on its own.");
      if (ctx.existing_services) {
        absl::StrAppend(&rationale, " Services that already exist and have separate owners "
                                    "stay as they are; the event-driven patterns below apply "
                                    "between them.");
      }
    } else {
      absl::StrAppend(&rationale,
                      " Nothing known pushes for more than a plain monolith (no load, second team or "
                      "planned services given): one codebase, one database.");
    }
  }
  out.AddItem(section, "Rationale", rationale,
              {"team_size", "team_count", "domain_clarity", "independent_releases",
               "consistency", "early_stage", "ops_maturity", "independent_scaling", "polyglot"});

  if (r.has_peak_rps()) {
    CapacityPlan cap = PlanCapacity(r.peak_rps(), r.bursty());
    std::string shape = choices.pattern == Pattern::kMicroservices
                            ? "throughput did not decide this; the team and domain signals did"
                            : "throughput alone does not demand microservices";
    out.AddItem(section, "Throughput",
                absl::StrCat(FormatCount(r.peak_rps() * 60), " ", ctx.unit, "/min = ",
                             FormatQuantity(r.peak_rps()), "/s at peak. A well-built ",
                             choices.pattern == Pattern::kMicroservices ? "service"
                                                                        : "modular monolith",
                             " scaled horizontally serves this comfortably (", cap.at_peak,
                             " instance", cap.at_peak == 1 ? "" : "s", " at an assumed ",
                             FormatNumber(kPerInstanceRps), " req/s each); ", shape, "."),
                {"peak_rps", "bursty"});
  }

  out.AddItem(section, "", TeamAnswer(r), {"team_size", "team_count"});
  out.AddItem(section, "", DomainAnswer(r), {"domain_clarity"});
  out.AddItem(section, "", ScaleAnswer(ctx), {"independent_scaling", "peak_rps"});
  out.AddItem(section, "", CadenceAnswer(r), {"independent_releases"});
  out.AddItem(section, "", ConsistencyAnswer(r), {"consistency"});
  out.AddItem(section, "", OpsAnswer(r), {"ops_maturity"});

  // Ask only what could still flip the outcome: each unknown fact can add one
  // signal to either side; the monolith side keeps ties.
  int margin = std::abs(choices.monolith_score - choices.microservices_score);
  bool flippable = choices.pattern == Pattern::kMicroservices ? unknown >= margin
                                                              : unknown >= margin + 1;
  if (flippable) {
    std::string why = absl::StrCat("The pattern depends on it: ", tally, " so far.");
    if (!r.has_team_size() && !r.has_team_count()) {
      choices.pattern_unknowns.push_back("team size");
      out.Ask("team", "How many engineers work on this, and in how many teams?", why,
              {"team_size", "team_count"});
    }
    if (r.domain_clarity() == v1::DOMAIN_CLARITY_UNSPECIFIED) {
      choices.pattern_unknowns.push_back("domain clarity");
      out.Ask("domain", "Are the domain boundaries (bounded contexts) clear and stable?", why,
              {"domain_clarity"});
    }
    if (r.ops_maturity() == v1::OPS_MATURITY_UNSPECIFIED) {
      choices.pattern_unknowns.push_back("ops maturity");
      out.Ask("ops", "Do you have platform/ops people who already run distributed tracing, "
                     "service discovery and per-service on-call?",
              why, {"ops_maturity"});
    }
  }
  std::vector<std::string> taken_as_no;
  if (!r.has_independent_releases()) taken_as_no.push_back("independent releases");
  if (!r.has_independent_scaling()) taken_as_no.push_back("independent scaling");
  if (!r.has_polyglot()) taken_as_no.push_back("polyglot stacks");
  if (!taken_as_no.empty()) {
    out.Assume("pattern_defaults",
               absl::StrCat("Not stated, taken as not needed: ", absl::StrJoin(taken_as_no, ", "),
                            "."),
               {"independent_releases", "independent_scaling", "polyglot"});
  }

  double confidence = 0.4 + 0.05 * (8 - unknown) + 0.05 * std::min(margin, 4);
  out.Decide("architecture.pattern", std::string(PatternValue(choices.pattern)), rationale,
             std::clamp(confidence, 0.3, 0.95),
             {"team_size", "team_count", "domain_clarity", "ops_maturity", "consistency",
              "early_stage", "independent_releases", "independent_scaling", "polyglot"});
}

}  // namespace agentd::backend_architect::internal
