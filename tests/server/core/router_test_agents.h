// The small agents most router tests route with: three hosted agents with
// disjoint scopes, two more only named by redirects; and helpers to build
// labelled requests and read a decision.
#ifndef AGENTD_TESTS_SERVER_CORE_ROUTER_TEST_AGENTS_H_
#define AGENTD_TESTS_SERVER_CORE_ROUTER_TEST_AGENTS_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/core/router.h"
#include "server/definitions/labelled_requests.h"

namespace agentd::router_test {

struct Exclusion {
  std::string text;
  std::string redirect;
};

inline v1::AgentDefinition Agent(std::string name, std::vector<std::string> use_when,
                          std::vector<std::string> competencies,
                          std::vector<Exclusion> not_for = {}) {
  v1::AgentDefinition d;
  d.set_name(std::move(name));
  for (auto& r : use_when) d.add_use_when(std::move(r));
  for (auto& r : competencies) d.add_competencies(std::move(r));
  for (auto& e : not_for) {
    v1::ScopeExclusion* x = d.add_not_for();
    x->set_text(e.text);
    x->set_redirect(e.redirect);
  }
  return d;
}

// Three small agents with disjoint scopes; web-designer and sql-wizard are
// only named by redirects, never hosted.
inline std::vector<v1::AgentDefinition> Agents() {
  return {
      Agent("cache-keeper",
            {"Designing a caching strategy for read-heavy services",
             "Choosing cache invalidation by TTL or by events"},
            {"Cache-aside, write-through and write-behind patterns with Redis or Memcached"},
            {{"Styling web pages and CSS layout", "web-designer"},
             {"Rolling out releases to production servers", "deploy-hand"}}),
      Agent("sql-tuner",
            {"A SQL query is slow and needs an index", "Designing table schemas and indexes"},
            {"Reading query plans and rewriting slow SQL"}),
      Agent("deploy-hand",
            {"Setting up CI pipelines and deploying containers to Kubernetes"},
            {"Canary deployments and automatic rollback"}),
  };
}

inline std::unique_ptr<Router> MakeRouter(RouterOptions options = {}) {
  auto router = Router::Create(Agents(), options);
  EXPECT_TRUE(router.ok()) << router.status();
  return std::move(router).value();
}

inline std::vector<std::string> Chosen(const v1::RouteDecision& d) {
  std::vector<std::string> names;
  for (const auto& c : d.selected()) names.push_back(c.agent());
  return names;
}

inline LabelledRequest Labelled(std::string text, std::vector<std::string> required,
                         std::vector<std::string> unhosted = {}) {
  LabelledRequest r;
  r.source = "examples.jsonl:1";
  r.text = std::move(text);
  r.required = std::move(required);
  r.unhosted = std::move(unhosted);
  return r;
}

}  // namespace agentd::router_test

#endif  // AGENTD_TESTS_SERVER_CORE_ROUTER_TEST_AGENTS_H_
