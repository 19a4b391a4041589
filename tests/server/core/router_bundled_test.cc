#include "server/core/router.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/definitions/definition_parser.h"
#include "server/definitions/labelled_requests.h"
#include "tests/server/core/router_test_agents.h"

namespace agentd {
namespace {

using router_test::Chosen;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The bundled agents with their labelled requests, as agentd builds them.
std::unique_ptr<Router> BundledRouter() {
  DefinitionLoadResult loaded = LoadDefinitions(AGENTD_SOURCE_DIR "/agents");
  auto labelled = ReadLabelledRequests(AGENTD_SOURCE_DIR "/agents/routing-examples");
  EXPECT_TRUE(labelled.ok()) << labelled.status();
  auto router = Router::Create(std::move(loaded.definitions), {}, labelled.ok() ? *labelled : std::vector<LabelledRequest>{});
  EXPECT_TRUE(router.ok()) << router.status();
  return router.ok() ? std::move(*router) : nullptr;
}

TEST(RouterTest, OffTopicRequestsRouteNowhereAndSayWhy) {
  auto router = BundledRouter();
  ASSERT_NE(router, nullptr);
  for (const char* text : {"What's the best way to cache firewood so it stays dry through winter?",
                           "Our choir wants to split into two sections for the spring concert; how should we "
                           "divide the altos?"}) {
    SCOPED_TRACE(text);
    auto d = router->Route(text, {});
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(d->selected().empty());
    EXPECT_TRUE(d->unhosted().empty());
    EXPECT_THAT(d->summary(), HasSubstr("no hosted agent's scope covers this request"));
    EXPECT_THAT(d->summary(), HasSubstr("words read as outside the domain: "));
    EXPECT_THAT(d->summary(), HasSubstr("closest agents: "));
    ASSERT_FALSE(d->rejected().empty());
  }
  auto firewood_why = router->Route("What's the best way to cache firewood so it stays dry through winter?", {});
  ASSERT_TRUE(firewood_why.ok());
  EXPECT_THAT(firewood_why->summary(), HasSubstr("something other than building or running software"));
  ASSERT_FALSE(firewood_why->rejected().empty());
  EXPECT_THAT(firewood_why->rejected(0).why(), HasSubstr("outside the domain"));
  auto firewood = router->Route("What's the best way to cache firewood so it stays dry through winter?", {});
  ASSERT_TRUE(firewood.ok());
  EXPECT_THAT(firewood->summary(), HasSubstr("firewood"));
  EXPECT_THAT(firewood->summary(), Not(HasSubstr(" cache,")));  // read as the domain's word
  // A caller who disagrees names the agent, which is always honoured.
  auto named = router->Route("@backend-architect What's the best way to cache firewood so it stays dry?", {});
  ASSERT_TRUE(named.ok());
  EXPECT_THAT(Chosen(*named), ElementsAre("backend-architect"));
  // In the domain, the same everyday-sense word routes.
  auto in_domain = router->Route("Which index should we add to the orders table in Postgres so the checkout "
                                 "query stops doing a sequential scan?",
                                 {});
  ASSERT_TRUE(in_domain.ok());
  ASSERT_FALSE(in_domain->selected().empty());
  EXPECT_EQ(in_domain->selected(0).agent(), "database-architect");
}

// The bundled definitions load and send the seed's own question to the
// backend-architect.
TEST(RouterTest, BundledAgentsRouteTheSeedQuestion) {
  DefinitionLoadResult loaded = LoadDefinitions(AGENTD_SOURCE_DIR "/agents");
  EXPECT_TRUE(loaded.errors.empty());
  ASSERT_EQ(loaded.definitions.size(), 5u);
  auto router = Router::Create(std::move(loaded.definitions));
  ASSERT_TRUE(router.ok()) << router.status();
  auto d = (*router)->Route(
      "We need to handle 10,000 orders per minute during flash sales. Should we use "
      "microservices or a monolith?",
      {});
  ASSERT_TRUE(d.ok());
  ASSERT_FALSE(d->selected().empty());
  EXPECT_EQ(d->selected(0).agent(), "backend-architect");
}

std::unique_ptr<Router> RouterOnBundledAgents(RouterOptions options = {}) {
  DefinitionLoadResult loaded = LoadDefinitions(AGENTD_SOURCE_DIR "/agents");
  EXPECT_TRUE(loaded.errors.empty());
  auto router = Router::Create(std::move(loaded.definitions), options);
  EXPECT_TRUE(router.ok()) << router.status();
  return router.ok() ? std::move(*router) : nullptr;
}

// A short clause ("Steps?") is won by backend-architect on a few words, so
// the thresholds let it in next to database-architect; the selector weighs
// that thin match against the clear first choice and keeps it out, saying
// why.
TEST(RouterTest, TheSelectorKeepsOutAPeerPulledInByAFewWords) {
  const std::string text = "We must rename a column on a huge production table without locking writes. Steps?";
  auto d = RouterOnBundledAgents()->Route(text, {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Chosen(*d), ElementsAre("database-architect"));
  auto backend = std::find_if(d->rejected().begin(), d->rejected().end(),
                              [](const auto& r) { return r.agent() == "backend-architect"; });
  ASSERT_NE(backend, d->rejected().end());
  EXPECT_THAT(backend->why(), HasSubstr("selection probability"));
  EXPECT_THAT(backend->why(), HasSubstr("within the thresholds"));

  RouterOptions thresholds;
  thresholds.learned_selection = false;
  auto by_thresholds = RouterOnBundledAgents(thresholds)->Route(text, {});
  ASSERT_TRUE(by_thresholds.ok()) << by_thresholds.status();
  EXPECT_THAT(Chosen(*by_thresholds), ElementsAre("database-architect", "backend-architect"));
}

// The top score here is backend-architect's, on "traffic" alone, which the
// thresholds reject; devops-specialist is the best agent they let through,
// and is chosen whatever the selector thinks of it.
TEST(RouterTest, TheBestAgentWithinTheThresholdsIsAlwaysChosen) {
  auto d = RouterOnBundledAgents()->Route("Roll out the new version to 5% of traffic first, then to everyone.", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Chosen(*d), ElementsAre("devops-specialist"));
}

}  // namespace
}  // namespace agentd
