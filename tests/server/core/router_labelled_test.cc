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

using router_test::Agents;
using router_test::MakeRouter;
using router_test::Chosen;
using router_test::Labelled;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A request in words no definition uses reaches the agent once requests
// like it are labelled for it, and the reason quotes the labelled request.
TEST(RouterTest, LabelledRequestsTeachScopeInUsersWords) {
  const std::string request = "Storefront thumbnails regenerate whenever shoppers browse the catalogue";
  auto before = MakeRouter()->Route(request, {});
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_TRUE(before->selected().empty());

  auto router = Router::Create(
      Agents(), {},
      {Labelled("Our storefront regenerates the same thumbnails whenever shoppers browse the catalogue",
                {"cache-keeper"}),
       Labelled("Catalogue thumbnails are rebuilt for every shopper who browses", {"cache-keeper"}),
       Labelled("Shipping a new build to the servers takes an hour", {"deploy-hand"})});
  ASSERT_TRUE(router.ok()) << router.status();
  auto after = (*router)->Route(request, {});
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_THAT(Chosen(*after), ElementsAre("cache-keeper")) << after->DebugString();
  // Both labelled requests match; only the closer one is quoted, so that the
  // definitions' rules keep their place among the reasons.
  int quoted = 0;
  for (const auto& reason : after->selected(0).reasons()) {
    if (reason.kind() == "labelled") {
      ++quoted;
      EXPECT_THAT(reason.rule(), HasSubstr("Our storefront regenerates"));
      EXPECT_THAT(reason.matched(), ::testing::Contains("thumbnails"));
    }
  }
  EXPECT_EQ(quoted, 1) << after->DebugString();
}

// A reason quotes the sentences of a long rule that the request met, not
// the whole rule; a rule met in every sentence is quoted whole.
TEST(RouterTest, ReasonsQuoteTheSentencesThatMatched) {
  std::vector<v1::AgentDefinition> agents = Agents();
  agents[0].set_description(
      "Keeps hot data close to the code. Designs caching layers in Redis or Memcached. "
      "Knows the usual ways a cache goes stale.");
  auto router = Router::Create(
      agents, {},
      {Labelled("Our product pages are slow. Could a Redis cache in front of the catalogue help?",
                {"cache-keeper"})});
  ASSERT_TRUE(router.ok()) << router.status();
  auto d = (*router)->Route("Should the catalogue be cached in Redis or Memcached?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_THAT(Chosen(*d), ElementsAre("cache-keeper")) << d->DebugString();
  std::string description, labelled;
  for (const auto& reason : d->selected(0).reasons()) {
    if (reason.kind() == "description") description = reason.rule();
    if (reason.kind() == "labelled") labelled = reason.rule();
  }
  EXPECT_EQ(description,
            "\u2026 Designs caching layers in Redis or Memcached. Knows the usual ways a cache goes stale.")
      << d->DebugString();
  EXPECT_EQ(labelled, "\u2026 Could a Redis cache in front of the catalogue help?") << d->DebugString();
  // Met in its first sentence only: the rest is marked as left out.
  auto first = (*router)->Route("Keep hot data close to the code for the catalogue in Redis", {});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->selected().empty()) << first->DebugString();
  std::string first_description;
  for (const auto& reason : first->selected(0).reasons()) {
    if (reason.kind() == "description") first_description = reason.rule();
  }
  EXPECT_EQ(first_description,
            "Keeps hot data close to the code. Designs caching layers in Redis or Memcached. \u2026")
      << first->DebugString();
}

// A labelled request for an agent not hosted here names it, and says which
// labelled request did; a request naming its agents teaches nothing.
TEST(RouterTest, LabelledRequestsNameUnhostedAgentsAndSkipExplicitOnes) {
  LabelledRequest names_its_agent = Labelled("Anyone can guess passwords forever on our login form", {});
  names_its_agent.agents = {"sql-tuner"};
  auto router = Router::Create(
      Agents(), {},
      {Labelled("Bots keep guessing passwords on our login form all night", {}, {"lock-smith"}),
       Labelled("Nothing stops bots guessing passwords on the login form", {}, {"lock-smith"}),
       names_its_agent,
       Labelled("@sql-tuner bots guess passwords on our login form all night", {"sql-tuner"}),
       // Requests for others, so that the labelled vote can tell lock-smith's words.
       Labelled("The nightly report query got slow", {"sql-tuner"}),
       Labelled("Catalogue pages should come from a cache", {"cache-keeper"})});
  ASSERT_TRUE(router.ok()) << router.status();
  auto d = (*router)->Route("Bots guess passwords on our login form all night", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->selected().empty());
  ASSERT_EQ(d->unhosted_size(), 1);
  EXPECT_EQ(d->unhosted(0).agent(), "lock-smith");
  EXPECT_EQ(d->unhosted(0).named_by(), "examples.jsonl:1");
  for (const auto& r : d->rejected()) {
    for (const auto& reason : r.reasons()) EXPECT_NE(reason.kind(), "labelled") << r.agent();
  }
}

// The labelled requests vote, by their words, for the agents they put in
// scope and against the others; an agent none puts in scope gets no vote.
TEST(RouterTest, LabelledRequestsVoteByTheirWords) {
  auto router = Router::Create(
      Agents(), {},
      {Labelled("Storefront thumbnails regenerate for every shopper", {"cache-keeper"}),
       Labelled("Thumbnails of the catalogue are rebuilt on every visit", {"cache-keeper"}),
       Labelled("Shipping a build to the servers takes an hour", {"deploy-hand"}),
       Labelled("A nightly build shipped to the servers broke checkout", {"deploy-hand"}),
       Labelled("What should I cook for dinner tonight?", {})});
  ASSERT_TRUE(router.ok()) << router.status();
  std::vector<SelectionSignals> signals;
  auto d = (*router)->Route("Why are the thumbnails rebuilt for every shopper?", {}, &signals);
  ASSERT_TRUE(d.ok()) << d.status();
  auto of = [&](const std::string& name) {
    auto it = std::find_if(signals.begin(), signals.end(), [&](const auto& s) { return s.agent == name; });
    EXPECT_NE(it, signals.end()) << name;
    return it == signals.end() ? SelectionSignals{} : *it;
  };
  EXPECT_TRUE(of("cache-keeper").has_labelled_vote);
  EXPECT_TRUE(of("deploy-hand").has_labelled_vote);
  EXPECT_GT(of("cache-keeper").labelled_vote, 0);
  EXPECT_LT(of("deploy-hand").labelled_vote, 0);
  EXPECT_FALSE(of("sql-tuner").has_labelled_vote);  // no labelled request is its
  EXPECT_EQ(of("sql-tuner").labelled_vote, 0);
}

// With the signals, every agent carries the request's domain relevance (the
// domain gate's input), so a fit can model the gate: above the gate for a
// request in the labelled requests' words, below it (and nothing chosen) for
// one in everyday words.
TEST(RouterTest, SignalsCarryTheRequestsDomainRelevance) {
  auto router = Router::Create(
      Agents(), {},
      {Labelled("Storefront thumbnails regenerate for every shopper", {"cache-keeper"}),
       Labelled("Shipping a build to the servers takes an hour", {"deploy-hand"}),
       Labelled("What should I cook for dinner tonight?", {})});
  ASSERT_TRUE(router.ok()) << router.status();
  auto relevance = [&](const std::string& text, bool* routed) {
    std::vector<SelectionSignals> signals;
    auto d = (*router)->Route(text, {}, &signals);
    EXPECT_TRUE(d.ok()) << d.status();
    EXPECT_FALSE(signals.empty());
    for (const SelectionSignals& s : signals) EXPECT_EQ(s.domain_relevance, signals.front().domain_relevance);
    *routed = d.ok() && d->selected_size() > 0;
    return signals.empty() ? 0.0 : signals.front().domain_relevance;
  };
  bool thumbnails_routed = false, dinner_routed = true;  // the first is up to the agents' rules
  const double thumbnails = relevance("Why are the thumbnails regenerated for every shopper?", &thumbnails_routed);
  const double dinner = relevance("What should we cook for dinner on Sunday?", &dinner_routed);
  EXPECT_GE(thumbnails, (*router)->options().min_domain_relevance);
  EXPECT_LT(dinner, (*router)->options().min_domain_relevance);
  EXPECT_FALSE(dinner_routed);
}

}  // namespace
}  // namespace agentd
