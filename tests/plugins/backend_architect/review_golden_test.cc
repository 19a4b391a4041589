// End-to-end golden reviews: a question goes the way the server sends it —
// ReadFacts (server/facts) → the engine → Merge (server/core/merger) → the
// Markdown a person reads — and the Markdown is compared with a golden file
// in golden/<name>.md. AGENTD_UPDATE_GOLDEN=1 rewrites the files instead;
// read the diff as an architect would before committing it.
//
// Only the plugin boundary and the network are left out: the engine is
// called directly with the AgentRequest the orchestrator would build.
#include <cmark.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/plugins/backend_architect/golden.h"
#include "plugins/backend_architect/engine.h"
#include "server/core/merger.h"
#include "server/definitions/agents_settings.h"
#include "server/definitions/definition_parser.h"
#include "server/render/markdown_renderer.h"
#include "server/facts/fact_reader.h"

namespace agentd::backend_architect {
namespace {

using testing::ExpectMatchesGolden;

std::string GoldenPath(const std::string& name) {
  return std::string(AGENTD_SOURCE_DIR) + "/tests/plugins/backend_architect/golden/" + name + ".md";
}

// The bundled agents, as the server loads them: the merger takes section
// ownership from backend-architect's `sections:` key, and the layout and
// title from every definition and the folder's agentd.yaml.
const DefinitionLoadResult& BundledAgents() {
  static const DefinitionLoadResult loaded = LoadDefinitions(std::string(AGENTD_SOURCE_DIR) + "/agents");
  return loaded;
}

std::string BundledTitle() {
  absl::StatusOr<AgentsSettings> settings = LoadAgentsSettings(std::string(AGENTD_SOURCE_DIR) + "/agents");
  EXPECT_TRUE(settings.ok()) << settings.status();
  return settings.ok() ? settings->review_title : "";
}

// The hosted backend-architect definition, as the server loads it.
v1::AgentDefinition BackendArchitectDefinition() {
  std::string path = std::string(AGENTD_SOURCE_DIR) + "/agents/backend-architect.md";
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  absl::StatusOr<v1::AgentDefinition> def = ParseDefinition(content.str(), path);
  EXPECT_TRUE(def.ok()) << def.status();
  return def.ok() ? *def : v1::AgentDefinition();
}

// The orchestrator's path for one new session: facts from the text, the
// caller's fields over them, the engine, then the merger.
v1::Review ReviewEndToEnd(const std::string& text, const v1::Requirements& fields = {}) {
  FactSet facts = LayerFacts(FactSet{}, ReadFacts(text), FactsFromFields(fields));
  v1::AgentRequest request;
  request.set_text(text);
  request.set_agent(kAgentName);
  request.set_turn(1);
  *request.mutable_requirements() = facts.requirements;
  for (const v1::Fact& f : facts.facts) *request.add_facts() = f;

  AgentOutcome outcome;
  outcome.run.set_agent(kAgentName);
  outcome.run.set_plugin("backend_architect");
  outcome.run.set_status(v1::AGENT_STATUS_OK);
  outcome.run.set_latency_ms(0);  // measured by the executor in the server; fixed here
  outcome.response = Review(request);

  static const ReviewLayout layout = ReviewLayout::FromDefinitions(BundledAgents().definitions);
  MergeInput input;
  input.outcomes.push_back(std::move(outcome));
  input.definitions.push_back(std::make_shared<const v1::AgentDefinition>(BackendArchitectDefinition()));
  input.layout = &layout;
  input.title = BundledTitle();
  input.requirements = facts.requirements;
  input.facts = facts.facts;
  v1::Review review = Merge(input);
  review.set_markdown(RenderMarkdown(review));  // as the service does at the edge
  return review;
}

int CountOf(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// Markdown that a reader's tool would render as intended: every label line
// that starts a paragraph is a paragraph, never swallowed into a list item.
void ExpectWellFormed(const std::string& markdown) {
  std::unique_ptr<char, decltype(&std::free)> html(
      cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT), &std::free);
  std::string h(html.get());
  EXPECT_EQ(CountOf(h, "<h2>"), 1) << h;
  EXPECT_EQ(CountOf(h, "<li>\n<p>"), 0) << "a loose list (a paragraph glued into a list item)\n" << h;
  EXPECT_EQ(CountOf(h, "<strong>Trade-offs</strong>"), CountOf(h, "<p><strong>Trade-offs</strong>"));
  EXPECT_EQ(CountOf(h, "<strong>Invalidation</strong>"), CountOf(h, "<p><strong>Invalidation</strong>"));
}

void CompareWithGolden(const std::string& name, const v1::Review& review) {
  ExpectWellFormed(review.markdown());
  ExpectMatchesGolden(GoldenPath(name), review.markdown());
}

std::string DecisionValue(const v1::Review& review, const std::string& key) {
  for (const v1::Decision& d : review.decisions()) {
    if (d.key() == key) return d.value();
  }
  return "<absent>";
}

// ---- The seed's three examples ----------------------------------------------

TEST(ReviewGoldenTest, FlashSaleOrders) {
  v1::Review review = ReviewEndToEnd(
      "We need to handle 10,000 orders per minute during flash sales. Should we use "
      "microservices or a monolith?");
  // What the fact reader must have given the engine for this review to hold.
  EXPECT_NE(review.markdown().find("166.67"), std::string::npos);
  EXPECT_EQ(review.requirements().bursty(), true);
  CompareWithGolden("flash_sale", review);
}

TEST(ReviewGoldenTest, RedisUnderLoad) {
  v1::Review review = ReviewEndToEnd(
      "Our API response times degrade when Redis is under load. How should we structure our "
      "caching strategy?");
  CompareWithGolden("redis_caching", review);
}

TEST(ReviewGoldenTest, SyncRestToEvents) {
  v1::Review review = ReviewEndToEnd(
      "We want to move from synchronous REST to event-driven architecture. What patterns "
      "should we use?");
  CompareWithGolden("event_driven", review);
}

// ---- Richer questions ---------------------------------------------------------

TEST(ReviewGoldenTest, TeamOfThreeFortyServices) {
  v1::Review review = ReviewEndToEnd(
      "We are a team of 3 and plan 40 microservices on AWS, 2M requests a day, 99.95% monthly, "
      "p99 under 200 ms.");
  EXPECT_EQ(DecisionValue(review, "observability.error_budget_minutes_30d"), "21.6");
  EXPECT_NE(DecisionValue(review, "architecture.pattern"), "microservices");
  CompareWithGolden("team_of_three_forty_services", review);
}

TEST(ReviewGoldenTest, PaymentsLedger) {
  v1::Review review = ReviewEndToEnd(
      "We are building a payments ledger for a fintech: every balance change must be auditable "
      "and we must reconstruct any account's balance as of a past date. Strong consistency is a "
      "must. 4 teams, 30 engineers, clear bounded contexts (payments, accounts, FX, reporting). "
      "1,500 transactions per second at peak, 99.99% availability, p99 under 300 ms, on GCP.");
  CompareWithGolden("payments_ledger", review);
}

TEST(ReviewGoldenTest, IotTimeSeries) {
  v1::Review review = ReviewEndToEnd(
      "We ingest telemetry from 200,000 IoT devices: 20,000 events per second of time-series "
      "sensor readings, write-heavy, eventual consistency is fine. Dashboards read the last 24 "
      "hours. p99 under 20 ms for writes, 99.9% availability, on Azure, a team of 6.");
  CompareWithGolden("iot_time_series", review);
}

// The same question twice gives the same review, byte for byte.
TEST(ReviewGoldenTest, Deterministic) {
  const std::string text =
      "We are a team of 3 and plan 40 microservices on AWS, 2M requests a day, 99.95% monthly, "
      "p99 under 200 ms.";
  v1::Review first = ReviewEndToEnd(text);
  v1::Review second = ReviewEndToEnd(text);
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
}

}  // namespace
}  // namespace agentd::backend_architect
