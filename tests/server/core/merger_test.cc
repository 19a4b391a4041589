#include "server/core/merger.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/render/markdown_renderer.h"

namespace agentd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

v1::SectionSpec Spec(const std::string& id, const std::string& heading, int order, const std::string& prefix = "") {
  v1::SectionSpec spec;
  spec.set_id(id);
  spec.set_heading(heading);
  spec.set_order(order);
  if (!prefix.empty()) spec.add_decision_prefixes(prefix);
  return spec;
}

// The layout these tests merge with, as definitions would state it.
const ReviewLayout& TestLayout() {
  static const ReviewLayout layout({Spec("architecture_pattern", "Architecture Pattern", 10, "architecture"),
                                    Spec("database_architecture", "Database Architecture", 40, "database"),
                                    Spec("recommendations", "Recommendations", 90),
                                    Spec("risks", "Risks & Mitigation", 100),
                                    Spec("api_design", "API Design", 110, "api"),
                                    Spec("reliability_operations", "Reliability Operations", 140, "reliability")});
  return layout;
}

std::shared_ptr<const v1::AgentDefinition> Def(const std::string& name, std::vector<std::string> sections) {
  auto d = std::make_shared<v1::AgentDefinition>();
  d->set_name(name);
  for (auto& s : sections) d->add_sections(s);
  return d;
}

std::string Md(const v1::Review& review) { return RenderMarkdown(review); }

v1::Item* AddItem(v1::AgentResponse* r, const std::string& section, const std::string& text, int priority = 0) {
  v1::Section* s = nullptr;
  for (auto& existing : *r->mutable_sections()) {
    if (existing.id() == section) s = &existing;
  }
  if (s == nullptr) {
    s = r->add_sections();
    s->set_id(section);
  }
  v1::Item* item = s->add_items();
  item->set_text(text);
  item->set_priority(priority);
  return item;
}

AgentOutcome Ok(v1::AgentResponse response) {
  AgentOutcome o;
  o.run.set_agent(response.agent());
  o.run.set_status(v1::AGENT_STATUS_OK);
  o.response = std::move(response);
  return o;
}

MergeInput TwoAgents(v1::AgentResponse a, v1::AgentResponse b) {
  MergeInput in;
  in.definitions = {Def("backend-architect", {"architecture_pattern", "database_architecture", "recommendations", "risks"}),
                    Def("api-architect", {"api_design"})};
  in.layout = &TestLayout();
  in.title = "Test Review";
  in.outcomes.push_back(Ok(std::move(a)));
  in.outcomes.push_back(Ok(std::move(b)));
  return in;
}

std::vector<std::string> SectionIds(const v1::Review& r) {
  std::vector<std::string> ids;
  for (const auto& s : r.sections()) ids.push_back(s.id());
  return ids;
}

TEST(MergerTest, SectionsFollowTheReviewFormatThenPeerSections) {
  v1::AgentResponse api;
  api.set_agent("api-architect");
  AddItem(&api, "api_design", "Use cursor pagination");
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "risks", "r");
  AddItem(&be, "architecture_pattern", "Modular monolith");
  AddItem(&be, "recommendations", "rec");
  // The api agent answered first: order must still be the format's.
  MergeInput in = TwoAgents(api, be);
  v1::Review review = Merge(in);
  EXPECT_THAT(SectionIds(review), ElementsAre("architecture_pattern", "recommendations", "risks", "api_design"));
  EXPECT_THAT(Md(review), HasSubstr("## Test Review"));
  EXPECT_LT(Md(review).find("### Architecture Pattern"), Md(review).find("### API Design"));
  EXPECT_TRUE(review.markdown().empty());  // rendered at the edge, not here
}

TEST(MergerTest, SectionOwnerComesFromDefinitionsAndOthersAreAttributed) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "architecture_pattern", "Modular monolith");
  v1::AgentResponse api;
  api.set_agent("api-architect");
  AddItem(&api, "architecture_pattern", "Keep the public API stable across the split");
  v1::Review review = Merge(TwoAgents(api, be));
  ASSERT_EQ(review.sections(0).id(), "architecture_pattern");
  EXPECT_EQ(review.sections(0).owner(), "backend-architect");
  // The owner's items first, then the other agent's, tagged.
  EXPECT_EQ(review.sections(0).items(0).agent(), "backend-architect");
  EXPECT_EQ(review.sections(0).items(1).agent(), "api-architect");
  EXPECT_THAT(Md(review), HasSubstr("Keep the public API stable across the split _(api-architect)_"));
  EXPECT_THAT(Md(review), Not(HasSubstr("Modular monolith _(")));
}

TEST(MergerTest, DuplicatesAppearOnceWithBothAgents) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "recommendations", "Add idempotency keys to order creation.", 2);
  v1::AgentResponse api;
  api.set_agent("api-architect");
  AddItem(&api, "recommendations", "add idempotency keys to  order creation", 1);
  v1::Review review = Merge(TwoAgents(be, api));
  ASSERT_EQ(review.sections_size(), 1);
  ASSERT_EQ(review.sections(0).items_size(), 1);
  EXPECT_EQ(review.sections(0).items(0).agent(), "backend-architect");
  EXPECT_THAT(review.sections(0).items(0).also_agents(), ElementsAre("api-architect"));
}

TEST(MergerTest, OnlyCaseSpacingAndPunctuationMakeNoDifference) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "risks", "  -- Cache the CATALOG, (read-through)!", 1);
  AddItem(&be, "risks", "Cache the catalogue read-through", 1);  // another word
  AddItem(&be, "risks", "Cachethe catalog read through", 1);     // words run together
  v1::AgentResponse api;
  api.set_agent("api-architect");
  AddItem(&api, "risks", "cache the catalog read through", 1);
  v1::Review review = Merge(TwoAgents(be, api));
  ASSERT_EQ(review.sections_size(), 1);
  ASSERT_EQ(review.sections(0).items_size(), 3);
  EXPECT_THAT(review.sections(0).items(0).also_agents(), ElementsAre("api-architect"));
  EXPECT_THAT(review.sections(0).items(1).also_agents(), ElementsAre());
  EXPECT_THAT(review.sections(0).items(2).also_agents(), ElementsAre());
}

TEST(MergerTest, RecommendationsAreRankedByPriorityAcrossAgents) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "recommendations", "second", 2);
  AddItem(&be, "recommendations", "unranked", 0);
  v1::AgentResponse api;
  api.set_agent("api-architect");
  AddItem(&api, "recommendations", "first", 1);
  AddItem(&api, "recommendations", "third", 3);
  v1::Review review = Merge(TwoAgents(be, api));
  std::vector<std::string> texts;
  for (const auto& i : review.sections(0).items()) texts.push_back(i.text());
  EXPECT_THAT(texts, ElementsAre("first", "second", "third", "unranked"));
  EXPECT_THAT(Md(review), HasSubstr("1. first _(api-architect)_\n2. second\n3. third"));
}

TEST(MergerTest, ConflictingDecisionKeepsTheOwnersValueAndRecordsTheOther) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "database_architecture", "PostgreSQL");
  auto* d = be.add_decisions();
  d->set_key("database.primary");
  d->set_value("postgresql");
  v1::AgentResponse api;
  api.set_agent("api-architect");
  auto* other = api.add_decisions();
  other->set_key("database.primary");
  other->set_value("mongodb");
  other->set_rationale("documents fit the payloads");
  // The dissenter answered first; the owner still wins.
  v1::Review review = Merge(TwoAgents(api, be));
  ASSERT_EQ(review.decisions_size(), 1);
  EXPECT_EQ(review.decisions(0).value(), "postgresql");
  EXPECT_EQ(review.decisions(0).agent(), "backend-architect");
  ASSERT_EQ(review.conflicts_size(), 1);
  EXPECT_EQ(review.conflicts(0).other_agent(), "api-architect");
  EXPECT_EQ(review.conflicts(0).other_value(), "mongodb");
  // Shown beside the section the decision belongs to.
  const std::string md = Md(review);
  size_t section = md.find("### Database Architecture");
  size_t conflict = md.find("**Conflict** on `database.primary`");
  ASSERT_NE(conflict, std::string::npos);
  EXPECT_GT(conflict, section);
  EXPECT_LT(conflict, md.find("### Decisions"));
  EXPECT_THAT(md, HasSubstr("api-architect would choose **mongodb**"));
}

TEST(MergerTest, AgreeingDecisionsAreNotAConflict) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  auto* d = be.add_decisions();
  d->set_key("messaging.broker");
  d->set_value("kafka");
  v1::AgentResponse api = be;
  api.set_agent("api-architect");
  api.mutable_decisions(0)->set_agent("api-architect");
  v1::Review review = Merge(TwoAgents(be, api));
  EXPECT_EQ(review.decisions_size(), 1);
  EXPECT_EQ(review.conflicts_size(), 0);
}

TEST(MergerTest, FailedAgentMakesThePartialReviewNotAFailedOne) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "architecture_pattern", "Modular monolith");
  MergeInput in;
  in.definitions = {Def("backend-architect", {"architecture_pattern"}), Def("sre-specialist", {"reliability_operations"})};
  in.layout = &TestLayout();
  in.outcomes.push_back(Ok(be));
  AgentOutcome slow;
  slow.run.set_agent("sre-specialist");
  slow.run.set_status(v1::AGENT_STATUS_TIMED_OUT);
  slow.run.set_error("no answer within 200ms");
  in.outcomes.push_back(slow);
  v1::Review review = Merge(in);
  EXPECT_TRUE(review.partial());
  ASSERT_EQ(review.agents_size(), 2);
  EXPECT_EQ(review.agents(1).status(), v1::AGENT_STATUS_TIMED_OUT);
  EXPECT_THAT(Md(review), HasSubstr("**Partial review**: sre-specialist timed out (no answer within 200ms)"));
  EXPECT_THAT(Md(review), HasSubstr("Modular monolith"));
}

TEST(MergerTest, AssumptionsAndQuestionsAreDeduplicatedWithProvenance) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  be.add_questions()->set_text("How many engineers work on this?");
  v1::AgentResponse api;
  api.set_agent("api-architect");
  api.add_questions()->set_text("how many engineers work on this");
  api.add_assumptions()->set_text("Clients are mobile apps.");
  v1::Review review = Merge(TwoAgents(be, api));
  ASSERT_EQ(review.questions_size(), 1);
  EXPECT_THAT(review.questions(0).also_agents(), ElementsAre("api-architect"));
  ASSERT_EQ(review.assumptions_size(), 1);
  EXPECT_EQ(review.assumptions(0).agent(), "api-architect");
}

TEST(MergerTest, MergeIsDeterministic) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "recommendations", "a", 1);
  v1::AgentResponse api;
  api.set_agent("api-architect");
  AddItem(&api, "api_design", "b");
  MergeInput in = TwoAgents(be, api);
  EXPECT_EQ(Merge(in).SerializeAsString(), Merge(in).SerializeAsString());
}

TEST(MergerTest, MovingTheInputMergesTheSameReviewAsCopyingIt) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "recommendations", "Add a read replica", 2);
  AddItem(&be, "database_architecture", "PostgreSQL");
  be.add_questions()->set_text("How many engineers work on this?");
  auto* d = be.add_decisions();
  d->set_key("database.primary");
  d->set_value("postgresql");
  v1::AgentResponse api;
  api.set_agent("api-architect");
  AddItem(&api, "recommendations", "add a READ replica.", 1);
  AddItem(&api, "recommendations", "Version the API", 1);
  AddItem(&api, "api_design", "REST with cursor paging");
  api.add_questions()->set_text("how many engineers work on this");
  api.add_assumptions()->set_text("Clients are mobile apps.");
  auto* other = api.add_decisions();
  other->set_key("database.primary");
  other->set_value("mongodb");
  MergeInput in = TwoAgents(be, api);
  in.title = "Title";
  in.requirements.set_team_size(12);
  in.facts.emplace_back().set_field("team_size");
  const std::string copied = Merge(in).SerializeAsString();
  MergeInput moved = in;
  EXPECT_EQ(Merge(std::move(moved)).SerializeAsString(), copied);
  EXPECT_EQ(MergeByVersion(kMergerVersion, MergeInput(in))->SerializeAsString(), copied);
  // Signatures carried with the answers (as the executor hands them over) merge the same review.
  MergeInput signed_answers = in;
  for (AgentOutcome& o : signed_answers.outcomes) o.item_signatures = ItemSignatures(*o.response);
  EXPECT_EQ(Merge(signed_answers).SerializeAsString(), copied);
  EXPECT_EQ(Merge(std::move(signed_answers)).SerializeAsString(), copied);
}

TEST(MergerTest, ItemSignaturesFollowTheMergersReadingOrderAndSameness) {
  v1::AgentResponse r;
  r.set_agent("backend-architect");
  AddItem(&r, "recommendations", "Add a read replica");
  AddItem(&r, "risks", "add a READ replica.");
  r.add_assumptions()->set_text("Add a read-replica");
  r.add_questions()->set_text("Add a read replica");
  r.mutable_questions(0)->set_label("Team");
  const std::vector<uint64_t> signatures = ItemSignatures(r);
  ASSERT_EQ(signatures.size(), 4u);
  EXPECT_EQ(signatures[0], signatures[1]);  // case and punctuation make no difference
  EXPECT_EQ(signatures[0], signatures[2]);  // nor spacing
  EXPECT_NE(signatures[0], signatures[3]);  // a label does
}

TEST(MergerTest, SignaturesThatAreNotTheAnswersAreWorkedOutAgain) {
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "recommendations", "Add a read replica", 2);
  v1::AgentResponse api;
  api.set_agent("api-architect");
  AddItem(&api, "recommendations", "add a READ replica.", 1);
  AddItem(&api, "recommendations", "Version the API", 1);
  MergeInput in = TwoAgents(be, api);
  const std::string expected = Merge(in).SerializeAsString();
  in.outcomes[0].item_signatures = {1, 2, 3};  // not one per item
  in.outcomes[1].item_signatures = {7};
  EXPECT_EQ(Merge(in).SerializeAsString(), expected);
  EXPECT_EQ(Merge(std::move(in)).SerializeAsString(), expected);
}

// A definition that brings its own sections places them where it says,
// around the ones already hosted, with its own headings.
TEST(MergerTest, ANewAgentsSectionsComeWhereItsDefinitionOrdersThem) {
  std::vector<v1::SectionSpec> specs = TestLayout().specs();
  specs.push_back(Spec("threat_model", "Threat Model", 5, "security"));
  specs.push_back(Spec("secrets_handling", "Secrets", 105));
  specs.push_back(Spec("open_notes", "", 0));
  const ReviewLayout layout(specs);
  v1::AgentResponse be;
  be.set_agent("backend-architect");
  AddItem(&be, "architecture_pattern", "Modular monolith");
  AddItem(&be, "risks", "r");
  v1::AgentResponse sec;
  sec.set_agent("security-reviewer");
  AddItem(&sec, "open_notes", "n");
  AddItem(&sec, "secrets_handling", "Keep keys in a vault");
  AddItem(&sec, "threat_model", "Spoofed webhooks");
  auto* d = sec.add_decisions();
  d->set_key("security.authn");
  d->set_value("mtls");
  MergeInput in;
  in.definitions = {Def("backend-architect", {"architecture_pattern", "risks"}),
                    Def("security-reviewer", {"threat_model", "secrets_handling", "open_notes"})};
  in.layout = &layout;
  in.outcomes.push_back(Ok(be));
  in.outcomes.push_back(Ok(sec));
  v1::Review review = Merge(in);
  EXPECT_THAT(SectionIds(review),
              ElementsAre("threat_model", "architecture_pattern", "risks", "secrets_handling", "open_notes"));
  EXPECT_EQ(review.sections(0).heading(), "Threat Model");
  EXPECT_EQ(review.sections(0).owner(), "security-reviewer");
  EXPECT_EQ(review.sections(4).heading(), "Open Notes");  // no heading stated: the id title-cased
  const std::string md = Md(review);
  EXPECT_LT(md.find("### Threat Model"), md.find("### Architecture Pattern"));
  EXPECT_LT(md.find("### Risks & Mitigation"), md.find("### Secrets"));
  // The layout a turn records is what this review used, and merges it the same.
  const SectionSpecs used = layout.UsedBy(review);
  ASSERT_EQ(used.size(), 5u);
  const ReviewLayout recorded(used);
  in.layout = &recorded;
  EXPECT_EQ(Merge(in).SerializeAsString(), review.SerializeAsString());
}

TEST(MergerTest, StoredTurnsMergeAgainByTheirVersion) {
  MergeRecord record;
  record.merger_version = kMergerVersion;
  record.section_owners.push_back(Def("backend-architect", {"architecture"}));
  record.requirements.set_team_size(12);
  AgentOutputRecord answered;
  answered.run.set_agent("backend-architect");
  answered.run.set_status(v1::AGENT_STATUS_OK);
  answered.output.set_agent("backend-architect");
  v1::Section* section = answered.output.add_sections();
  section->set_id("architecture");
  section->add_items()->set_text("Start with a modular monolith");
  AgentOutputRecord failed;
  failed.run.set_agent("sre-specialist");
  failed.run.set_status(v1::AGENT_STATUS_FAILED);

  MergeInput input;
  input.outcomes.push_back({answered.run, answered.output});
  input.outcomes.push_back({failed.run, std::nullopt});
  input.definitions = record.section_owners;
  input.requirements = record.requirements;
  record.layout = {std::make_shared<const v1::SectionSpec>(Spec("architecture", "The Architecture", 1))};
  record.title = "Recorded Title";
  const ReviewLayout layout(record.layout);
  input.layout = &layout;
  input.title = record.title;
  const v1::Review sent = Merge(input);
  EXPECT_EQ(sent.sections(0).heading(), "The Architecture");

  absl::StatusOr<v1::Review> again = MergeStoredTurn(record, {answered, failed});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), sent.SerializeAsString());
  EXPECT_TRUE(again->partial());

  record.merger_version = kMergerVersion + 1;
  absl::StatusOr<v1::Review> unknown = MergeStoredTurn(record, {answered, failed});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MergeByVersion(0, input).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace agentd
