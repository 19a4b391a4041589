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

using router_test::Agent;
using router_test::Agents;
using router_test::MakeRouter;
using router_test::Chosen;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(RouterTest, ExplicitAgentsComeFirstAndAreMarked) {
  auto router = MakeRouter();
  auto d = router->Route("How should we cache hot product data in Redis? @sql-tuner",
                         {"deploy-hand"});
  ASSERT_TRUE(d.ok()) << d.status();
  // The argument first, then the inline mention; no scope fan-out beside them.
  EXPECT_THAT(Chosen(*d), ElementsAre("deploy-hand", "sql-tuner"));
  EXPECT_TRUE(d->selected(0).explicit_());
  EXPECT_TRUE(d->selected(1).explicit_());
  EXPECT_EQ(d->selected(0).reasons(0).kind(), "explicit");
  // cache-keeper matched but the caller chose; it is listed as rejected.
  ASSERT_EQ(d->rejected_size(), 1);
  EXPECT_EQ(d->rejected(0).agent(), "cache-keeper");
  EXPECT_GT(d->rejected(0).score(), 0);
}

TEST(RouterTest, InlineMentionAloneIsExplicit) {
  auto router = MakeRouter();
  auto d = router->Route("@Deploy-Hand: is our cache TTL too short?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_GE(d->selected_size(), 1);
  EXPECT_EQ(d->selected(0).agent(), "deploy-hand");
  EXPECT_TRUE(d->selected(0).explicit_());
}

TEST(RouterTest, EmailAddressIsNotAMention) {
  auto router = MakeRouter();
  auto d = router->Route("Mail ops@example.com about our caching strategy", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Chosen(*d), ElementsAre("cache-keeper"));
  EXPECT_FALSE(d->selected(0).explicit_());
}

TEST(RouterTest, UnknownExplicitAgentIsInvalidArgumentNamingHosted) {
  auto router = MakeRouter();
  for (auto d : {router->Route("cache things", {"nobody"}),
                 router->Route("@nobody cache things", {})}) {
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(d.status().message(), HasSubstr("nobody"));
    EXPECT_THAT(d.status().message(), HasSubstr("cache-keeper, sql-tuner, deploy-hand"));
  }
}

TEST(RouterTest, MultiScopeRequestFansOutPrimaryFirst) {
  auto router = MakeRouter();
  auto d = router->Route(
      "Design a caching strategy with cache-aside and TTL invalidation in Redis, and "
      "rewrite the slow SQL query.",
      {});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_THAT(Chosen(*d), ElementsAre("cache-keeper", "sql-tuner"));
  EXPECT_GT(d->selected(0).score(), d->selected(1).score());
  EXPECT_FALSE(d->fallback_used());
}

// The request is mostly about caching; its last clause is about indexes
// alone. Scored whole, sql-tuner falls far below half of cache-keeper's
// score; winning a clause of its own brings it in, and the reason says so.
// (The thresholds alone: the selector, fitted on the real agents, weighs a
// clause win as one signal among others.)
TEST(RouterTest, AClauseOfItsOwnFansOut) {
  RouterOptions thresholds;
  thresholds.learned_selection = false;
  auto router = MakeRouter(thresholds);
  const std::string caching =
      "Design a caching strategy with cache-aside and write-through in Redis or Memcached for "
      "read-heavy services, with cache invalidation by TTL or by events";
  auto d = router->Route(caching + "; also which index does the table need?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_THAT(Chosen(*d), ElementsAre("cache-keeper", "sql-tuner"));
  EXPECT_LT(d->selected(1).score(), 0.5 * d->selected(0).score());
  const v1::RouteReason& clause = d->selected(1).reasons(0);
  EXPECT_EQ(clause.kind(), "clause");
  EXPECT_THAT(clause.matched(), ::testing::Contains("index"));
  // The same words inside the caching clause are not a part of their own.
  auto stray = router->Route(caching + " for the table index", {});
  ASSERT_TRUE(stray.ok()) << stray.status();
  EXPECT_THAT(Chosen(*stray), ElementsAre("cache-keeper"));
}

TEST(RouterTest, ParaphraseSurvivesStemming) {
  auto router = MakeRouter();
  auto d = router->Route("When should cached entries be invalidated?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Chosen(*d), ElementsAre("cache-keeper"));
}

TEST(RouterTest, NotForRuleRedirectsToHostedAgent) {
  auto router = MakeRouter();
  auto d = router->Route("How do we roll out releases to our production servers?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Chosen(*d), ElementsAre("deploy-hand"));
  // The redirect rule is one of deploy-hand's reasons, quoted with its origin.
  bool quoted = false;
  for (const auto& r : d->selected(0).reasons()) {
    if (r.kind() == "not_for" && r.rule().find("Rolling out releases") != std::string::npos &&
        r.rule().find("cache-keeper") != std::string::npos) {
      quoted = true;
    }
  }
  EXPECT_TRUE(quoted);
  auto rejected = std::find_if(d->rejected().begin(), d->rejected().end(),
                               [](const auto& r) { return r.agent() == "cache-keeper"; });
  ASSERT_NE(rejected, d->rejected().end());
  EXPECT_THAT(rejected->why(), HasSubstr("deploy-hand"));
  EXPECT_TRUE(d->unhosted().empty());
}

TEST(RouterTest, UnhostedRedirectTargetIsNamedNotChosen) {
  auto router = MakeRouter();
  auto d = router->Route("How should the CSS layout of our web pages be styled?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->selected().empty());
  ASSERT_EQ(d->unhosted_size(), 1);
  EXPECT_EQ(d->unhosted(0).agent(), "web-designer");
  EXPECT_EQ(d->unhosted(0).named_by(), "cache-keeper");
  EXPECT_EQ(d->unhosted(0).rule(), "Styling web pages and CSS layout");
  EXPECT_GT(d->unhosted(0).score(), 0);
  EXPECT_THAT(d->summary(), HasSubstr("web-designer"));
}

TEST(RouterTest, NothingInScopeSelectsNobody) {
  auto router = MakeRouter();
  auto d = router->Route("What is a good recipe for banana bread?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->selected().empty());
  EXPECT_TRUE(d->unhosted().empty());
  EXPECT_FALSE(d->fallback_used());
  EXPECT_EQ(d->rejected_size(), 3);
  EXPECT_THAT(d->summary(), HasSubstr("no hosted agent"));
  for (const auto& r : d->rejected()) EXPECT_FALSE(r.why().empty());
}

// A server started with an empty agents folder still answers: every kind of
// request, of one clause or several, chooses nobody.
TEST(RouterTest, NoHostedAgentsChoosesNobody) {
  auto router = Router::Create({});
  ASSERT_TRUE(router.ok()) << router.status();
  for (const char* text : {"hello", "",
                           "We need 10,000 orders per minute. Should we split the monolith? "
                           "And which database, and how do we deploy it?"}) {
    auto d = (*router)->Route(text, {});
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(d->selected().empty()) << text;
    EXPECT_TRUE(d->rejected().empty()) << text;
    EXPECT_THAT(d->summary(), HasSubstr("no hosted agent")) << text;
  }
  auto named = (*router)->Route("review this", {"backend-architect"});
  EXPECT_EQ(named.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(named.status().message()), HasSubstr("hosted agents: none"));
}

TEST(RouterTest, FallbackAgentWhenNothingInScope) {
  RouterOptions options;
  options.fallback_agent = "cache-keeper";
  auto router = MakeRouter(options);
  auto d = router->Route("What is a good recipe for banana bread?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Chosen(*d), ElementsAre("cache-keeper"));
  EXPECT_TRUE(d->fallback_used());
  // Not used when something is in scope.
  auto in_scope = router->Route("Which index makes this slow SQL query fast?", {});
  ASSERT_TRUE(in_scope.ok());
  EXPECT_THAT(Chosen(*in_scope), ElementsAre("sql-tuner"));
  EXPECT_FALSE(in_scope->fallback_used());
}

TEST(RouterTest, CreateRejectsBadInput) {
  RouterOptions options;
  options.fallback_agent = "ghost";
  auto bad_fallback = Router::Create(Agents(), options);
  ASSERT_FALSE(bad_fallback.ok());
  EXPECT_EQ(bad_fallback.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_fallback.status().message(), HasSubstr("ghost"));

  auto twice = Agents();
  twice.push_back(twice.front());
  auto duplicate = Router::Create(twice);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(duplicate.status().message(), HasSubstr("cache-keeper"));
}

TEST(RouterTest, ReasonsQuoteTheMatchingRules) {
  auto router = MakeRouter();
  auto d = router->Route("A SQL query got slow; which index should we add?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_THAT(Chosen(*d), ElementsAre("sql-tuner"));
  const v1::RouteChoice& choice = d->selected(0);
  ASSERT_FALSE(choice.reasons().empty());
  const v1::RouteReason& best = choice.reasons(0);
  EXPECT_EQ(best.rule(), "A SQL query is slow and needs an index");
  EXPECT_EQ(best.kind(), "use_when");
  EXPECT_GT(best.score(), 0);
  EXPECT_THAT(std::vector<std::string>(best.matched().begin(), best.matched().end()),
              ::testing::IsSupersetOf({"sql", "query", "slow", "index"}));
  EXPECT_GE(choice.score(), best.score());
}

TEST(RouterTest, AddingADefinitionChangesRouting) {
  const std::string request = "How do we shorten JVM garbage collection pauses?";
  auto before = MakeRouter()->Route(request, {});
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->selected().empty());

  auto agents = Agents();
  agents.push_back(Agent("jvm-tuner", {"Tuning JVM garbage collection and heap sizes"}, {}));
  auto router = Router::Create(agents);
  ASSERT_TRUE(router.ok()) << router.status();
  auto after = (*router)->Route(request, {});
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(Chosen(*after), ElementsAre("jvm-tuner"));
}

TEST(RouterTest, DeterministicAndIndependentOfHostingOrder) {
  const std::string request =
      "Design a caching strategy with TTL invalidation, and fix a slow SQL query too";
  auto router = MakeRouter();
  auto first = router->Route(request, {});
  auto second = router->Route(request, {});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->SerializeAsString(), second->SerializeAsString());

  auto reversed = Agents();
  std::reverse(reversed.begin(), reversed.end());
  auto other = Router::Create(reversed);
  ASSERT_TRUE(other.ok());
  auto third = (*other)->Route(request, {});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(Chosen(*first), Chosen(*third));
}

TEST(RouterTest, ConcurrentRoutesAgree) {
  auto router = MakeRouter();
  const std::string request = "Cache invalidation by events for read-heavy services";
  auto expected = router->Route(request, {});
  ASSERT_TRUE(expected.ok());
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 200; ++n) {
        auto d = router->Route(request, {});
        results[i] = d.ok() ? d->SerializeAsString() : "error";
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, expected->SerializeAsString());
}

// "Memcached" is in one rule of cache-keeper only, once: a single stray word
// of an otherwise unrelated request is not evidence enough to choose it, and
// the rejection says so.
TEST(RouterTest, OneStrayWordChoosesNobody) {
  auto router = MakeRouter();
  auto d = router->Route("Name our new puppy after a Memcached maintainer?", {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->selected().empty());
  auto rejected = std::find_if(d->rejected().begin(), d->rejected().end(),
                               [](const auto& r) { return r.agent() == "cache-keeper"; });
  ASSERT_NE(rejected, d->rejected().end());
  EXPECT_FALSE(rejected->why().empty());
  // The same word with its rule's company routes.
  auto in_scope = router->Route("Put Memcached in front of read-heavy services?", {});
  ASSERT_TRUE(in_scope.ok()) << in_scope.status();
  EXPECT_THAT(Chosen(*in_scope), ElementsAre("cache-keeper"));
}

// A request mostly about something else that happens to share a phrase
// with an agent's rules is not in its scope: the agent must explain a share
// of the request's words (min_coverage), and the rejection says why.
TEST(RouterTest, ARequestMostlyAboutSomethingElseChoosesNobody) {
  const std::string text =
      "Who brings sandwiches lemonade folding chairs frisbees sunscreen blankets speakers "
      "umbrellas or the write-through cheesecake to the summer picnic?";  // one clause
  auto router = MakeRouter();
  auto d = router->Route(text, {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->selected().empty()) << d->summary();
  auto rejected = std::find_if(d->rejected().begin(), d->rejected().end(),
                               [](const auto& r) { return r.agent() == "cache-keeper"; });
  ASSERT_NE(rejected, d->rejected().end());
  EXPECT_THAT(rejected->why(), HasSubstr("of the request's words"));
  // Without the share, the phrase alone would have chosen it.
  RouterOptions lenient;
  lenient.min_coverage = 0;
  auto chosen = MakeRouter(lenient)->Route(text, {});
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_THAT(Chosen(*chosen), ElementsAre("cache-keeper"));
}

TEST(RouterTest, EverydayWordsDoNotPullInAPeer) {
  // "reads", "product" and "long" appear in the database and API agents'
  // rules, but spoken English uses them all the time; "Redis" is a topic
  // word. Weighed by the background, only the caching agent answers.
  DefinitionLoadResult loaded = LoadDefinitions(AGENTD_SOURCE_DIR "/agents");
  ASSERT_TRUE(loaded.errors.empty());
  auto router = Router::Create(std::move(loaded.definitions));
  ASSERT_TRUE(router.ok()) << router.status();
  auto d = (*router)->Route(
      "Our catalogue pages get hammered with reads; where does Redis go and how long should "
      "entries live there?",
      {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Chosen(*d), ElementsAre("backend-architect"));
  // Everyday words alone choose nobody, though some are in the rules.
  auto everyday = (*router)->Route("Which game is breaking records this season?", {});
  ASSERT_TRUE(everyday.ok()) << everyday.status();
  EXPECT_TRUE(everyday->selected().empty());
}

// The signals the selector saw, one per agent, hosted first.
TEST(RouterTest, RouteReportsTheSelectionSignals) {
  auto router = MakeRouter();
  std::vector<SelectionSignals> signals;
  auto d = router->Route("Which index does the slow SQL query need?", {}, &signals);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(signals.size(), 4u);  // three hosted, then web-designer, named by a redirect
  EXPECT_EQ(signals[1].agent, "sql-tuner");
  EXPECT_TRUE(signals[1].hosted);
  EXPECT_TRUE(signals[1].is_top);
  EXPECT_TRUE(signals[1].passes_gates);
  EXPECT_GT(signals[1].score, 0);
  EXPECT_EQ(signals[1].top_score, signals[1].score);
  EXPECT_EQ(signals[3].agent, "web-designer");
  EXPECT_FALSE(signals[3].hosted);
  EXPECT_THAT(Chosen(*d), ElementsAre("sql-tuner"));
  for (const SelectionSignals& s : signals) EXPECT_FALSE(s.has_labelled_vote) << s.agent;
}

}  // namespace
}  // namespace agentd
