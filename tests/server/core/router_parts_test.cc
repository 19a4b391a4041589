// The router's parts on their own: the model built once, the scorer's
// per-call tables, the explainer's number format. (router_test.cc tests
// what they add up to.)
#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/router_explainer.h"
#include "server/core/router_model.h"
#include "server/core/router_scorer.h"

namespace agentd::routing {
namespace {

using ::testing::ElementsAre;

v1::AgentDefinition Agent(std::string name, std::vector<std::string> use_when, std::string redirect_text = {},
                          std::string redirect = {}) {
  v1::AgentDefinition d;
  d.set_name(std::move(name));
  for (auto& r : use_when) d.add_use_when(std::move(r));
  if (!redirect.empty()) {
    v1::ScopeExclusion* x = d.add_not_for();
    x->set_text(redirect_text);
    x->set_redirect(redirect);
  }
  return d;
}

std::unique_ptr<const RoutingModel> Model() {
  auto model = RoutingModel::Create(
      {Agent("cache-keeper", {"Designing a caching strategy for read-heavy services"},
             "Styling web pages and CSS layout", "Web-Designer"),
       Agent("sql-tuner", {"A SQL query is slow and needs an index", "Designing table schemas and indexes"})},
      RouterOptions{}, {});
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

TEST(FindMentionsTest, FindsNamesNotAddresses) {
  const std::vector<Mention> mentions = FindMentions("@SRE-specialist-- ask ops@example.com and @db_x.");
  ASSERT_EQ(mentions.size(), 2u);
  EXPECT_EQ(mentions[0].name, "sre-specialist");
  EXPECT_EQ(mentions[0].begin, 0u);
  EXPECT_EQ(mentions[0].end, 17u);  // trailing dashes are punctuation, but part of the mention
  EXPECT_EQ(mentions[1].name, "db_x");
}

TEST(RoutingModelTest, RedirectTargetsBecomeUnhostedAgents) {
  auto model = Model();
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->hosted_count(), 2);
  EXPECT_EQ(model->agent_count(), 3);
  EXPECT_EQ(model->AgentName(2), "web-designer");
  EXPECT_EQ(model->AgentIndex("SQL-Tuner"), 1);
  EXPECT_EQ(model->AgentIndex("web-designer"), -1);  // not hosted
  EXPECT_EQ(model->hosted_list(), "cache-keeper, sql-tuner");
  // The "not for" rule speaks for the agent it names, against its owner.
  const auto& rules = model->rules();
  const auto it = std::find_if(rules.begin(), rules.end(), [](const RoutingModel::Rule& r) { return r.against; });
  ASSERT_NE(it, rules.end());
  const RoutingModel::Rule& redirect = *it;
  EXPECT_EQ(redirect.owner, 0);
  EXPECT_EQ(redirect.speaks_for, 2);
  EXPECT_STREQ(model->quote(static_cast<uint32_t>(it - rules.begin())).kind, "not_for");
}

TEST(RoutingModelTest, RefusesDuplicateNamesAndUnhostedFallback) {
  EXPECT_FALSE(RoutingModel::Create({Agent("a", {"x"}), Agent("A", {"y"})}, {}, {}).ok());
  RouterOptions options;
  options.fallback_agent = "nobody";
  EXPECT_FALSE(RoutingModel::Create({Agent("a", {"x"})}, options, {}).ok());
}

TEST(RouteScorerTest, TablesDescribeTheCallAndReleaseClearsTheSlots) {
  auto model = Model();
  ASSERT_NE(model, nullptr);
  RouteScorer& scorer = RouteScorer::ForThisThread();
  ASSERT_TRUE(scorer.Score(*model, "this SQL query is slow, does it need an index?", {}).ok());
  const auto& touched = scorer.hits().touched;
  ASSERT_FALSE(touched.empty());
  EXPECT_TRUE(std::is_sorted(touched.begin(), touched.end()));
  EXPECT_EQ(scorer.agents().order.front(), 1);  // sql-tuner
  EXPECT_THAT(scorer.choice().selected, ElementsAre(1));
  EXPECT_GT(scorer.agents().score[1], scorer.agents().score[0]);
  const std::vector<uint32_t> used(touched.begin(), touched.end());
  scorer.Release();
  for (const uint32_t r : used) {
    EXPECT_EQ(scorer.hits().slots[r].end, 0u);
    EXPECT_EQ(scorer.hits().slots[r].score, 0.0);
  }
}

TEST(RouteScorerTest, UnknownExplicitAgentIsInvalidArgument) {
  auto model = Model();
  ASSERT_NE(model, nullptr);
  RouteScorer& scorer = RouteScorer::ForThisThread();
  const absl::Status status = scorer.Score(*model, "@nobody hello", {});
  scorer.Release();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("cache-keeper, sql-tuner"));
}

TEST(RouteExplainerTest, WritesWhatTheScorerDecided) {
  auto model = Model();
  ASSERT_NE(model, nullptr);
  RouteScorer& scorer = RouteScorer::ForThisThread();
  ASSERT_TRUE(scorer.Score(*model, "pick a caching strategy for our read-heavy services", {}).ok());
  v1::RouteDecision decision;
  RouteExplainer::ForThisThread().Explain(scorer, &decision);
  scorer.Release();
  ASSERT_EQ(decision.selected_size(), 1);
  EXPECT_EQ(decision.selected(0).agent(), "cache-keeper");
  EXPECT_EQ(decision.summary(), "routed to cache-keeper");
  ASSERT_GT(decision.selected(0).reasons_size(), 0);
  EXPECT_EQ(decision.selected(0).reasons(0).kind(), "use_when");
}

TEST(FormatScoreTest, TwoDecimalsLikePrintf) {
  EXPECT_EQ(FormatScore(0), "0.00");
  EXPECT_EQ(FormatScore(1.005), "1.00");  // 100.49999… hundredths, as %.2f
  EXPECT_EQ(FormatScore(12.3456), "12.35");
  EXPECT_EQ(FormatScore(-0.5), "-0.50");
  EXPECT_EQ(FormatScore(1e20), "100000000000000000000.00");  // past int64 hundredths: printf
}

}  // namespace
}  // namespace agentd::routing
