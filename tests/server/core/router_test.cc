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

namespace agentd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

struct Exclusion {
  std::string text;
  std::string redirect;
};

v1::AgentDefinition Agent(std::string name, std::vector<std::string> use_when,
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
std::vector<v1::AgentDefinition> Agents() {
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

std::unique_ptr<Router> MakeRouter(RouterOptions options = {}) {
  auto router = Router::Create(Agents(), options);
  EXPECT_TRUE(router.ok()) << router.status();
  return std::move(router).value();
}

std::vector<std::string> Chosen(const v1::RouteDecision& d) {
  std::vector<std::string> names;
  for (const auto& c : d.selected()) names.push_back(c.agent());
  return names;
}

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

// The bundled definitions load and send the seed's own question to the
// backend-architect.
LabelledRequest Labelled(std::string text, std::vector<std::string> required,
                         std::vector<std::string> unhosted = {}) {
  LabelledRequest r;
  r.source = "examples.jsonl:1";
  r.text = std::move(text);
  r.required = std::move(required);
  r.unhosted = std::move(unhosted);
  return r;
}

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

}  // namespace
}  // namespace agentd
